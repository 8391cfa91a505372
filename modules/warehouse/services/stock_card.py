"""A product's stock card: where it lies (per location, with forecast), its lots and serial
numbers (a serial is in one place), and its moves, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules.warehouse.models.location import STOCKED_KINDS
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.quant import Quant
from modules.warehouse.services.forecast import Position
from modules.warehouse.services.stock_levels import ZERO, dec

MOVES_PAGE = 25
# The columns of the card's queries, built once: Piccolo builds a joined column
# (Move.source.full_name) anew on every attribute access, a third of a card's query time.
PLACE_COLUMNS = (Quant.location, Quant.location.full_name.as_alias("full_name"), Quant.location.kind.as_alias("kind"),
                 Quant.quantity, Quant.reserved)
IN_STOCK = Quant.location.kind.is_in(list(STOCKED_KINDS))
PLANNED_COLUMNS = (
    Move.source, Move.source.full_name.as_alias("source_name"), Move.source.kind.as_alias("source_kind"),
    Move.destination, Move.destination.full_name.as_alias("destination_name"),
    Move.destination.kind.as_alias("destination_kind"), Move.quantity, Move.state)
MOVE_COLUMNS = (
    Move.id, Move.quantity, Move.state, Move.origin, Move.done_at, Move.created_at, Move.transfer,
    Move.transfer.number.as_alias("transfer_number"), Move.lot.name.as_alias("lot_name"),
    Move.source.full_name.as_alias("source_name"), Move.destination.full_name.as_alias("destination_name"))
LOTS_SHOWN = 200


@dataclass(frozen=True, kw_only=True)
class Place(Position):
    location: int
    full_name: str
    kind: str


async def places(product: int) -> list[Place]:
    """Every stocked location holding the product or expecting it (by full name)."""
    found: dict[int, dict[str, Any]] = {}
    quants = await Quant.select(*PLACE_COLUMNS).where((Quant.product == product) & IN_STOCK).run()
    for q in quants:
        p = found.setdefault(q["location"], {"full_name": q["full_name"], "kind": q["kind"],
                                             "on_hand": ZERO, "reserved": ZERO, "incoming": ZERO, "outgoing": ZERO})
        p["on_hand"] += dec(q["quantity"])
        p["reserved"] += dec(q["reserved"])
    planned = await Move.select(*PLANNED_COLUMNS).where(
        (Move.product == product) & Move.done_at.is_null() & Move.state.is_in(["draft", "reserved"])).run()
    for m in planned:
        qty = dec(m["quantity"])
        if m["destination_kind"] in STOCKED_KINDS:
            p = found.setdefault(m["destination"], {"full_name": m["destination_name"], "kind": m["destination_kind"],
                                                    "on_hand": ZERO, "reserved": ZERO, "incoming": ZERO,
                                                    "outgoing": ZERO})
            p["incoming"] += qty
        if m["source_kind"] in STOCKED_KINDS and m["state"] == "draft":
            p = found.setdefault(m["source"], {"full_name": m["source_name"], "kind": m["source_kind"],
                                               "on_hand": ZERO, "reserved": ZERO, "incoming": ZERO, "outgoing": ZERO})
            p["outgoing"] += qty
    rows = [Place(location=location, **values) for location, values in found.items()]
    return sorted((p for p in rows if p.on_hand or p.reserved or p.incoming or p.outgoing), key=lambda p: p.full_name)


def totals(rows: list[Place]) -> Place:
    return Place(location=0, full_name="", kind="", on_hand=sum((p.on_hand for p in rows), ZERO),
                 reserved=sum((p.reserved for p in rows), ZERO), incoming=sum((p.incoming for p in rows), ZERO),
                 outgoing=sum((p.outgoing for p in rows), ZERO))


async def lots(product: int, tracking: str) -> tuple[list[dict[str, Any]], int]:
    """Serials with where each one is; lots with how many lie where. And how many there are."""
    if tracking == "serial":
        where = Lot.product == product
        rows = await Lot.select(
            Lot.id, Lot.name, Lot.expiry, Lot.location, Lot.location.full_name.as_alias("where"),
            Lot.location.kind.as_alias("kind"),
        ).where(where).order_by(Lot.name).limit(LOTS_SHOWN).run()
        return rows, await Lot.count().where(where).run()
    if tracking == "lot":
        where = (Quant.product == product) & (Quant.lot_key != 0) & (Quant.quantity > 0) & Quant.location.kind.is_in(
            list(STOCKED_KINDS))
        rows = await Quant.select(
            Quant.lot, Quant.lot.name.as_alias("name"), Quant.lot.expiry.as_alias("expiry"),
            Quant.location, Quant.location.full_name.as_alias("where"), Quant.quantity, Quant.reserved,
        ).where(where).order_by(Quant.lot.name).limit(LOTS_SHOWN).run()
        return [{**r, "quantity": dec(r["quantity"]), "reserved": dec(r["reserved"])} for r in rows], \
            await Quant.count().where(where).run()
    return [], 0


async def moves(product: int, page: int = 1, size: int = MOVES_PAGE) -> tuple[list[dict[str, Any]], bool]:
    """A page of the product's moves: the open ones first (newest first), then the done ones
    by when they were done, newest first; and whether an older page follows.

    Two queries, each walking the (product, done_at, id) index in its order, so a busy
    product's page costs the same as a quiet one's (one ORDER BY over both would sort all
    of its moves)."""
    offset, wanted = (page - 1) * size, size + 1
    here, open_ = Move.product == product, Move.done_at.is_null()
    rows = await _moves(here & open_).order_by(Move.id, ascending=False).limit(wanted).offset(offset).run()
    if len(rows) < wanted:
        # How many open moves come before the done ones: known unless this page lies past them all.
        opened = offset + len(rows) if rows or not offset else await Move.count().where(here & open_).run()
        rows += await _moves(here & Move.done_at.is_not_null()).order_by(
            Move.done_at, Move.id, ascending=False).limit(wanted - len(rows)).offset(
            max(0, offset - opened)).run()
    return [{**r, "quantity": dec(r["quantity"])} for r in rows[:size]], len(rows) > size


def _moves(where: Any) -> Any:
    return Move.select(*MOVE_COLUMNS).where(where)
