"""Moves: reserve, do and cancel. A done move is final; corrections are new moves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.db import records
from core.db.engine import is_sqlite, transaction
from core.i18n import _
from core.products.models import Product
from modules.warehouse.models.location import STOCKED_KINDS
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.quant import Quant
from modules.warehouse.services import quant
from modules.warehouse.services.errors import InvalidTransition, NotAllowed, SerialElsewhere

ZERO = Decimal(0)


async def create(product: int, source: int, destination: int, quantity: Decimal, *, lot: int | None = None,
                 transfer: int | None = None, origin: str = "", unit_cost: Decimal | None = None,
                 note: str = "") -> dict[str, Any]:
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise NotAllowed(_("A move needs a quantity above zero."))
    if source == destination:
        raise NotAllowed(_("A move needs different source and destination locations."))
    if await tracking(product) == "serial" and lot is not None and quantity != 1:
        raise NotAllowed(_("A serial number moves one unit at a time."))
    return await records.create(Move, {
        "product": product, "source": source, "destination": destination, "quantity": quantity,
        "lot": lot, "transfer": transfer, "origin": origin, "note": note,
        "unit_cost": Decimal(unit_cost) if unit_cost is not None else ZERO, "state": "draft",
    })


async def tracking(product: int) -> str:
    row = await Product.select(Product.tracking).where(Product.id == product).first().run()
    return row["tracking"] if row else "none"


async def get(move: int) -> dict[str, Any]:
    row = await Move.select(*Move._meta.columns, Move.source.kind.as_alias("source_kind"),
                            Move.destination.kind.as_alias("destination_kind")).where(Move.id == move).first().run()
    if row is None:
        raise NotAllowed(_("Move #{id} does not exist.").format(id=move))
    return row


async def _set(row: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    saved = await records.update(Move, row["id"], changes, version=row["version"])
    return {**saved, "source_kind": row["source_kind"], "destination_kind": row["destination_kind"]}


async def reserve(move: int) -> dict[str, Any]:
    """Promise the move's units at its source. Virtual sources (suppliers) need no reservation."""
    async with transaction():
        row = await get(move)
        if row["state"] != "draft":
            raise InvalidTransition(_("Only a draft move can be reserved."))
        if row["source_kind"] in STOCKED_KINDS:
            await quant.reserve(row["product"], row["source"], row["lot"], Decimal(row["quantity"]))
        return await _set(row, {"state": "reserved"})


async def release(move: int) -> dict[str, Any]:
    """Give a reserved move's units back to available stock; the move is draft again."""
    async with transaction():
        row = await get(move)
        if row["state"] != "reserved":
            raise InvalidTransition(_("Only a reserved move can be released."))
        if row["source_kind"] in STOCKED_KINDS:
            await quant.unreserve(row["product"], row["source"], row["lot"], Decimal(row["quantity"]))
        return await _set(row, {"state": "draft"})


async def cancel(move: int) -> dict[str, Any]:
    async with transaction():
        row = await get(move)
        if row["state"] in ("done", "cancelled"):
            raise InvalidTransition(_("A done or cancelled move cannot be cancelled; make a new move instead."))
        if row["state"] == "reserved":
            row = await release(move)
        return await _set(row, {"state": "cancelled"})


async def done(move: int, *, lot: int | None = None) -> dict[str, Any]:
    """Carry out the move: take at the source, put at the destination, move the serial,
    update the average cost on a receipt. All or nothing."""
    async with transaction():
        row = await get(move)
        if row["state"] not in ("draft", "reserved"):
            raise InvalidTransition(_("This move is already {state}.").format(state=_(row["state"])))
        if lot is not None and row["lot"] is None:
            if row["state"] == "reserved" and row["source_kind"] in STOCKED_KINDS:
                raise NotAllowed(_("Release the reservation before choosing another lot."))
            row = await _set(row, {"lot": lot})
        qty, product, lot_id = Decimal(row["quantity"]), row["product"], row["lot"]
        kind = await tracking(product)
        if kind != "none" and lot_id is None:
            raise NotAllowed(_("Choose the lot or serial number of each unit before validating."))
        if kind == "serial" and qty != 1:
            raise NotAllowed(_("A serial number moves one unit at a time."))
        source_stocked = row["source_kind"] in STOCKED_KINDS
        dest_stocked = row["destination_kind"] in STOCKED_KINDS
        if kind == "serial":
            await _move_serial(lot_id, row["source"], row["destination"], source_stocked)
        if source_stocked:
            reserved = qty if row["state"] == "reserved" else ZERO
            await quant.take(product, row["source"], lot_id, qty, reserved=reserved)
        if dest_stocked:
            if not source_stocked:
                await _average_cost(product, qty, row)
            await quant.add(product, row["destination"], lot_id, qty)
        return await _set(row, {"state": "done", "done_at": dt.datetime.now(dt.UTC)})


async def _move_serial(lot: int, source: int, destination: int, source_stocked: bool) -> None:
    """One column holds where a serial is, changed only if it is still at `source`
    (or, arriving from outside our stock, not in our stock at all)."""
    here = Lot.location == source
    if not source_stocked:
        here = here | Lot.location.is_null() | Lot.location.kind.not_in(list(STOCKED_KINDS))
    moved = await Lot.update({Lot.location: destination}).where((Lot.id == lot) & here).returning(Lot.id).run()
    if not moved:
        row = await Lot.select(Lot.name, Lot.location.full_name).where(Lot.id == lot).first().run()
        raise SerialElsewhere(_("Serial number {serial} is at {location}, not at the move's source.").format(
            serial=row["name"] if row else lot, location=row["location.full_name"] if row else "?"))


async def _average_cost(product: int, qty: Decimal, row: dict[str, Any]) -> None:
    """Receipts into stock move the product's cost to the weighted average."""
    unit_cost = Decimal(row["unit_cost"] or 0)
    if unit_cost <= 0:
        return
    query = Product.select(Product.cost, Product.version).where(Product.id == product)
    if not is_sqlite():
        query = query.lock_rows()
    prod = (await query.run())[0]
    on_hand = await stock_on_hand(product)
    old = Decimal(prod["cost"] or 0)
    total = on_hand + qty
    cost = ((old * on_hand + unit_cost * qty) / total).quantize(Decimal("0.0001")) if total > 0 else unit_cost
    if cost != old:
        await records.update(Product, product, {"cost": cost}, version=prod["version"])


async def stock_on_hand(product: int) -> Decimal:
    """Units of `product` in all stocked locations."""
    rows = await Quant.select(Quant.quantity).where(
        (Quant.product == product) & Quant.location.kind.is_in(list(STOCKED_KINDS))).run()
    return sum((Decimal(r["quantity"]) for r in rows), ZERO)
