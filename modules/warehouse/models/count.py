"""Inventory counts: what the system expects at a location against what was counted."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Date, ForeignKey, Numeric, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from core.db.mixins import Audited
from core.products.models import Product
from modules.warehouse.models.location import Location
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.quant import QTY

STATES = ("draft", "counting", "done", "cancelled")


class Count(Audited, Table, tablename="warehouse_count"):
    number = Varchar(length=30, unique=True)
    location = ForeignKey(Location, on_delete=OnDelete.restrict, index=True)
    state = Varchar(length=20, default="draft", index=True)
    planned_on = Date(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
    # "cycle" when the cycle-count job opened it.
    origin = Varchar(length=100, default="")


class CountLine(Audited, Table, tablename="warehouse_count_line"):
    count = ForeignKey(Count, on_delete=OnDelete.cascade, index=True)
    product = ForeignKey(Product, on_delete=OnDelete.restrict)
    lot = ForeignKey(Lot, null=True, default=None, on_delete=OnDelete.restrict)
    expected = Numeric(digits=QTY, default=D(0))
    counted = Numeric(digits=QTY, null=True, default=None)
