"""Supplier prices and purchase orders."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Date, ForeignKey, Integer, Numeric, OnDelete, Text, Timestamptz, Varchar
from piccolo.constraints import Check
from piccolo.table import Table

from core.db.mixins import Audited
from core.partners.models import Partner
from core.products.models import Product
from modules.warehouse.models.location import Location
from modules.warehouse.models.quant import QTY

STATES = ("draft", "sent", "confirmed", "partial", "received", "cancelled")


class SupplierPrice(Audited, Table, tablename="warehouse_supplier_price"):
    """One price tier: from `min_qty` units on, `price` each, valid between two dates."""

    product = ForeignKey(Product, on_delete=OnDelete.restrict, index=True)
    supplier = ForeignKey(Partner, on_delete=OnDelete.restrict, index=True)
    supplier_code = Varchar(length=50, default="")
    min_qty = Numeric(digits=QTY, default=D(1))
    price = Numeric(digits=(12, 4))
    lead_days = Integer(default=0)
    valid_from = Date(null=True, default=None)
    valid_to = Date(null=True, default=None)


class PurchaseOrder(Audited, Table, tablename="warehouse_purchase_order"):
    number = Varchar(length=30, unique=True)
    supplier = ForeignKey(Partner, on_delete=OnDelete.restrict, index=True)
    state = Varchar(length=20, default="draft", index=True)
    destination = ForeignKey(Location, on_delete=OnDelete.restrict)
    ordered_on = Date(null=True, default=None)
    expected_on = Date(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    # "reorder" when the reordering job drafted it.
    origin = Varchar(length=100, default="")
    note = Text(default="")


class PurchaseLine(Audited, Table, tablename="warehouse_purchase_line"):
    order = ForeignKey(PurchaseOrder, on_delete=OnDelete.cascade, index=True)
    product = ForeignKey(Product, on_delete=OnDelete.restrict)
    quantity = Numeric(digits=QTY)
    received = Numeric(digits=QTY, default=D(0))
    unit_price = Numeric(digits=(12, 4), default=D(0))
    # The reorder rule that asked for this line (no duplicate drafts for one need).
    rule_id = Integer(null=True, default=None, index=True)

    check_positive = Check(quantity > 0)
