"""Substring-search indexes for the text columns a list searches.

A table declares `SearchIndex(tablename, columns)` and creates it from a migration
(`manager.add_raw(index.create)`, `manager.add_raw_backwards(index.drop)`); a list
whose spec says `search_indexed=True` then finds rows through it (core.web.kit.lists).

- SQLite: an external-content FTS5 table `<table>_fts` with the trigram tokenizer
  over the columns, kept in step by INSERT/UPDATE/DELETE triggers on the table. A
  phrase of three or more characters matches any substring of any column.
- PostgreSQL: the `pg_trgm` extension and one GIN trigram index on the columns' text
  as one lowercased expression (`searchable`: the columns joined by spaces, NULL as
  empty), which serves `<that expression> LIKE lower('%word%')`. A search tests the
  expression once per row instead of one ILIKE per column (each lowercasing its column
  and the pattern again): a third less time walking a list for a common word. A word
  with a LIKE wildcard (`%`, `_`, which could match across the joining space) keeps
  the ILIKE per column.

The index only narrows the candidates: the list still applies its LIKE/ILIKE
conditions, so results are exactly those of a plain scan.

A word too common for the index to narrow (a few letters of a common name) is
found faster by walking the rows in the list's order until a page is full. A
`ListIndex` over (sort column, key, search columns) lets that walk read the index
alone: the LIKEs are tested on index entries and only the page's rows are read
from the table (see `fetch_page` in core.web.kit.lists). Uninstalling a module
drops its tables and, through `drop_for`, their FTS tables (triggers and PostgreSQL
indexes go with the table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from core.db.engine import current, is_sqlite

NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# FTS5's trigram tokenizer matches nothing for shorter phrases.
MIN_CHARS = 3


def contains(column: Any, text: str) -> Any:
    """Case-insensitive substring match on both engines: ILIKE on PostgreSQL; on SQLite
    plain LIKE, which already ignores ASCII case (Piccolo warns on each ILIKE there).
    The text is a bound parameter; a `%` or `_` in it only widens the match."""
    pattern = f"%{text}%"
    if column._meta.engine_type in ("postgres", "cockroach"):
        return column.ilike(pattern)
    return column.like(pattern)


def contains_any(columns: list[Any], text: str) -> Any:
    """`contains` on any of the columns."""
    condition = contains(columns[0], text)
    for column in columns[1:]:
        condition = condition | contains(column, text)
    return condition


def searchable(columns: tuple[str, ...], table: str = "") -> str:
    """The lowercased text of `columns` a PostgreSQL search index covers (`table` qualifies
    the columns for a query that joins other tables; the index itself names them bare:
    PostgreSQL matches the two as the same expression)."""
    prefix = f"{_ident(table)}." if table else ""
    return "lower(" + " || ' ' || ".join(f"coalesce({prefix}{_ident(c)}, '')" for c in columns) + ")"


def fts_name(tablename: str) -> str:
    return f"{tablename}_fts"


def _ident(name: str) -> str:
    if not NAME.match(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


def fts_phrase(word: str) -> str:
    """`word` as an FTS5 string: a phrase matched literally (quotes doubled)."""
    return '"' + word.replace('"', '""') + '"'


def indexable(word: str) -> bool:
    """Whether the index can find `word`: long enough, and no LIKE wildcard typed by
    the user (`%`, `_` keep their LIKE meaning, which a trigram phrase cannot)."""
    return len(word) >= MIN_CHARS and "%" not in word and "_" not in word


@dataclass(frozen=True)
class SearchIndex:
    tablename: str
    columns: tuple[str, ...]
    # The table's integer primary key (the FTS rowid on SQLite).
    key: str = "id"

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError(f"search index on {self.tablename}: no columns")
        for name in (self.tablename, self.key, *self.columns):
            _ident(name)

    def sqlite_ddl(self) -> list[str]:
        t, fts = _ident(self.tablename), _ident(fts_name(self.tablename))
        cols = ", ".join(_ident(c) for c in self.columns)
        new = ", ".join(f"new.{_ident(c)}" for c in self.columns)
        old = ", ".join(f"old.{_ident(c)}" for c in self.columns)
        raw = fts_name(self.tablename)
        delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{_ident(self.key)}, {old});"
        insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.{_ident(self.key)}, {new});"
        return [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({cols}, content='{self.tablename}', "
            f"content_rowid='{self.key}', tokenize='trigram')",
            f'CREATE TRIGGER IF NOT EXISTS "{raw}_ai" AFTER INSERT ON {t} BEGIN {insert} END',
            f'CREATE TRIGGER IF NOT EXISTS "{raw}_ad" AFTER DELETE ON {t} BEGIN {delete} END',
            f'CREATE TRIGGER IF NOT EXISTS "{raw}_au" AFTER UPDATE OF {cols}, {_ident(self.key)} ON {t} '
            f"BEGIN {delete} {insert} END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ]

    @property
    def postgres_name(self) -> str:
        return f"{self.tablename}_search_trgm"

    def postgres_ddl(self) -> list[str]:
        return ["CREATE EXTENSION IF NOT EXISTS pg_trgm",
                f"CREATE INDEX IF NOT EXISTS {_ident(self.postgres_name)} ON {_ident(self.tablename)} "
                f"USING gin (({searchable(self.columns)}) gin_trgm_ops)"]

    def legacy_postgres_names(self) -> list[str]:
        """The per-column trigram indexes of earlier versions (core migration 2026-11-27T17:40
        replaces them with the one on `searchable`)."""
        return [f"{self.tablename}_{col}_trgm" for col in self.columns]

    async def create(self, engine: Engine | None = None) -> None:
        engine = engine or current()
        for sql in self.sqlite_ddl() if is_sqlite(engine) else self.postgres_ddl():
            await engine.run_ddl(sql)

    async def drop(self, engine: Engine | None = None) -> None:
        engine = engine or current()
        if is_sqlite(engine):
            raw = fts_name(self.tablename)
            for suffix in ("ai", "ad", "au"):
                await engine.run_ddl(f'DROP TRIGGER IF EXISTS "{raw}_{suffix}"')
            await engine.run_ddl(f"DROP TABLE IF EXISTS {_ident(raw)}")
        else:
            for name in (self.postgres_name, *self.legacy_postgres_names()):
                await engine.run_ddl(f"DROP INDEX IF EXISTS {_ident(name)}")


@dataclass(frozen=True)
class ListIndex:
    """A b-tree over `order` (a list's sort column(s)), the key, then the search
    `columns`: the same index on both engines, created and dropped by a migration.
    Ordered by (sort, key) it serves a list's ORDER BY with its tie-break by key
    (a `name`-only index leaves PostgreSQL sorting every row of a common name), and
    it holds the searched columns, so a common word is tested without a table read."""

    tablename: str
    order: tuple[str, ...]
    columns: tuple[str, ...]
    key: str = "id"

    def __post_init__(self) -> None:
        for name in (self.tablename, self.key, *self.order, *self.columns):
            _ident(name)

    @property
    def name(self) -> str:
        return f"{self.tablename}_list_{'_'.join(self.order)}"

    async def create(self, engine: Engine | None = None) -> None:
        columns = dict.fromkeys((*self.order, self.key, *self.columns))
        await (engine or current()).run_ddl(
            f"CREATE INDEX IF NOT EXISTS {_ident(self.name)} ON {_ident(self.tablename)} "
            f"({', '.join(_ident(c) for c in columns)})")

    async def drop(self, engine: Engine | None = None) -> None:
        await (engine or current()).run_ddl(f"DROP INDEX IF EXISTS {_ident(self.name)}")


async def drop_for(tablename: str, engine: Engine | None = None) -> None:
    """Drop the FTS table of `tablename` if it has one (used when a module's tables
    are dropped; its triggers and PostgreSQL indexes go with the table itself)."""
    engine = engine or current()
    if is_sqlite(engine):
        await engine.run_ddl(f"DROP TABLE IF EXISTS {_ident(fts_name(tablename))}")
