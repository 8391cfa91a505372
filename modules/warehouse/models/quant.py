"""How much of a product (and lot) lies at a stocked location, and how much is promised."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import ForeignKey, Integer, Numeric, OnDelete
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from core.products.models import Product
from modules.warehouse.models.location import Location
from modules.warehouse.models.lot import Lot

QTY = (14, 3)


class Quant(Table, tablename="warehouse_quant"):
    """Derived from done moves (their sum always equals `quantity`); written only by
    `services.quant` with conditional atomic updates. Not audited: the moves are."""

    product = ForeignKey(Product, on_delete=OnDelete.restrict, index=True)
    location = ForeignKey(Location, on_delete=OnDelete.restrict, index=True)
    lot = ForeignKey(Lot, null=True, default=None, on_delete=OnDelete.restrict)
    # lot id, or 0 without a lot: NULLs never collide in a unique constraint.
    lot_key = Integer(default=0)
    quantity = Numeric(digits=QTY, default=D(0))
    reserved = Numeric(digits=QTY, default=D(0))

    unique_place = Unique([product, location, lot_key])
    # The database itself refuses negative stock and over-reservation.
    check_quantity = Check(quantity >= 0)
    check_reserved = Check(reserved >= 0)
    check_reserved_on_hand = Check(reserved <= quantity)
