"""Table revisions: a counter per table, bumped by triggers in every transaction that writes it.

A process that keeps what it read from some tables (a list page's rows, see
`core.web.kit.lists`) asks with one query whether any of them moved since, instead
of reading them again. A table gets its counter and triggers from a migration:

    manager.add_raw(TableRevisions(("core_partner",)).create)
    manager.add_raw_backwards(TableRevisions(("core_partner",)).drop)

The counter is the core_sequence_counter row `rev:<table>`. The triggers bump it in the
writing transaction itself, whoever writes (any process, plain SQL), so it commits with
the change:
- PostgreSQL: deferred constraint triggers, so a transaction bumps each table's counter
  once, when it commits: the counter row's lock is the last it takes, and two writers
  never deadlock over it. TRUNCATE gets a statement trigger.
- SQLite, whose writers are serialized anyway: row triggers (insert, update, delete).
Dropping the table drops its triggers. The counter wraps before PostgreSQL's integer does.

A reader takes the revisions *before* it reads the data and keeps the data under them:
a read racing with a write is then kept under the older revision and replaced at the
next look (`TaggedCache`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from core.db.engine import current, in_transaction, is_sqlite
from core.db.search import _ident

PREFIX = "rev:"
FUNCTION = "core_table_revision_bump"
WRAP = 2_000_000_000
T = TypeVar("T")


def counter_key(table: str) -> str:
    return f"{PREFIX}{table}"


def _bump(table_expr: str) -> str:
    return (f"UPDATE core_sequence_counter SET last = CASE WHEN last >= {WRAP} THEN 1 ELSE last + 1 END "
            f"WHERE key = '{PREFIX}' || {table_expr}")


# Once per transaction and table: the first row's trigger bumps, the others see the
# transaction-local flag (a setting named after the table).
_PG_FUNCTION = (
    f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE flag text := 'core_revision.' || TG_TABLE_NAME; BEGIN "
    "IF coalesce(current_setting(flag, true), '') <> 'on' THEN "
    "PERFORM set_config(flag, 'on', true); "
    f"{_bump('TG_TABLE_NAME')}; END IF; RETURN NULL; END $$"
)


@dataclass(frozen=True)
class TableRevisions:
    tables: tuple[str, ...]

    def __post_init__(self) -> None:
        for table in self.tables:
            _ident(table)

    async def create(self, engine: Engine | None = None) -> None:
        db = engine or current()
        sqlite = is_sqlite(db)
        if not sqlite:
            await db.run_ddl(_PG_FUNCTION)
        for table in self.tables:
            await db.run_ddl(f"INSERT INTO core_sequence_counter (key, last) VALUES ('{counter_key(table)}', 1) "
                             "ON CONFLICT (key) DO NOTHING")
            if sqlite:
                for op in ("insert", "update", "delete"):
                    await db.run_ddl(f'CREATE TRIGGER IF NOT EXISTS "{table}_rev_{op}" AFTER {op.upper()} '
                                     f"ON \"{table}\" BEGIN {_bump(repr(table))}; END")
                continue
            await db.run_ddl(f'DROP TRIGGER IF EXISTS "{table}_rev" ON "{table}"')
            await db.run_ddl(f'DROP TRIGGER IF EXISTS "{table}_rev_truncate" ON "{table}"')
            await db.run_ddl(f'CREATE CONSTRAINT TRIGGER "{table}_rev" AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                             f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()")
            await db.run_ddl(f'CREATE TRIGGER "{table}_rev_truncate" AFTER TRUNCATE ON "{table}" '
                             f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")

    async def drop(self, engine: Engine | None = None) -> None:
        db = engine or current()
        for table in self.tables:
            if is_sqlite(db):
                for op in ("insert", "update", "delete"):
                    await db.run_ddl(f'DROP TRIGGER IF EXISTS "{table}_rev_{op}"')
            else:
                await db.run_ddl(f'DROP TRIGGER IF EXISTS "{table}_rev" ON "{table}"')
                await db.run_ddl(f'DROP TRIGGER IF EXISTS "{table}_rev_truncate" ON "{table}"')
            await db.run_ddl(f"DELETE FROM core_sequence_counter WHERE key = '{counter_key(table)}'")


async def revisions(tables: Sequence[str], counters: Sequence[str] = ()) -> tuple[int, ...] | None:
    """The tables' revisions, in their order, then the other core_sequence_counter rows
    named in `counters` (0 while one does not exist yet, e.g. the security version), all
    in one query; None if a table has no counter (no triggers: nothing read from it may
    be kept), and None inside a transaction: what it reads may be its own writes, not
    committed (and on PostgreSQL not yet counted), which must not be kept."""
    if in_transaction():
        return None
    keys = [*map(counter_key, tables), *counters]
    if not keys:
        return ()
    marks = ", ".join("{}" for _ in keys)
    rows = await current().run_querystring(QueryString(
        f"SELECT key, last FROM core_sequence_counter WHERE key IN ({marks})", *keys))
    found = {row["key"]: int(row["last"]) for row in rows}
    if any(counter_key(t) not in found for t in tables):
        return None
    return tuple(found.get(k, 0) for k in keys)


class TaggedCache(Generic[T]):
    """key -> a value and the tag (revisions) it was read under; the least recently used
    key goes first when full. A value is served only under the tag it was kept with."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Any, T]] = OrderedDict()

    def get(self, key: Hashable, tag: Any) -> T | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != tag:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, tag: Any, value: T) -> None:
        self._entries[key] = (tag, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
