"""Declarative list pages: columns, search, filters, sorting, pagination, column choice.

A module declares a `ListSpec`; `parse_state` turns the URL's query string into a
validated `ListState` (unknown sorts, columns and filter values are dropped, never
passed to SQL), and `fetch_page` runs one query for a page. Pagination asks for
`page_size + 1` rows to know whether there is a next page, so a keystroke in the
search box never costs a COUNT(*) over the whole table. Many2one labels come from
joins in the same query, never from one query per row.

A spec with `search_indexed=True` searches through the table's search index
(core.db.search): on SQLite a rare word (a bounded count over the FTS index says so)
narrows the rows through FTS5 before the LIKE; a common word keeps the walk in list
order, which finds a page sooner. On PostgreSQL a word is matched against the searched
columns' lowercased text as one expression (`ListSpec.search_text`), which the table's
trigram index serves for a rare word; the planner, planning each search for its own
words, chooses. A search reads its page keys first (`keys_first`), so the walk for a
common word can run on the table's ListIndex without reading the table.

A spec with `cache=True` has its pages kept per process (`fetch_page` with a cache, one
per app): a page is served again while the revisions (core.db.revisions) of the tables
it reads hold, which one query per request checks; any write to one of them, by any
process, makes the next request read afresh. Rows are the same for every user outside
record rules on the table, so those users share kept pages; a user under rules reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote_plus

from piccolo.columns.combination import WhereRaw
from piccolo.query.mixins import OrderByRaw
from piccolo.table import Table

from core.auth.current import CurrentUser
from core.auth.rules import restrict, rules_for
from core.db.engine import is_sqlite, planned_for_values
from core.db.revisions import TaggedCache, revisions
from core.db.search import contains, fts_name, fts_phrase, indexable, searchable
from core.registry import Registry

FORMATS = ("text", "money", "number", "date", "datetime", "bool", "badge", "link", "choice")
FILTER_KINDS = ("choices", "bool", "many2one")
# Query-string names the kit itself uses; a filter cannot take one of them.
RESERVED = frozenset({"q", "sort", "dir", "page", "cols", "field"})
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Column:
    """One column of a list. `source` is the database column to read (defaults to the
    table's column called `name`; a joined label such as `Partner.territory.name`
    for many2one). `choices` maps stored values to labels (format "choice"/"badge");
    `badges` maps stored values to a badge style (ok, warn, danger)."""

    name: str
    label: str
    format: str = "text"
    source: Any = None
    sortable: bool = True
    shown: bool = True
    currency: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)
    badges: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"column {self.name}: unknown format {self.format!r} (one of {FORMATS})")


@dataclass(frozen=True)
class Filter:
    """A filter control. `choices` for kind "choices"; for "many2one" the options are
    read from `table` (id, `label_column`), restricted by the user's record rules."""

    name: str
    label: str
    kind: str = "choices"
    source: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    table: type[Table] | None = None
    label_column: str = "name"
    # The value while the URL names none (e.g. "yes" on an Active filter hides archived
    # records until the user picks All, which the URL then keeps as `active=`).
    default: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FILTER_KINDS:
            raise ValueError(f"filter {self.name}: unknown kind {self.kind!r} (one of {FILTER_KINDS})")
        if self.name in RESERVED:
            raise ValueError(f"filter {self.name}: the name is reserved for the list's own state")
        if self.kind == "many2one" and self.table is None:
            raise ValueError(f"filter {self.name}: a many2one filter needs table=")


@dataclass(frozen=True)
class ListSpec:
    table: type[Table]
    columns: tuple[Column, ...]
    search: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    sort: str = "name"
    dir: str = "asc"
    page_size: int = 50
    # Extra condition every row must meet (e.g. only organisations), or None.
    where: Callable[[], Any] | None = None
    # The table has a core.db.search.SearchIndex over (at least) the `search` fields,
    # created by a migration; searches then go through it (see `selective_words`).
    search_indexed: bool = False
    # The rows depend on nothing but the rows of the tables the list reads (`read_tables`:
    # its table and those its columns and filters join), not on the clock or the user, so
    # a page of rows may be kept and served again while none of those tables changed
    # (`fetch_page`; each table needs its revision counter, core.db.revisions, from a
    # migration, else nothing is kept). Leave it off for a `where` or a column source
    # that reads other tables or today's date.
    cache: bool = False

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def columns_named(self, names: Sequence[str]) -> list[Column]:
        """The columns called `names`, in that order (unknown names skipped)."""
        by_name = {c.name: c for c in self.columns}
        return [by_name[n] for n in names if n in by_name]

    def source(self, col: Column) -> Any:
        return col.source if col.source is not None else self.table._meta.get_column_by_name(col.name)

    def filter_source(self, flt: Filter) -> Any:
        return flt.source if flt.source is not None else self.table._meta.get_column_by_name(flt.name)

    @property
    def default_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.shown)

    # Piccolo column objects built from the spec alone, kept with it (the spec is frozen,
    # so they never change): copying a column for `as_alias`, and resolving a joined
    # name such as "partner.name", cost a list request about 0.1 ms every time.
    @cached_property
    def search_fields(self) -> tuple[Any, ...]:
        return tuple(self.table._meta.get_column_by_name(n) for n in self.search)

    @cached_property
    def search_text(self) -> str | None:
        """On PostgreSQL, the lowercased text of the search fields as the table's search index
        covers it (core.db.search.searchable); None where the fields are not all the table's
        own columns or the list has no index."""
        if not self.search_indexed or not self.search or any(
                f._meta.call_chain or f._meta.table is not self.table for f in self.search_fields):
            return None
        return searchable(tuple(f._meta.db_column_name for f in self.search_fields), self.table._meta.tablename)

    @cached_property
    def read_tables(self) -> tuple[str, ...]:
        """The tables the list's rows are read from: its own and every joined one."""
        names = [self.table._meta.tablename]
        sources = [self.source(c) for c in self.columns] + [self.filter_source(f) for f in self.filters]
        for src in sources:
            meta = getattr(src, "_meta", None)
            for column in [*getattr(meta, "call_chain", ()), src]:
                table = getattr(getattr(column, "_meta", None), "table", None)
                if table is not None:
                    names.append(table._meta.tablename)
        return tuple(dict.fromkeys(names))

    @cached_property
    def _selects(self) -> dict[tuple[str, ...], tuple[Any, ...]]:
        return {}


@dataclass(frozen=True)
class ListState:
    """What the URL says about a list; every field is validated against the spec."""

    q: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str = ""
    dir: str = "asc"
    page: int = 1
    cols: tuple[str, ...] = ()
    # The spec's default columns: URLs leave `cols` out while the choice equals them.
    default_cols: tuple[str, ...] = ()
    # Filters with a default value: the URL says `name=` when the user cleared one.
    default_filters: Mapping[str, str] = field(default_factory=dict)

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """Query parameters for this state with `changes` applied (page resets to 1
        unless given), in a stable order."""
        unknown = changes.keys() - _FIELDS
        if unknown:
            raise TypeError(f"ListState has no field {', '.join(sorted(unknown))}")
        # What `replace(self, page=1, **changes)` holds, read without building it (a list
        # page writes a dozen URLs of its state).
        q = changes.get("q", self.q)
        filters = changes.get("filters", self.filters)
        cols = changes.get("cols", self.cols)
        page = changes.get("page", 1)
        out: list[tuple[str, str]] = [("q", q)] if q else []
        out += [(k, v) for k, v in filters.items() if v]
        out += [(k, "") for k in changes.get("default_filters", self.default_filters) if k not in filters]
        out += [("sort", changes.get("sort", self.sort)), ("dir", changes.get("dir", self.dir))]
        if cols != changes.get("default_cols", self.default_cols):
            out += [("cols", c) for c in cols]
        if page > 1:
            out.append(("page", str(page)))
        return out

    def url(self, base: str, **changes: Any) -> str:
        """`base` with the query string of `params(**changes)`, as `urlencode` writes it."""
        return f"{base}?" + "&".join([f"{_quoted(k)}={_quoted(v)}" for k, v in self.params(**changes)])


_FIELDS = frozenset(f for f in ListState.__dataclass_fields__)


# A list page writes a dozen URLs of its state (sort links, pager, export); most names
# and values need no quoting, which `quote_plus` finds out only slowly.
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _quoted(text: str) -> str:
    return text if _PLAIN.fullmatch(text) else quote_plus(text)


def _int(value: str | None, default: int) -> int:
    try:
        return min(max(int(value or default), 1), MAX_PAGE)
    except ValueError:
        return default


def _filter_value(flt: Filter, raw: str) -> str:
    raw = raw.strip()
    if flt.kind == "bool":
        return raw if raw in ("yes", "no") else ""
    if flt.kind == "choices":
        return raw if raw in {v for v, _ in flt.choices} else ""
    return raw if raw.isdigit() else ""


def parse_state(spec: ListSpec, query: Any) -> ListState:
    """`query` is a multi-dict (request.query_params): `get(key)` and `getall(key)`."""
    sort = query.get("sort") or spec.sort
    col = spec.column(sort)
    if col is None or not col.sortable:
        sort = spec.sort
    direction = query.get("dir") if query.get("dir") in ("asc", "desc") else spec.dir
    known = {c.name for c in spec.columns}
    chosen = tuple(c for c in query.getall("cols", []) if c in known)
    filters = {f.name: v for f in spec.filters if (v := _filter_value(f, _raw_filter(f, query)))}
    return ListState(
        q=str(query.get("q") or "").strip()[:200], filters=filters, sort=sort, dir=direction,
        page=_int(query.get("page"), 1), cols=tuple(dict.fromkeys(chosen)) or spec.default_columns,
        default_cols=spec.default_columns, default_filters={f.name: f.default for f in spec.filters if f.default},
    )


def _raw_filter(flt: Filter, query: Any) -> str:
    """The URL's value of a filter; its default when the URL does not name it at all."""
    value = query.get(flt.name)
    return flt.default if value is None else str(value)


like = contains  # the kit's name for core.db.search.contains


def search_words(state: ListState) -> list[str]:
    return state.q.split()[:8]


def fts_rows(spec: ListSpec, word: str) -> Any:
    """The rows whose FTS5 entry holds `word` (SQLite; a superset of the LIKE matches
    but for case folding beyond ASCII, so the LIKE stays as well)."""
    table, fts = spec.table._meta.tablename, fts_name(spec.table._meta.tablename)
    key = spec.table._meta.primary_key._meta.db_column_name
    return WhereRaw(f'"{table}"."{key}" IN (SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH {{}})',
                    fts_phrase(word))


# Above this many index matches a word is common enough that walking the table in
# the list's order finds a page sooner than sorting every match (about the square
# root of page size times table size for a 100k-row table).
DENSE_MATCHES = 2000


async def selective_words(spec: ListSpec, state: ListState) -> frozenset[str]:
    """The search words the SQLite FTS index should drive: indexable and rare (fewer
    than DENSE_MATCHES rows). On PostgreSQL the trigram indexes serve the ILIKEs as
    written and the planner weighs them itself, so no word needs a rewrite."""
    if not spec.search_indexed or not spec.search or not is_sqlite():
        return frozenset()
    fts = fts_name(spec.table._meta.tablename)
    out = set()
    for word in {w for w in search_words(state) if indexable(w)}:
        rows = await spec.table.raw(
            f'SELECT count(*) AS n FROM (SELECT 1 FROM "{fts}" WHERE "{fts}" MATCH {{}} LIMIT {DENSE_MATCHES})',
            fts_phrase(word)).run()
        if rows[0]["n"] < DENSE_MATCHES:
            out.add(word)
    return frozenset(out)


def conditions(spec: ListSpec, state: ListState, indexed: Collection[str] = ()) -> list[Any]:
    """Where-clauses for the search words (each word in some search field) and filters.
    Words in `indexed` are first narrowed through the table's FTS index."""
    out: list[Any] = [spec.where()] if spec.where else []
    fields = spec.search_fields
    text = None if not fields or is_sqlite() else spec.search_text
    for word in search_words(state) if fields else []:
        if text is not None and indexable(word):
            out.append(WhereRaw(f"{text} LIKE lower({{}})", f"%{word}%"))
            continue
        clause = like(fields[0], word)
        for f in fields[1:]:
            clause = clause | like(f, word)
        out.append(fts_rows(spec, word) & clause if word in indexed else clause)
    for flt in spec.filters:
        value = state.filters.get(flt.name)
        if not value:
            continue
        src = spec.filter_source(flt)
        if flt.kind == "bool":
            out.append(src == (value == "yes"))
        elif flt.kind == "many2one":
            out.append(src == int(value))
        else:
            out.append(src == value)
    return out


def where_all(query: Any, clauses: Sequence[Any]) -> Any:
    for clause in clauses:
        query = query.where(clause)
    return query


def select_columns(spec: ListSpec, names: Sequence[str]) -> list[Any]:
    key = tuple(names)
    cols = spec._selects.get(key)
    if cols is None:
        pk = spec.table._meta.primary_key
        cols = (pk.as_alias("id"), *(spec.source(col).as_alias(name) for name in key
                                     if (col := spec.column(name)) is not None and name != "id"))
        # Bounded: `names` come from the URL (validated, but any order and subset).
        if len(spec._selects) < 256:
            spec._selects[key] = cols
    return list(cols)


def _nullable(source: Any) -> bool:
    """Whether a sort column can be NULL: a nullable column, or any joined one (no row to join)."""
    meta = getattr(source, "_meta", None)
    return meta is not None and (bool(meta.null) or bool(meta.call_chain))


def ordered(spec: ListSpec, query: Any, state: ListState) -> Any:
    """The list's order, then its key. Empty values sort as PostgreSQL sorts them on both
    engines: last going up, first going down (SQLite puts them first going up, so there a
    nullable column is ordered by `IS NULL` first; a NOT NULL one keeps its index order)."""
    col = spec.column(state.sort)
    asc = state.dir == "asc"
    if col is not None:
        source = spec.source(col)
        if is_sqlite() and _nullable(source):
            query = query.order_by(OrderByRaw(f"{source._meta.get_full_name(with_alias=False)} IS NULL"),
                                   ascending=asc)
        query = query.order_by(source, ascending=asc)
    # The primary key breaks ties so pages never repeat or skip a row.
    return query.order_by(spec.table._meta.primary_key, ascending=asc)


def build_query(spec: ListSpec, state: ListState, registry: Registry, user: CurrentUser,
                names: Sequence[str] | None = None, indexed: Collection[str] = ()) -> Any:
    query = spec.table.select(*select_columns(spec, names if names is not None else state.cols))
    query = where_all(query, conditions(spec, state, indexed))
    return ordered(spec, restrict(query, registry, spec.table, user), state)


@dataclass(frozen=True)
class Page:
    # Read only: a kept page (`fetch_page`) is shown to every request for its state.
    rows: list[dict[str, Any]]
    has_next: bool
    first: int  # 1-based number of the first row shown (0 when empty)
    last: int
    # The rows as HTML, by column choice, currency and language (core.web.kit.cells.rows).
    rendered: dict[Hashable, str] = field(default_factory=dict, compare=False, repr=False)


def keys_first(spec: ListSpec, state: ListState, registry: Registry, user: CurrentUser,
               indexed: Collection[str], offset: int) -> Any:
    """The page as two nested selects: the keys of its rows (search, filters, record
    rules, order, limit), then their columns and joined labels. Only the inner select
    walks the matches, so a table's ListIndex can serve that walk alone and the
    table is read for the page's rows only."""
    pk = spec.table._meta.primary_key
    keys = ordered(spec, restrict(where_all(spec.table.select(pk), conditions(spec, state, indexed)),
                                  registry, spec.table, user), state)
    keys = keys.limit(spec.page_size + 1).offset(offset)
    return ordered(spec, spec.table.select(*select_columns(spec, state.cols)).where(pk.is_in(keys)), state)


def _cache_key(spec: ListSpec, state: ListState, registry: Registry) -> Hashable:
    return (id(spec), registry.version, state.q, tuple(sorted(state.filters.items())), state.sort,
            state.dir, state.page, state.cols)


async def fetch_page(spec: ListSpec, state: ListState, registry: Registry, user: CurrentUser,
                     cache: TaggedCache[Page] | None = None) -> Page:
    """One page of rows. With a `cache` (one per process), a spec with `cache=True` serves
    a page read before while the revisions of its `read_tables` hold. A user under record
    rules for the table reads afresh (their rows are theirs alone); every other user
    sees the same rows for the same state, so they share the kept pages."""
    if cache is None or not spec.cache or rules_for(registry, spec.table, user):
        return await _read_page(spec, state, registry, user)
    # Taken before the rows are read: a write racing with the read leaves the page kept
    # under the older revisions, so the next request reads again.
    tag = await revisions(spec.read_tables)
    if tag is None:
        return await _read_page(spec, state, registry, user)
    key = _cache_key(spec, state, registry)
    found = cache.get(key, tag)
    if found is None:
        found = await _read_page(spec, state, registry, user)
        cache.put(key, tag, found)
    return found


async def _read_page(spec: ListSpec, state: ListState, registry: Registry, user: CurrentUser) -> Page:
    indexed = await selective_words(spec, state)
    offset = (state.page - 1) * spec.page_size
    if spec.search_indexed and search_words(state):
        async with planned_for_values():  # a rare word and a common one want different plans
            rows = await keys_first(spec, state, registry, user, indexed, offset).run()
    else:
        query = build_query(spec, state, registry, user, indexed=indexed)
        rows = await query.limit(spec.page_size + 1).offset(offset).run()
    shown = rows[: spec.page_size]
    return Page(rows=shown, has_next=len(rows) > spec.page_size,
                first=offset + 1 if shown else 0, last=offset + len(shown))


async def filter_options(flt: Filter, registry: Registry, user: CurrentUser,
                         limit: int = 500) -> list[tuple[str, str]]:
    """The choices of a filter control (many2one: records the user may see)."""
    if flt.kind == "bool":
        return []
    if flt.kind == "choices" or flt.table is None:
        return list(flt.choices)
    table = flt.table
    label = table._meta.get_column_by_name(flt.label_column)
    query = table.select(table._meta.primary_key.as_alias("id"), label.as_alias("label")).order_by(label)
    rows = await restrict(query, registry, table, user).limit(limit).run()
    return [(str(r["id"]), str(r["label"])) for r in rows]
