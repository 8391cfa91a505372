"""Database engine set-up: one Piccolo engine per process, chosen by URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
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


def make_engine(url: str, busy_timeout: float = 30.0) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # `timeout` is sqlite3's busy timeout: a writer waits for the lock
        # instead of failing at once with "database is locked".
        return SQLiteEngine(path=path, timeout=busy_timeout)
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
    """Prepare the engine for serving: WAL on SQLite, a connection pool on PostgreSQL.
    Returns True if this call opened the pool (so the caller should close it)."""
    engine = engine or current()
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers proceed while one writer commits; it persists in the file.
        await engine._run_in_new_connection("PRAGMA journal_mode=WAL")
    elif isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=pool_size)
        return True
    return False


async def stop(engine: Engine | None = None) -> None:
    engine = engine or piccolo_conf.DB
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


def in_transaction() -> bool:
    return current().current_transaction.get() is not None
