"""Forecast: what a location will have once planned moves are done.

forecast = available + incoming - planned outgoing, where
- available = on hand - reserved (reserved units are already promised),
- incoming = draft or reserved moves into the location (receipts, refills, returns),
- planned outgoing = draft moves out of it (reserved ones are counted in `reserved`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.db.engine import is_sqlite
from modules.warehouse.models.quant import Quant

ZERO = Decimal(0)


@dataclass(frozen=True)
class Position:
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    incoming: Decimal = ZERO
    outgoing: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def forecast(self) -> Decimal:
        return self.available + self.incoming - self.outgoing

    @property
    def status(self) -> str:
        """The availability colour: ok (green), reserved (amber: all promised), out (red)."""
        if self.available > 0:
            return "ok"
        return "reserved" if self.on_hand > 0 else "out"


# Above this many products, read every quant of the locations rather than send a long
# IN (...) list: a location holds at most a few thousand products.
WHOLE_LOCATION = 500
# Moves not done yet: incoming counts both, planned outgoing only drafts (see above).
OPEN = ("draft", "reserved")


async def positions(location: int, products: Iterable[int] | None = None) -> dict[int, Position]:
    """{product id: Position} at `location` (all products with stock or planned moves there)."""
    wanted = list(products) if products is not None else None
    if wanted is not None and not wanted:
        return {}
    found = await positions_at([location], wanted)
    return {product: pos for (product, _place), pos in found.items()}


async def position(product: int, location: int) -> Position:
    return (await positions(location, [product])).get(product, Position())


async def positions_at(locations: Iterable[int], products: Iterable[int] | None = None) -> dict[
        tuple[int, int], Position]:
    """{(product, location): Position} for every product with stock or planned moves at
    `locations` (only `products`, if given), in three queries whatever their number: the
    reordering job reads the positions of all its rules at once."""
    places = sorted(set(locations))
    wanted = sorted(set(products)) if products is not None else None
    if not places or wanted == []:
        return {}
    narrow = wanted if wanted is not None and len(wanted) <= WHOLE_LOCATION else None
    found: dict[tuple[int, int], dict[str, Decimal]] = {}
    for r in await _sums("SELECT q.product, q.location AS place, SUM(q.quantity) AS on_hand, "
                         "SUM(q.reserved) AS reserved FROM warehouse_quant q", "q", "location", places, narrow):
        found[(int(r["product"]), int(r["place"]))] = {"on_hand": _dec(r["on_hand"]), "reserved": _dec(r["reserved"])}
    for key, end, states in (("incoming", "destination", OPEN), ("outgoing", "source", ("draft",))):
        for r in await _open_moves(end, states, places, narrow):
            found.setdefault((int(r["product"]), int(r["place"])), {})[key] = _dec(r["qty"])
    keep = set(wanted) if wanted is not None else None
    return {k: Position(**v) for k, v in found.items() if keep is None or k[0] in keep}


def _in(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    return f"{column} IN ({', '.join('{}' for _ in values)})", list(values)


async def _sums(select: str, alias: str, place: str, places: Sequence[int],
                products: Sequence[int] | None, where: str = "", args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """`select` ... WHERE <place> IN places [AND product IN products] GROUP BY product, place."""
    parts, values = [where] if where else [], list(args)
    for column, ids in ((f"{alias}.{place}", places), (f"{alias}.product", products)):
        if ids is not None:
            cond, extra = _in(column, ids)
            parts.append(cond)
            values += extra
    sql = f"{select} WHERE {' AND '.join(parts)} GROUP BY {alias}.product, {alias}.{place}"
    return await Quant.raw(sql, *values).run()


async def _open_moves(end: str, states: Sequence[str], places: Sequence[int],
                      products: Sequence[int] | None) -> list[dict[str, Any]]:
    """Quantities of open moves per product into (end "destination") or out of ("source")
    `places`. Open moves are few among millions of done ones, so the state index leads;
    SQLite's planner, whose statistics do not see that skew (every row it sampled is
    "done"), otherwise reads all of the products' moves or the whole table (~1 s at 1M)."""
    hint = "INDEXED BY warehouse_move_state" if is_sqlite() else ""
    state, args = _in("m.state", states)
    return await _sums(f"SELECT m.product, m.{end} AS place, SUM(m.quantity) AS qty FROM warehouse_move m {hint}",
                       "m", end, places, products, state, args)


def _dec(value: Any) -> Decimal:
    """A database number as Decimal (SQLite returns floats and ints for NUMERIC sums)."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))
