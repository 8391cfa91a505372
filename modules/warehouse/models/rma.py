"""Customer returns (RMA) with an outcome per line, and warranty claims on vendors."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Date, ForeignKey, Numeric, OnDelete, Text, Varchar
from piccolo.table import Table

from core.db.mixins import Audited
from core.partners.models import Partner
from core.products.models import Product
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.quant import QTY

STATES = ("draft", "received", "done", "cancelled")
OUTCOMES = ("", "refund", "replace", "repair", "scrap", "return_to_vendor")
CLAIM_STATES = ("draft", "submitted", "accepted", "rejected", "credited")


class Return(Audited, Table, tablename="warehouse_return"):
    number = Varchar(length=30, unique=True)
    partner = ForeignKey(Partner, on_delete=OnDelete.restrict, index=True)
    state = Varchar(length=20, default="draft", index=True)
    received_on = Date(null=True, default=None)
    origin = Varchar(length=100, default="")
    note = Text(default="")


class ReturnLine(Audited, Table, tablename="warehouse_return_line"):
    rma = ForeignKey(Return, on_delete=OnDelete.cascade, index=True)
    product = ForeignKey(Product, on_delete=OnDelete.restrict)
    lot = ForeignKey(Lot, null=True, default=None, on_delete=OnDelete.restrict)
    quantity = Numeric(digits=QTY, default=D(1))
    reason = Varchar(length=200, default="")
    outcome = Varchar(length=20, default="")
    done = Varchar(length=10, default="")  # "yes" once the outcome was carried out


class VendorClaim(Audited, Table, tablename="warehouse_vendor_claim"):
    number = Varchar(length=30, unique=True)
    supplier = ForeignKey(Partner, on_delete=OnDelete.restrict, index=True)
    return_line = ForeignKey(ReturnLine, null=True, default=None, on_delete=OnDelete.restrict)
    product = ForeignKey(Product, on_delete=OnDelete.restrict)
    lot = ForeignKey(Lot, null=True, default=None, on_delete=OnDelete.restrict)
    quantity = Numeric(digits=QTY, default=D(1))
    # The supplier's own reference for the claim.
    claim_number = Varchar(length=50, default="")
    state = Varchar(length=20, default="draft", index=True)
    submitted_on = Date(null=True, default=None)
    due_on = Date(null=True, default=None)
    credit_expected = Numeric(digits=(12, 2), default=D(0))
    credit_received = Numeric(digits=(12, 2), default=D(0))
    overdue = Varchar(length=10, default="")
    note = Text(default="")
