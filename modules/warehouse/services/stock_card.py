"""A product's stock card: where it lies (per location, with forecast), its lots and serial
numbers (a serial is in one place), and its moves, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.products.models import Product
from modules.warehouse.models.location import STOCKED_KINDS
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.quant import Quant
from modules.warehouse.services.forecast import Position
from modules.warehouse.services.stock_levels import ZERO, dec

MOVES_PAGE = 25
PRODUCT_SQL = ("SELECT p.id, p.code, p.name, p.unit, p.cost, p.tracking, p.kind, p.active, c.name AS category_name "
               "FROM core_product p LEFT JOIN core_product_category c ON c.id = p.category WHERE p.id = {}")
# A page of moves (raw SQL: Piccolo builds each joined column anew, which cost more than
# the query itself), narrowed by `AND ...` and ordered by `moves`.
MOVES_SQL = (
    "SELECT {part} AS part, m.id, m.quantity, m.state, m.origin, m.done_at, m.created_at, m.transfer, "
    "t.number AS transfer_number, lt.name AS lot_name, s.full_name AS source_name, d.full_name AS destination_name "
    "FROM warehouse_move m LEFT JOIN warehouse_transfer t ON t.id = m.transfer "
    "LEFT JOIN warehouse_lot lt ON lt.id = m.lot LEFT JOIN warehouse_location s ON s.id = m.source "
    "LEFT JOIN warehouse_location d ON d.id = m.destination WHERE m.product = {{}}")
LOTS_SHOWN = 200


@dataclass(frozen=True, kw_only=True)
class Place(Position):
    location: int
    full_name: str
    kind: str


async def product(product_id: int) -> dict[str, Any] | None:
    """The card's product with its category's name (None if there is no such product)."""
    rows = await Product.raw(PRODUCT_SQL, product_id).run()
    return rows[0] if rows else None


async def places(product: int) -> list[Place]:
    """Every stocked location holding the product or expecting it (by full name).

    One statement: the product's quants in stocked locations, then its open moves (few;
    open moves have no done_at, so the (product, done_at) index finds them) by each end."""
    found: dict[int, dict[str, Any]] = {}
    for r in await Quant.raw(PLACES_SQL, product, product, product).run():
        p = found.setdefault(r["location"], {"full_name": r["full_name"], "kind": r["kind"], "on_hand": ZERO,
                                             "reserved": ZERO, "incoming": ZERO, "outgoing": ZERO})
        if r["part"] == 0:
            p["on_hand"] += dec(r["quantity"])
            p["reserved"] += dec(r["reserved"])
        elif r["part"] == 1:
            p["incoming"] += dec(r["quantity"])
        else:
            p["outgoing"] += dec(r["quantity"])
    rows = [Place(location=location, **values) for location, values in found.items()]
    return sorted((p for p in rows if p.on_hand or p.reserved or p.incoming or p.outgoing), key=lambda p: p.full_name)


# part 0: quants; 1: open moves into a stocked location (incoming); 2: draft moves out of
# one (planned outgoing).
_KINDS = ", ".join(f"'{k}'" for k in STOCKED_KINDS)  # constants, not user input
_OPEN = ("FROM warehouse_move m JOIN warehouse_location l ON l.id = m.{end} WHERE m.product = {{}} "
         f"AND m.done_at IS NULL AND m.state IN ('draft', 'reserved') AND l.kind IN ({_KINDS})")
PLACES_SQL = (
    "SELECT 0 AS part, q.location, l.full_name, l.kind, q.quantity, q.reserved FROM warehouse_quant q "
    f"JOIN warehouse_location l ON l.id = q.location WHERE q.product = {{}} AND l.kind IN ({_KINDS}) "
    f"UNION ALL SELECT 1, l.id, l.full_name, l.kind, m.quantity, 0 {_OPEN.format(end='destination')} "
    f"UNION ALL SELECT 2, l.id, l.full_name, l.kind, m.quantity, 0 {_OPEN.format(end='source')} AND m.state = 'draft'")


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

    One statement of two parts, each walking the (product, done_at, id) index in its order,
    so a busy product's page costs the same as a quiet one's (one ORDER BY over both would
    sort all of its moves). The done part skips what the page's offset leaves after the
    open moves; at a later page that needs their count."""
    offset, wanted = (page - 1) * size, size + 1
    skip = "0" if not offset else (
        f"(SELECT CASE WHEN COUNT(*) >= {offset} THEN 0 ELSE {offset} - COUNT(*) END FROM warehouse_move "
        "WHERE product = {} AND done_at IS NULL)")
    sql = (f"SELECT * FROM ({MOVES_SQL.format(part=0)} AND m.done_at IS NULL ORDER BY m.id DESC "
           f"LIMIT {wanted} OFFSET {offset}) o UNION ALL SELECT * FROM ({MOVES_SQL.format(part=1)} "
           f"AND m.done_at IS NOT NULL ORDER BY m.done_at DESC, m.id DESC LIMIT {wanted} OFFSET {skip}) d "
           "ORDER BY part, done_at DESC, id DESC")
    args = [product, product] + ([product] if offset else [])
    rows = await Move.raw(sql, *args).run()
    return [{**r, "quantity": dec(r["quantity"])} for r in rows[:size]], len(rows) > size


