"""Stock levels for the stock pages: per product and per location, read from quants.

Quants hold the current quantities (one row per product, location and lot), so every
figure here is a GROUP BY over quants, never a sum over the (millions of) done moves.
Planned moves (draft or reserved) only add the forecast, and there are few of them.

A `Scope` narrows the locations counted: stocked kinds only (internal, van, transit,
repairer), optionally one warehouse and one kind. Numbers mean, summed over the scope:
on hand, reserved (promised to moves), available = on hand - reserved, and
forecast = available + incoming - planned outgoing (as `services.forecast`, per location).

A *stock-out* is a product that is meant to be stocked in the scope (it has a quant
there, or an active reorder rule) with nothing available.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.db.engine import is_sqlite
from core.db.search import contains
from core.i18n import fmt_number, language
from core.products.models import Product
from modules.warehouse.models.location import STOCKED_KINDS, Location
from modules.warehouse.services.forecast import Position

ZERO = Decimal(0)
PAGE_SIZE = 50
# The availability filter: a colour of the row, or "stockout" (nothing available of a stocked product).
AVAILABILITY = ("available", "reserved", "out", "stockout")
PRODUCT_SORTS = {"code": "p.code", "name": "p.name", "category": "c.name"}
QUANTITY_SORTS = {"on_hand": "on_hand", "reserved": "reserved", "available": "available"}
STOCKED_SQL = ", ".join(f"'{k}'" for k in STOCKED_KINDS)  # constants, not user input


def dec(value: Any) -> Decimal:
    """A database number as Decimal (SQLite returns floats and ints for NUMERIC sums)."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def fmt_qty(value: Any) -> str:
    """A quantity as people write it, in the user's language: 3, 2.5 (2,5 in Dutch), 0.125."""
    number = dec(value)
    if not number.is_finite():
        return fmt_number(number, 0)
    return _fmt_qty(language.get(), number, number.is_signed())


# A stock page shows 200 quantities and the same ones again on the next request; Babel
# takes a few microseconds for each. Equal numbers (2, 2.0, 2.000) print the same here,
# but 0 and -0 do not, hence the sign in the key.
@functools.lru_cache(maxsize=4096)
def _fmt_qty(lang: str, number: Decimal, signed: bool) -> str:
    exponent = number.normalize().as_tuple().exponent
    digits = min(3, max(0, -exponent)) if isinstance(exponent, int) else 0
    return fmt_number(number, digits)


@dataclass(frozen=True)
class Scope:
    warehouse: int | None = None
    kind: str = ""

    @property
    def narrowed(self) -> bool:
        return bool(self.warehouse or self.kind)

    async def locations(self) -> list[int]:
        """The stocked locations inside the scope (archived ones too: stock may still lie there)."""
        where = Location.kind.is_in(list(STOCKED_KINDS))
        if self.warehouse:
            where &= Location.warehouse == self.warehouse
        if self.kind in STOCKED_KINDS:
            where &= Location.kind == self.kind
        return [r["id"] for r in await Location.select(Location.id).where(where).order_by(Location.id).run()]

    def sql(self) -> tuple[str, list[Any]]:
        """The same locations as a subquery (the `scope` CTE of the by-product queries)."""
        parts, args = [f"l.kind IN ({STOCKED_SQL})"], []
        if self.warehouse:
            parts.append("l.warehouse = {}")
            args.append(self.warehouse)
        if self.kind in STOCKED_KINDS:
            parts.append("l.kind = {}")
            args.append(self.kind)
        return f"SELECT l.id FROM warehouse_location l WHERE {' AND '.join(parts)}", args


def within(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`column IN (ids)` (a list of bound values; an empty list matches nothing), for the
    few locations a by-location query has already read."""
    if not ids:
        return "1 = 0", []
    return f"{column} IN ({', '.join('{}' for _ in ids)})", list(ids)


@dataclass(frozen=True, kw_only=True)
class Level(Position):
    """One product's stock in a scope."""

    product: int
    code: str
    name: str
    unit: str
    category: str
    cost: Decimal


@dataclass(frozen=True)
class Query:
    """What the stock-by-product list asks for (already validated by the controller)."""

    words: Sequence[str] = ()
    category: int | None = None
    scope: Scope = field(default_factory=Scope)
    availability: str = ""
    sort: str = "code"
    descending: bool = False


@dataclass(frozen=True)
class LevelPage:
    rows: list[Level]
    has_next: bool
    first: int
    last: int


def _like(column: str, word: str) -> tuple[str, list[Any]]:
    op = "LIKE" if is_sqlite() else "ILIKE"
    return f"{column} {op} {{}}", [f"%{word}%"]


def _products_where(query: Query) -> tuple[list[str], list[Any]]:
    parts, args = ["p.kind <> 'service'", "p.active = {}"], [True]
    for word in query.words[:8]:
        code, a1 = _like("p.code", word)
        name, a2 = _like("p.name", word)
        parts.append(f"({code} OR {name})")
        args += a1 + a2
    if query.category:
        parts.append("p.category = {}")
        args.append(query.category)
    return parts, args


IN_SCOPE = "IN (SELECT id FROM scope)"


def _rule_in() -> str:
    return f"EXISTS (SELECT 1 FROM warehouse_reorder_rule r WHERE r.product = p.id AND r.active = {{}} AND r.location {IN_SCOPE})"


async def _raw(sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    return await Product.raw(sql, *args).run()


async def by_product(query: Query, page: int = 1, size: int = PAGE_SIZE) -> LevelPage:
    """One page of products with their stock in the query's scope, in one statement.

    Sorted by a product column and not filtered on availability, the page is chosen
    from products first and only its products' quants are summed; otherwise the quants
    of the scope are summed per product (one GROUP BY) and filtered/sorted. Either way
    each page product's open moves are summed through the open-move index.

    One statement rather than one per step (the scope's locations, the page, its sums,
    its open moves): on PostgreSQL each statement is a round trip and a pool checkout,
    which cost more than any of these small queries takes to run."""
    if query.availability in AVAILABILITY or query.sort in QUANTITY_SORTS:
        chosen, args = _aggregated(query, page, size)
        summed, quants, grouped = "page.on_hand, page.reserved", "", ""
    else:
        chosen, args = _products_first(query, page, size)
        summed = "SUM(q.quantity) AS on_hand, SUM(q.reserved) AS reserved"
        quants = f"LEFT JOIN warehouse_quant q ON q.product = page.id AND q.location {IN_SCOPE}"
        grouped = f"GROUP BY {', '.join(f'page.{c}' for c in PAGE_COLUMNS)}"
    scope, scope_args = query.scope.sql()
    direction = "DESC" if query.descending else "ASC"
    sql = (f"WITH scope AS ({scope}), page AS ({chosen}) "
           f"SELECT {', '.join(f'page.{c}' for c in PAGE_COLUMNS)}, {summed}, {PLANNED} FROM page {quants} {grouped} "
           f"ORDER BY page.sort_key {direction}, page.id {direction}")
    rows = await _raw(sql, [*scope_args, *args])
    offset = (page - 1) * size
    levels = [Level(product=int(r["id"]), code=r["code"], name=r["name"], unit=r["unit"],
                    category=r["category_name"] or "", cost=dec(r["cost"]), on_hand=dec(r["on_hand"]),
                    reserved=dec(r["reserved"]), incoming=dec(r["incoming"]), outgoing=dec(r["outgoing"]))
              for r in rows[:size]]
    return LevelPage(levels, len(rows) > size, offset + 1 if levels else 0, offset + len(levels))


PAGE_COLUMNS = ("id", "code", "name", "unit", "cost", "category_name", "sort_key")
# A page product's open moves into the scope (incoming: draft or reserved) and out of it
# (planned outgoing: draft), read through the partial index warehouse_move_open (product,
# of open moves only; see its migration). Both name the index's condition, `state IN
# ('draft', 'reserved')`, word for word: SQLite uses a partial index only then.
OPEN_MOVES = "SELECT SUM(m.quantity) FROM warehouse_move m WHERE m.product = page.id AND m.state IN ('draft', 'reserved')"
PLANNED = (f"({OPEN_MOVES} AND m.destination {IN_SCOPE}) AS incoming, "
           f"({OPEN_MOVES} AND m.state = 'draft' AND m.source {IN_SCOPE}) AS outgoing")


SELECT_PRODUCT = "SELECT p.id, p.code, p.name, p.unit, p.cost, c.name AS category_name"
FROM_PRODUCT = "FROM core_product p LEFT JOIN core_product_category c ON c.id = p.category"


def _order(query: Query, column: str) -> str:
    direction = "DESC" if query.descending else "ASC"
    return f"ORDER BY {column} {direction}, p.id {direction}"


def _products_first(query: Query, page: int, size: int) -> tuple[str, list[Any]]:
    parts, args = _products_where(query)
    if query.scope.narrowed:
        parts.append(f"EXISTS (SELECT 1 FROM warehouse_quant q WHERE q.product = p.id AND q.location {IN_SCOPE})")
    sort = PRODUCT_SORTS.get(query.sort, "p.code")
    return (f"{SELECT_PRODUCT}, {sort} AS sort_key {FROM_PRODUCT} WHERE {' AND '.join(parts)} {_order(query, sort)} "
            f"LIMIT {size + 1} OFFSET {(page - 1) * size}"), args


SUMMED = (f"LEFT JOIN (SELECT q.product, SUM(q.quantity) AS on_hand, SUM(q.reserved) AS reserved "
          f"FROM warehouse_quant q WHERE q.location {IN_SCOPE} GROUP BY q.product) a ON a.product = p.id")
ON_HAND, RESERVED = "COALESCE(a.on_hand, 0)", "COALESCE(a.reserved, 0)"
AVAILABLE = f"({ON_HAND} - {RESERVED})"
CONDITIONS = {
    "available": f"{AVAILABLE} > 0",
    "reserved": f"{ON_HAND} > 0 AND {AVAILABLE} <= 0",
    "out": f"{ON_HAND} <= 0",
    "stockout": f"{AVAILABLE} <= 0",
}


def _aggregate_sql(query: Query) -> tuple[str, list[Any]]:
    """FROM ... WHERE ... of the aggregated list (shared by the page and the count); it
    reads the `scope` CTE."""
    parts, args = _products_where(query)
    if query.availability in CONDITIONS:
        parts.append(CONDITIONS[query.availability])
    if query.availability == "stockout":
        parts.append(f"(a.product IS NOT NULL OR {_rule_in()})")
        args.append(True)
    elif query.scope.narrowed:
        parts.append("a.product IS NOT NULL")
    return f"{FROM_PRODUCT} {SUMMED} WHERE {' AND '.join(parts)}", args


def _aggregated(query: Query, page: int, size: int) -> tuple[str, list[Any]]:
    body, args = _aggregate_sql(query)
    sort = {"on_hand": ON_HAND, "reserved": RESERVED, "available": AVAILABLE}.get(query.sort) or PRODUCT_SORTS.get(
        query.sort, "p.code")
    return (f"{SELECT_PRODUCT}, {ON_HAND} AS on_hand, {RESERVED} AS reserved, {sort} AS sort_key {body} "
            f"{_order(query, sort)} LIMIT {size + 1} OFFSET {(page - 1) * size}"), args


async def count(query: Query) -> int:
    """How many products match (the dashboard's stock-out count)."""
    scope, scope_args = query.scope.sql()
    body, args = _aggregate_sql(query)
    rows = await _raw(f"WITH scope AS ({scope}) SELECT COUNT(*) AS n {body}", [*scope_args, *args])
    return int(rows[0]["n"])


# -- by location -------------------------------------------------------------------------

@dataclass(frozen=True)
class LocationLevel:
    location: int
    full_name: str
    kind: str
    warehouse: str
    driver: str
    products: int
    on_hand: Decimal
    reserved: Decimal
    value: Decimal | None

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


async def by_location(words: Sequence[str] = (), scope: Scope = Scope(), *, sort: str = "location",
                      descending: bool = False, with_value: bool = False, page: int = 1,
                      size: int = PAGE_SIZE) -> tuple[list[LocationLevel], bool, int]:
    """Stocked, active locations with their totals (and value = quantity x product cost).

    Locations are few: their totals come from one GROUP BY over the quants that hold
    something (reserved never exceeds on hand, so empty quants add nothing), and the
    rows are sorted and paged here."""
    where = Location.id.is_in(await scope.locations() or [0]) & (Location.active == True)  # noqa: E712
    for word in words[:8]:
        where &= contains(Location.full_name, word)
    places = await Location.select(
        Location.id, Location.full_name, Location.kind, Location.warehouse.code.as_alias("warehouse_code"),
        Location.user.name.as_alias("driver")).where(where).run()
    totals: dict[int, dict[str, Any]] = {}
    if places:
        cond, args = within("q.location", [p["id"] for p in places])
        value = "SUM(q.quantity * p.cost)" if with_value else "0"
        join = "JOIN core_product p ON p.id = q.product" if with_value else ""
        for r in await _raw(
                f"SELECT q.location, COUNT(DISTINCT q.product) AS products, SUM(q.quantity) AS on_hand, "
                f"SUM(q.reserved) AS reserved, {value} AS value FROM warehouse_quant q {join} "
                f"WHERE {cond} AND q.quantity > 0 GROUP BY q.location", args):
            totals[int(r["location"])] = r
    levels = []
    for place in places:
        t = totals.get(place["id"], {})
        levels.append(LocationLevel(
            place["id"], place["full_name"], place["kind"], place["warehouse_code"] or "", place["driver"] or "",
            int(t.get("products") or 0), dec(t.get("on_hand")), dec(t.get("reserved")),
            dec(t.get("value")).quantize(Decimal("0.01")) if with_value else None))
    key = {"products": lambda v: v.products, "on_hand": lambda v: v.on_hand, "available": lambda v: v.available,
           "value": lambda v: v.value or ZERO}.get(sort if with_value or sort != "value" else "location")
    levels.sort(key=lambda v: v.full_name.lower())
    if key is not None:
        levels.sort(key=key)
    if descending:
        levels.reverse()
    offset = (page - 1) * size
    return levels[offset:offset + size], len(levels) > offset + size, offset
