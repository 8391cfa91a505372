"""Lots and serial numbers by name: what returns, repairs and counts type in."""

from __future__ import annotations

from typing import Any

from core.db import records
from core.i18n import _
from core.products.models import Product
from modules.warehouse.models.location import STOCKED_KINDS
from modules.warehouse.models.lot import Lot
from modules.warehouse.services.errors import NotAllowed


async def named(product: int, name: str, *, create: bool = True) -> int | None:
    """The lot of `product` called `name`; a new one when `create` (a serial sold before
    Steward was used, a unit found during a count), else None when unknown."""
    name = name.strip()
    if not name:
        return None
    found = await Lot.select(Lot.id).where((Lot.product == product) & (Lot.name == name)).first().run()
    if found:
        return int(found["id"])
    return int((await records.create(Lot, {"product": product, "name": name}))["id"]) if create else None


async def for_line(product: int, name: str, *, create: bool = True) -> int | None:
    """The lot a line of a tracked product needs (refused when missing); None for an untracked product."""
    row = await Product.select(Product.tracking).where(Product.id == product).first().run()
    tracking = row["tracking"] if row else "none"
    if tracking == "none":
        return None
    if not name.strip():
        raise NotAllowed(_("Enter the serial number.") if tracking == "serial" else _("Enter the lot number."))
    lot = await named(product, name, create=create)
    if lot is None:
        raise NotAllowed(_("Serial number %(serial)s is unknown.", serial=name.strip()))
    return lot


async def by_name(name: str) -> int:
    """A serial by its name alone, whatever the product (a loaner may be another machine)."""
    found = await Lot.select(Lot.id).where(Lot.name == name.strip()).limit(2).run()
    if len(found) != 1:
        raise NotAllowed(_("Serial number %(serial)s is unknown.", serial=name.strip()))
    return int(found[0]["id"])


async def in_stock(lot: int) -> dict[str, Any]:
    """A serial that must be on one of our shelves (a loaner, a replacement unit): its row,
    with `location` and `product`; refused when it is with a customer, supplier or nowhere."""
    row = await Lot.select(Lot.id, Lot.name, Lot.product, Lot.location, Lot.location.kind.as_alias("kind")).where(
        Lot.id == lot).first().run()
    if row is None or row["location"] is None or row["kind"] not in STOCKED_KINDS:
        raise NotAllowed(_("Serial number %(serial)s is not in stock.", serial=row["name"] if row else lot))
    return row
