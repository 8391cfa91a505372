"""A stock move: one product (and lot) from one location to another. Done moves never change."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import ForeignKey, Numeric, OnDelete, Text, Timestamptz, Varchar
from piccolo.constraints import Check
from piccolo.table import Table

from core.db.mixins import Audited
from core.products.models import Product
from modules.warehouse.models.location import Location
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.quant import QTY
from modules.warehouse.models.transfer import Transfer

STATES = ("draft", "reserved", "done", "cancelled")


class Move(Audited, Table, tablename="warehouse_move"):
    transfer = ForeignKey(Transfer, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    product = ForeignKey(Product, on_delete=OnDelete.restrict, index=True)
    lot = ForeignKey(Lot, null=True, default=None, on_delete=OnDelete.restrict)
    source = ForeignKey(Location, on_delete=OnDelete.restrict)
    destination = ForeignKey(Location, on_delete=OnDelete.restrict)
    quantity = Numeric(digits=QTY)
    state = Varchar(length=20, default="draft", index=True)
    # The document that asked for it, for the service API: "field_service.work_order:42".
    origin = Varchar(length=100, default="", index=True)
    # Cost of one unit when the move was done (receipts set the average cost from it).
    unit_cost = Numeric(digits=(12, 4), default=D(0))
    done_at = Timestamptz(null=True, default=None, index=True)
    note = Text(default="")

    check_positive = Check(quantity > 0)
