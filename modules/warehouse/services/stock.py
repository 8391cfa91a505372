"""The stock service API other modules call (field service, CRM): reserve, release,
consume and return stock for an origin document.

`origin` names the document, e.g. "field_service.work_order:42". Every call is one
transaction: it happens completely or raises (InsufficientStock, SerialElsewhere)
and changes nothing.

    from modules.warehouse.services import stock
    await stock.reserve("field_service.work_order:42", product_id, van_id, Decimal(2))
    await stock.consume("field_service.work_order:42", product_id, Decimal(2))
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.db.engine import transaction
from core.i18n import _
from modules.warehouse.models.move import Move
from modules.warehouse.services import location as locations
from modules.warehouse.services import move as moves
from modules.warehouse.services import quant
from modules.warehouse.services.errors import InsufficientStock, NotAllowed

__all__ = ["InsufficientStock", "available", "consume", "give_back", "release", "reserve", "reserved_for"]

ZERO = Decimal(0)


async def available(product: int, location: int, lot: int | None = None) -> Decimal:
    return await quant.available(product, location, lot)


async def reserve(origin: str, product: int, location: int, quantity: Decimal, *, lot: int | None = None,
                  destination: int | None = None) -> list[int]:
    """Reserve `quantity` at `location` for `origin`; returns the reserved move ids.

    A lot- or serial-tracked product without `lot` takes the oldest lots first (one
    move per lot). Raises InsufficientStock when not enough is available."""
    quantity = Decimal(quantity)
    async with transaction():
        target = destination or await locations.virtual("customer")
        if lot is not None or await moves.tracking(product) == "none":
            m = await moves.create(product, location, target, quantity, lot=lot, origin=origin)
            await moves.reserve(m["id"])
            return [m["id"]]
        ids, left = [], quantity
        for lot_id, free in await quant.lots_available(product, location):
            take = min(free, left) if await moves.tracking(product) != "serial" else Decimal(1)
            m = await moves.create(product, location, target, take, lot=lot_id, origin=origin)
            await moves.reserve(m["id"])
            ids.append(m["id"])
            left -= take
            if left <= 0:
                return ids
        raise await quant.shortage(product, location, None, quantity)


async def reserved_for(origin: str, product: int | None = None) -> list[dict[str, Any]]:
    where = (Move.origin == origin) & (Move.state == "reserved") & (Move.transfer.is_null())
    if product is not None:
        where &= Move.product == product
    return await Move.select().where(where).order_by(Move.id).run()


async def release(origin: str, product: int | None = None) -> Decimal:
    """Give back what `origin` reserved (of one product, or all); returns the quantity released."""
    total = ZERO
    async with transaction():
        for m in await reserved_for(origin, product):
            await moves.cancel(m["id"])
            total += Decimal(m["quantity"])
    return total


async def consume(origin: str, product: int, quantity: Decimal, *, location: int | None = None,
                  lot: int | None = None, destination: int | None = None) -> list[int]:
    """Use `quantity` for `origin`: first what it reserved, then (when `location` is given)
    more from the available stock there. Unused reservations stay reserved; call
    `release` for them. Returns the done move ids."""
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise NotAllowed(_("A move needs a quantity above zero."))
    done: list[int] = []
    async with transaction():
        left = quantity
        for m in await reserved_for(origin, product):
            if left <= 0:
                break
            if lot is not None and m["lot"] != lot:
                continue
            qty = Decimal(m["quantity"])
            if qty > left:
                # Use part of the reservation: split it, the rest stays reserved for origin.
                await _shrink_reservation(m, left)
                qty = left
            done.append((await moves.done(m["id"]))["id"])
            left -= qty
        if left > 0:
            if location is None:
                reserved = quantity - left
                raise InsufficientStock(product, 0, quantity, reserved, location=_("the reservations of {origin}")
                                        .format(origin=origin))
            target = destination or await locations.virtual("customer")
            m = await moves.create(product, location, target, left, lot=lot, origin=origin)
            done.append((await moves.done(m["id"]))["id"])
    return done


async def _shrink_reservation(m: dict[str, Any], keep: Decimal) -> None:
    from core.db import records

    rest = Decimal(m["quantity"]) - keep
    await records.update(Move, m["id"], {"quantity": keep}, version=m["version"])
    await records.create(Move, {"product": m["product"], "lot": m["lot"], "source": m["source"],
                                "destination": m["destination"], "quantity": rest, "state": "reserved",
                                "origin": m["origin"], "unit_cost": m["unit_cost"]})


async def give_back(origin: str, product: int, quantity: Decimal, location: int, *, lot: int | None = None,
                    source: int | None = None) -> int:
    """Return `quantity` (e.g. an unused part) from the customer side into `location`."""
    async with transaction():
        m = await moves.create(product, source or await locations.virtual("customer"), location,
                               Decimal(quantity), lot=lot, origin=origin)
        return int((await moves.done(m["id"]))["id"])
