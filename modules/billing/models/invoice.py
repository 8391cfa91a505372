"""An invoice and its lines.

A draft has no number: the number (`INV/2026/00042`) is allocated when the invoice is
issued, in the same transaction, so the series has no gaps. From then on the invoice
is immutable: its lines and amounts never change, only its payment or cancellation.
The amounts are stored (kept up to date while a draft, fixed at issue) so lists,
exports and the dashboard read them without recomputing.
"""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Date, ForeignKey, Integer, Numeric, OnDelete, Text, Varchar
from piccolo.constraints import Check
from piccolo.table import Table

from core.db.mixins import Audited
from core.partners.models import Partner
from core.products.models import Product

STATES = ("draft", "issued", "paid", "cancelled")
MONEY = (12, 2)


class Invoice(Audited, Table, tablename="billing_invoice"):
    number = Varchar(length=30, null=True, default=None, unique=True)
    partner = ForeignKey(Partner, on_delete=OnDelete.restrict, index=True)
    state = Varchar(length=20, default="draft", index=True)
    invoice_date = Date(null=True, default=None, index=True)  # set at issue when left empty
    payment_terms = Integer(default=14)  # days
    due_date = Date(null=True, default=None)
    currency = Varchar(length=3, default="EUR")
    # The customer's own reference (their purchase order number), printed on the invoice.
    customer_reference = Varchar(length=100, default="")
    # What the invoice bills as a whole, e.g. "field_service.work_order:42" (lines carry their own).
    origin = Varchar(length=100, default="", index=True)
    notes = Text(default="")
    paid_on = Date(null=True, default=None)
    cancel_reason = Text(default="")
    amount_net = Numeric(digits=MONEY, default=D(0))
    amount_vat = Numeric(digits=MONEY, default=D(0))
    amount_gross = Numeric(digits=MONEY, default=D(0))

    # The database keeps the invariants too (added by the second migration, see there).
    # (Piccolo writes `is_in` values into DDL as placeholders, so the states are spelled out.)
    check_state = Check((state == "draft") | (state == "issued") | (state == "paid") | (state == "cancelled"))
    check_numbered = Check(number.is_not_null() | (state == "draft") | (state == "cancelled"))
    check_paid_on = Check((state != "paid") | paid_on.is_not_null())
    check_terms = Check(payment_terms >= 0)


class InvoiceLine(Audited, Table, tablename="billing_invoice_line"):
    invoice = ForeignKey(Invoice, on_delete=OnDelete.cascade, index=True)
    sequence = Integer(default=10)  # position on the invoice
    description = Varchar(length=300)
    product = ForeignKey(Product, null=True, default=None, on_delete=OnDelete.restrict)
    quantity = Numeric(digits=(12, 3), default=D(1))
    unit = Varchar(length=20, default="unit")
    unit_price = Numeric(digits=(12, 4), default=D(0))
    discount = Numeric(digits=(5, 2), default=D(0))  # percent
    vat_rate = Numeric(digits=(5, 2), default=D(21))  # percent
    amount_net = Numeric(digits=MONEY, default=D(0))  # quantity x price less discount, rounded to cents
    # The document this line bills, "<module>.<concept>:<id>" (e.g. "field_service.work_order:42"),
    # and how to show it ("WO/2026/00042"), so the other module can tell what is billed.
    origin = Varchar(length=100, default="", index=True)
    origin_label = Varchar(length=200, default="")

    check_discount = Check((discount >= 0) & (discount <= 100))
    check_vat_rate = Check(vat_rate >= 0)
