"""Transfers: receipts, deliveries, van refills, returns, repairs and scrap as documents of moves.

States: draft -> reserved -> done, or cancelled. Validating less than planned does
what was done and puts the rest on a backorder (a new transfer, same moves' remainder).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.db import records, sequence
from core.db.engine import transaction
from core.i18n import _
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import move as moves
from modules.warehouse.services.errors import InvalidTransition, NotAllowed

ZERO = Decimal(0)
# Sequence code per kind (defined by the module's data): "IN/2026/00012".
PREFIXES = {"receipt": "IN", "delivery": "OUT", "internal": "INT", "customer_return": "RET",
            "repair_out": "RPO", "repair_in": "RPI", "scrap": "SCR", "adjustment": "ADJ"}


@dataclass(frozen=True)
class Line:
    product: int
    quantity: Decimal
    lot: int | None = None
    unit_cost: Decimal | None = None


async def create(kind: str, source: int, destination: int, lines: Sequence[Line], *, partner: int | None = None,
                 origin: str = "", scheduled: dt.date | None = None, note: str = "",
                 extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if kind not in PREFIXES:
        raise NotAllowed(_("Unknown transfer kind {kind}.").format(kind=kind))
    async with transaction():
        number = await sequence.next_number(f"warehouse.{kind}")
        row = await records.create(Transfer, {
            "number": number, "kind": kind, "state": "draft", "source": source, "destination": destination,
            "partner": partner, "origin": origin, "scheduled": scheduled or dt.date.today(), "note": note,
            **(extra or {})})
        for line in lines:
            await moves.create(line.product, source, destination, line.quantity, lot=line.lot,
                               transfer=row["id"], origin=origin or number, unit_cost=line.unit_cost)
    return row


async def get(transfer: int) -> dict[str, Any]:
    row = await Transfer.select().where(Transfer.id == transfer).first().run()
    if row is None:
        raise NotAllowed(_("Transfer #{id} does not exist.").format(id=transfer))
    return row


async def lines(transfer: int) -> list[dict[str, Any]]:
    return await Move.select().where(Move.transfer == transfer).order_by(Move.id).run()


async def reserve(transfer: int) -> dict[str, Any]:
    """Reserve every draft move, or none (InsufficientStock names the first shortage)."""
    async with transaction():
        row = await get(transfer)
        if row["state"] != "draft":
            raise InvalidTransition(_("Only a draft transfer can be reserved."))
        for m in await lines(transfer):
            if m["state"] == "draft":
                await moves.reserve(m["id"])
        return await records.update(Transfer, transfer, {"state": "reserved"}, version=row["version"])


async def cancel(transfer: int) -> dict[str, Any]:
    async with transaction():
        row = await get(transfer)
        if row["state"] in ("done", "cancelled"):
            raise InvalidTransition(_("A {state} transfer cannot be cancelled.").format(state=_(row["state"])))
        for m in await lines(transfer):
            if m["state"] in ("draft", "reserved"):
                await moves.cancel(m["id"])
        return await records.update(Transfer, transfer, {"state": "cancelled"}, version=row["version"])


async def _serial_lots(product: int, names: Sequence[str]) -> list[int]:
    """Lots for these serial numbers (new ones are created), refusing duplicates in the list."""
    clean = [n.strip() for n in names if n.strip()]
    if len(set(clean)) != len(clean):
        raise NotAllowed(_("The same serial number is entered twice."))
    ids = []
    for name in clean:
        found = await Lot.select(Lot.id).where((Lot.product == product) & (Lot.name == name)).first().run()
        ids.append(found["id"] if found else (await records.create(Lot, {"product": product, "name": name}))["id"])
    return ids


async def validate(transfer: int, done: Mapping[int, Decimal] | None = None,
                   serials: Mapping[int, Sequence[str]] | None = None) -> dict[str, Any]:
    """Do the transfer. `done` maps move id -> quantity done (default: all); `serials`
    maps a serial-tracked move -> the serial numbers received or sent. What is left
    goes to a backorder. Returns the transfer, with `backorder` (id or None)."""
    done, serials = dict(done or {}), dict(serials or {})
    async with transaction():
        row = await get(transfer)
        if row["state"] not in ("draft", "reserved"):
            raise InvalidTransition(_("This transfer is already {state}.").format(state=_(row["state"])))
        rest: list[tuple[dict[str, Any], Decimal]] = []
        did_any = False
        for m in await lines(transfer):
            if m["state"] not in ("draft", "reserved"):
                continue
            qty = Decimal(m["quantity"])
            want = Decimal(done.get(m["id"], qty))
            if want < 0 or want > qty:
                raise NotAllowed(_("Done quantity must be between 0 and {qty}.").format(qty=qty))
            if want < qty:
                m = await _split(m, want)
                rest.append((m["rest"], qty - want))
            if want > 0:
                await _do(m, serials.get(m["id"], ()))
                did_any = True
        if not did_any:
            raise NotAllowed(_("Nothing to validate: enter at least one done quantity."))
        backorder = await _backorder(row, [r for r, _q in rest]) if rest else None
        saved = await records.update(Transfer, transfer, {"state": "done", "done_at": dt.datetime.now(dt.UTC)},
                                     version=row["version"])
        if row["kind"] == "receipt" and row["origin"]:
            # A purchase order's receipt, validated here or from the transfer pages, moves the
            # order's received quantities and state in the same transaction.
            from modules.warehouse.services import purchase  # purchase builds on this module

            await purchase.receipt_done(row["origin"])
    return {**saved, "backorder": backorder}


async def _split(m: dict[str, Any], keep: Decimal) -> dict[str, Any]:
    """Shrink move `m` to `keep` units and park the remainder (same state) for a backorder.
    A reserved remainder keeps its reservation: the quant's reserved total is unchanged."""
    qty = Decimal(m["quantity"])
    rest = await records.create(Move, {
        "product": m["product"], "lot": m["lot"], "source": m["source"], "destination": m["destination"],
        "quantity": qty - keep, "state": m["state"], "origin": m["origin"], "unit_cost": m["unit_cost"],
        "transfer": m["transfer"], "note": m["note"]})
    # Nothing done of it: the original is cancelled as is (its reservation now belongs to `rest`).
    changes = {"quantity": keep} if keep > 0 else {"state": "cancelled"}
    m = await records.update(Move, m["id"], changes, version=m["version"])
    return {**m, "rest": rest}


async def _do(m: dict[str, Any], serial_names: Sequence[str]) -> None:
    """Validate one move; a serial-tracked move without a lot is split per serial number."""
    if m["lot"] is None and serial_names and await moves.tracking(m["product"]) == "serial":
        qty = Decimal(m["quantity"])
        lots = await _serial_lots(m["product"], serial_names)
        if len(lots) != qty:
            raise NotAllowed(_("Enter {qty} serial numbers, one per unit ({n} given).").format(
                qty=int(qty), n=len(lots)))
        first, *others = lots
        if others:
            await records.update(Move, m["id"], {"quantity": Decimal(1)}, version=m["version"])
        for lot in others:
            extra = await moves.create(m["product"], m["source"], m["destination"], Decimal(1), lot=lot,
                                       transfer=m["transfer"], origin=m["origin"], unit_cost=m["unit_cost"])
            await moves.done(extra["id"])
        await moves.done(m["id"], lot=first)
        return
    await moves.done(m["id"])


async def _backorder(row: dict[str, Any], rest: list[dict[str, Any]]) -> int:
    number = await sequence.next_number(f"warehouse.{row['kind']}")
    keep = {k: row[k] for k in ("kind", "source", "destination", "partner", "origin", "scheduled", "note")}
    state = "reserved" if any(r["state"] == "reserved" for r in rest) else "draft"
    back = await records.create(Transfer, {**keep, "number": number, "state": state, "backorder_of": row["id"]})
    for r in rest:
        await records.update(Move, r["id"], {"transfer": back["id"]}, version=r["version"])
    return int(back["id"])
