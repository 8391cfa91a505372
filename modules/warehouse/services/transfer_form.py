"""What a person types on the transfer form, made into a transfer: the usual ends of each
kind filled in, lots and serial numbers found (or, arriving from outside, created) by name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.db.engine import transaction
from core.i18n import _
from core.products.models import Product
from modules.warehouse.services import location as locations
from modules.warehouse.services import lot as lots
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.errors import NotAllowed

# kind -> (virtual source kind, virtual destination kind) used when the form leaves that end empty.
USUAL_ENDS: dict[str, tuple[str | None, str | None]] = {
    "receipt": ("supplier", None), "delivery": (None, "customer"), "customer_return": ("customer", None),
    "scrap": (None, "scrap"),
}


@dataclass(frozen=True)
class Entry:
    """One line as typed: product, quantity and (for tracked products) a lot or serial number."""

    product: int
    quantity: Decimal
    lot: str = ""


async def ends(kind: str, source: int | None, destination: int | None) -> tuple[int, int]:
    usual_source, usual_destination = USUAL_ENDS.get(kind, (None, None))
    if source is None and usual_source:
        source = await locations.virtual(usual_source)
    if destination is None and usual_destination:
        destination = await locations.virtual(usual_destination)
    if source is None:
        raise NotAllowed(_("Choose where the goods come from."))
    if destination is None:
        raise NotAllowed(_("Choose where the goods go to."))
    if source == destination:
        raise NotAllowed(_("A move needs different source and destination locations."))
    return source, destination


async def _line(entry: Entry, incoming: bool) -> transfers.Line:
    product = await Product.select(Product.code, Product.tracking).where(Product.id == entry.product).first().run()
    if product is None:
        raise NotAllowed(_("Choose one of the options."))
    tracking = product["tracking"]
    lot = None
    try:
        if tracking == "lot" or (tracking == "serial" and entry.lot.strip()):
            lot = await lots.for_line(entry.product, entry.lot, create=incoming)
    except NotAllowed as exc:
        raise NotAllowed(f"{product['code']}: {exc}") from None
    if tracking == "serial" and lot is not None and entry.quantity != 1:
        raise NotAllowed(f"{product['code']}: {_('A serial number moves one unit at a time.')}")
    return transfers.Line(entry.product, entry.quantity, lot)


async def create(kind: str, source: int | None, destination: int | None, entries: Sequence[Entry], *,
                 partner: int | None = None, scheduled: dt.date | None = None, origin: str = "",
                 note: str = "") -> dict[str, Any]:
    """A draft transfer, or WarehouseError (nothing is saved, not even a new lot)."""
    if not entries:
        raise NotAllowed(_("Add at least one line."))
    async with transaction():
        source, destination = await ends(kind, source, destination)
        # Goods arriving from outside our stock may carry lot numbers we have not seen yet.
        incoming = not await locations.is_stocked(source)
        lines = [await _line(entry, incoming) for entry in entries]
        return await transfers.create(kind, source, destination, lines, partner=partner, scheduled=scheduled,
                                      origin=origin, note=note)
