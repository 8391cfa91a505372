"""Lots and serial numbers. A serial's `location` is where that one unit is now."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, OnDelete, Text, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from core.db.mixins import Audited
from core.products.models import Product
from modules.warehouse.models.location import Location


class Lot(Audited, Table, tablename="warehouse_lot"):
    product = ForeignKey(Product, on_delete=OnDelete.restrict)
    name = Varchar(length=100, index=True)
    # Serial-tracked units only: one column, so a serial is in one place at a time,
    # moved with a conditional update (`WHERE location = <source>`). None: not yet received.
    location = ForeignKey(Location, null=True, default=None, on_delete=OnDelete.restrict)
    expiry = Date(null=True, default=None)
    note = Text(default="")

    unique_product_name = Unique([product, name])
