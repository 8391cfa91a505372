"""Database engine set-up: one Piccolo engine per process, chosen by URL."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.table import Table

from core.db import piccolo_conf


def postgres_config(url: str) -> dict[str, Any]:
    """Split a postgresql:// URL into asyncpg connection arguments."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password) if parts.password else None,
        "database": (parts.path or "/steward").lstrip("/") or "steward",
    }


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, except that a query outside a transaction reuses one of
    a few open connections (each with its own thread) instead of opening a new
    connection and thread per query (about 1.3 ms each). In WAL mode every pooled
    connection reads the latest committed data; each statement commits on its own
    (autocommit), so no connection is left inside a transaction. Transactions still
    get a connection of their own (`BEGIN IMMEDIATE` for writes, see `transaction`).
    The pool belongs to the event loop that opened it; elsewhere (another loop, or
    before `open_pool`) queries fall back to a new connection each.

    A SELECT outside a transaction runs at once on the event loop's thread, on one
    plain sqlite3 connection, instead of on a pooled connection's thread: a read
    takes well under a millisecond, while handing it to a thread and back costs
    more than that under load (each row is built in Python in that thread, so it
    and the loop take turns on the GIL; bench/warehouse.py measured list queries
    going from 0.4 ms alone to 9 ms with five requests at once). Readers never wait
    for writers in WAL mode; should one meet a lock anyway (a checkpoint resetting
    the WAL), it does not wait on the loop but goes to the pool."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader: sqlite3.Connection | None = None

    @property
    def pool_open(self) -> bool:
        """Whether a pool is open for the running event loop."""
        return self._slots is not None and self._loop is asyncio.get_running_loop()

    async def open_pool(self, size: int) -> None:
        await self.close_pool()  # one left by another event loop
        self._slots, self._loop = asyncio.Semaphore(size), asyncio.get_running_loop()

    async def close_pool(self) -> None:
        idle, self._idle, self._slots, self._loop = self._idle, [], None, None
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        for conn in idle:
            with contextlib.suppress(Exception):
                await conn.close()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(**self.connection_kwargs)
        conn.row_factory = dict_factory  # type: ignore[assignment]
        await conn.execute_fetchall("PRAGMA foreign_keys = 1")
        return conn

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                     query_type: str = "generic", table: type[Table] | None = None) -> Any:
        slots = self._slots
        if slots is None or self._loop is not asyncio.get_running_loop() or (
                query_type == "insert" and self.get_version_sync() < 3.35):
            return await super()._run_in_new_connection(query, args, query_type, table)
        if query_type == "generic" and query.lstrip()[:6].upper() == "SELECT":
            read = self._read(query, args)
            if read is not None:
                return read
        async with slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            try:
                rows = await conn.execute_fetchall(query, args or [])
            except BaseException:
                # An error or a cancelled wait may leave the connection mid-statement: drop it.
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close())
                raise
            if self._slots is slots:
                self._idle.append(conn)
            else:  # the pool was closed meanwhile
                await conn.close()
            return list(rows)


    def _read(self, query: str, args: list[Any] | None) -> list[dict[str, Any]] | None:
        """Run a SELECT on the loop's own connection; None if the database was locked."""
        if self._reader is None:
            kwargs = {**self.connection_kwargs, "timeout": 0.0}
            self._reader = sqlite3.connect(**kwargs)
            self._reader.row_factory = dict_factory
        try:
            return self._reader.execute(query, args or []).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None
            raise


def make_engine(url: str, busy_timeout: float = 30.0) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # `timeout` is sqlite3's busy timeout: a writer waits for the lock
        # instead of failing at once with "database is locked".
        return PooledSQLiteEngine(path=path, timeout=busy_timeout)
    return PostgresEngine(config=postgres_config(url))


_configured_url: str | None = None


def _all_tables(cls: type[Table] = Table) -> list[type[Table]]:
    found: list[type[Table]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_tables(sub))
    return found


def configure(url: str, busy_timeout: float = 30.0) -> Engine:
    """Create the process's engine (or keep the current one if it has the same URL)
    and bind every table class to it."""
    global _configured_url
    engine = piccolo_conf.DB
    if engine is None or _configured_url != url:
        engine = make_engine(url, busy_timeout)
        piccolo_conf.DB = engine
        _configured_url = url
    for table in _all_tables():
        table._meta.db = engine
    return engine


def current() -> Engine:
    if piccolo_conf.DB is None:
        raise RuntimeError("database not configured: call core.db.engine.configure() first")
    return piccolo_conf.DB


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine or current(), SQLiteEngine)


async def start(engine: Engine | None = None, pool_size: int = 10) -> bool:
    """Prepare the engine for serving: WAL on SQLite, a connection pool on both.
    Returns True if this call opened the pool (so the caller should close it)."""
    engine = engine or current()
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers proceed while one writer commits; it persists in the file.
        await engine._run_in_new_connection("PRAGMA journal_mode=WAL")
        if isinstance(engine, PooledSQLiteEngine) and not engine.pool_open:
            await engine.open_pool(pool_size)
            return True
    elif isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=pool_size, reset=_keep_session)
        return True
    return False


async def _keep_session(connection: Any) -> None:
    """asyncpg's pool resets a released connection by default (advisory locks, cursors,
    LISTEN, session settings): one more round trip after *every* query outside a
    transaction, about a third of a short query's cost. Steward uses none of those, so
    it is skipped; asyncpg still rolls back a transaction left open before calling this."""


async def stop(engine: Engine | None = None) -> None:
    engine = engine or piccolo_conf.DB
    if isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
        engine.pool = None


@contextlib.asynccontextmanager
async def transaction() -> AsyncIterator[Any]:
    """A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE),
    so read-then-write transactions queue on the busy timeout instead of failing
    with "database is locked". Nested calls join the outer transaction."""
    engine = current()
    if isinstance(engine, SQLiteEngine):
        txn = engine.transaction(transaction_type=TransactionType.immediate)
    else:
        txn = engine.transaction()
    async with txn as t:
        yield t


@contextlib.asynccontextmanager
async def planned_for_values() -> AsyncIterator[None]:
    """Queries run inside are planned for their own values on PostgreSQL. asyncpg prepares
    each query once per connection, and after five runs PostgreSQL may switch to a plan
    made for unknown values. For a list search that plan walks the list's order testing
    every row, which suits a common word and turns a rare one (which the trigram indexes
    find at once) into a walk of the whole table: a search for a word in no partner name
    went from 8 ms to 480 ms on 100k rows. Set for everything, replanning cost the stock
    card a third of its rate, so it is set (LOCAL to a transaction) where it pays."""
    if is_sqlite():
        yield
        return
    async with transaction():
        await current().run_ddl("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


def in_transaction() -> bool:
    return current().current_transaction.get() is not None
