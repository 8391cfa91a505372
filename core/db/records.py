"""Writing business records: optimistic locking and the audit log, in one transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from piccolo.table import Table

from core.db.audit import AuditEntry, as_text
from core.db.context import current_user_id
from core.db.engine import is_sqlite, transaction

_SYSTEM_FIELDS = {"id", "created_at", "created_by", "updated_at", "updated_by", "version"}
# Logged as changed, never with their values.
SECRET_FIELDS = {"password_hash", "token_hash"}


def _shown(field: str, value: Any) -> str | None:
    if field in SECRET_FIELDS:
        return None if value is None else "(hidden)"
    return as_text(value)


class RecordNotFound(Exception):
    def __init__(self, table: type[Table], record_id: int) -> None:
        self.table, self.record_id = table, record_id
        super().__init__(f"{table._meta.tablename} #{record_id} does not exist")


class StaleRecordError(Exception):
    """Somebody saved the record after this edit started; refusing beats overwriting."""

    def __init__(self, table: type[Table], record_id: int, expected: int, current: int) -> None:
        self.table, self.record_id = table, record_id
        self.expected, self.current = expected, current
        super().__init__(
            f"{table._meta.tablename} #{record_id} was changed by someone else while you "
            f"edited it (you started from version {expected}, it is now at version {current}); "
            "reload to see their changes"
        )


class DuplicateValue(Exception):
    """A unique column already holds the value: the form's check ran before another save
    of the same value committed. Nothing was written."""

    def __init__(self, table: type[Table], columns: tuple[str, ...]) -> None:
        self.table, self.columns = table, columns
        super().__init__(f"{table._meta.tablename}: {', '.join(columns) or 'a unique value'} "
                         "is already used by another record")


def duplicate_message(exc: DuplicateValue) -> str:
    """What to tell the user, in their language."""
    from core.i18n import _

    message = _("This value is already used by another record.")
    return f"{message} ({', '.join(exc.columns)})" if exc.columns else message


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
_PG_KEY = re.compile(r"Key \((.+?)\)=")


def _duplicate(table: type[Table], exc: Exception) -> DuplicateValue | None:
    """`exc` as a DuplicateValue if it is the database refusing a duplicate, else None."""
    if isinstance(exc, sqlite3.IntegrityError):
        found = _SQLITE_UNIQUE.match(str(exc))
        if found is None:
            return None
        return DuplicateValue(table, tuple(c.strip().rsplit(".", 1)[-1] for c in found[1].split(",")))
    if type(exc).__name__ == "UniqueViolationError":  # asyncpg; not imported on SQLite-only installs
        found = _PG_KEY.match(getattr(exc, "detail", None) or "")
        return DuplicateValue(table, tuple(c.strip().strip('"') for c in found[1].split(",")) if found else ())
    return None


@contextlib.contextmanager
def _duplicates_named(table: type[Table]) -> Iterator[None]:
    """The database refusing a duplicate, raised as DuplicateValue; other errors as they are."""
    try:
        yield
    except Exception as exc:
        duplicate = _duplicate(table, exc)
        if duplicate is None:
            raise
        raise duplicate from exc


async def _written(table: type[Table], query: Any) -> list[dict[str, Any]]:
    with _duplicates_named(table):
        return await query.run()  # type: ignore[no-any-return]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _columns(table: type[Table], values: dict[str, Any]) -> dict[Any, Any]:
    unknown = set(values) - {c._meta.name for c in table._meta.columns}
    if unknown:
        raise ValueError(f"{table._meta.tablename} has no column(s) {', '.join(sorted(unknown))}")
    return {table._meta.get_column_by_name(k): v for k, v in values.items()}


async def create(table: type[Table], values: dict[str, Any], *, log_fields: bool = True) -> dict[str, Any]:
    """Insert a record, stamping audit columns and logging each set field (or, with
    `log_fields=False`, only that it was created: for records that are their own log,
    like a queued mail, whose bodies the audit log need not hold twice)."""
    user = current_user_id.get()
    now = _now()
    stamped = {**values, "created_at": now, "updated_at": now, "created_by": user,
               "updated_by": user, "version": 1}
    async with transaction():
        row = (await _written(table, table.insert(table(**stamped)).returning(*table._meta.columns)))[0]
        await AuditEntry.insert(
            *[
                AuditEntry(user_id=user, table_name=table._meta.tablename, record_id=row["id"],
                           action="create", field=k, old=None, new=_shown(k, v))
                for k, v in values.items()
                if log_fields and k not in _SYSTEM_FIELDS and v is not None
            ]
            or [AuditEntry(user_id=user, table_name=table._meta.tablename, record_id=row["id"],
                           action="create")]
        ).run()
    return row


# Rows per multi-row INSERT in `create_many` (PostgreSQL takes 32767 parameters a statement).
BULK = 500


async def create_many(table: type[Table], rows: Sequence[dict[str, Any]], *, log_fields: bool = True) -> list[int]:
    """`create` for many records (each with the same fields), stamped and audited alike, in
    one transaction: multi-row INSERTs of the records and of their audit entries instead
    of two statements a record. Returns the new ids in the order of `rows`.

    The rows go straight to the driver: through the ORM, building the statements alone
    took longer than a nightly reorder run of thousands of lines may take (10 s). Columns
    left out take their database defaults, as with an INSERT naming only some."""
    if not rows:
        return []
    fields = list(rows[0])
    if any(list(r) != fields for r in rows):
        raise ValueError(f"{table._meta.tablename}: create_many needs the same fields in every row")
    _columns(table, rows[0])  # unknown names are refused before anything is written
    user, now = current_user_id.get(), _now()
    names = [*fields, "created_at", "updated_at", "created_by", "updated_by", "version"]
    ids: list[int] = []
    async with transaction() as txn:
        for start in range(0, len(rows), BULK):
            chunk = [[*r.values(), now, now, user, user, 1] for r in rows[start:start + BULK]]
            with _duplicates_named(table):
                made = await _insert(txn.connection, table._meta.tablename, names, chunk, returning=True)
            ids += sorted(made)  # a multi-row INSERT numbers its rows in the order given
        audit: list[list[Any]] = []
        for record, given in zip(ids, rows, strict=True):
            entries = [[now, user, table._meta.tablename, record, "create", k, _shown(k, v)]
                       for k, v in given.items() if log_fields and k not in _SYSTEM_FIELDS and v is not None]
            audit += entries or [[now, user, table._meta.tablename, record, "create", "", None]]
        for start in range(0, len(audit), BULK):
            await _insert(txn.connection, AuditEntry._meta.tablename,
                          ["at", "user_id", "table_name", "record_id", "action", "field", "new"], audit[start:start + BULK])
    return ids


async def _insert(connection: Any, tablename: str, names: Sequence[str], values: Sequence[Sequence[Any]],
                  returning: bool = False) -> list[int]:
    """One multi-row INSERT on the transaction's own connection (aiosqlite or asyncpg)."""
    columns = ", ".join(f'"{n}"' for n in names)
    width, flat = len(names), [v for row in values for v in row]
    tail = ' RETURNING "id"' if returning else ""
    if is_sqlite():
        marks = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(values))
        cursor = await connection.execute(f'INSERT INTO "{tablename}" ({columns}) VALUES {marks}{tail}', flat)
        try:
            found = await cursor.fetchall() if returning else []
        finally:
            await cursor.close()
        return [int(r["id"]) for r in found]
    marks = ", ".join("(" + ", ".join(f"${i * width + j + 1}" for j in range(width)) + ")" for i in range(len(values)))
    sql = f'INSERT INTO "{tablename}" ({columns}) VALUES {marks}{tail}'
    if returning:
        return [int(r["id"]) for r in await connection.fetch(sql, *flat)]
    await connection.execute(sql, *flat)
    return []


async def update(
    table: type[Table], record_id: int, changes: dict[str, Any], *, version: int
) -> dict[str, Any]:
    """Save `changes` if the record is still at `version`; else raise StaleRecordError."""
    user = current_user_id.get()
    cols = _columns(table, changes)
    async with transaction():
        old = await table.select().where(table._meta.primary_key == record_id).first().run()
        if old is None:
            raise RecordNotFound(table, record_id)
        if old["version"] != version:
            raise StaleRecordError(table, record_id, version, old["version"])
        stamped = {**cols, table.version: version + 1, table.updated_at: _now(), table.updated_by: user}  # type: ignore[attr-defined]
        rows = await _written(table, table.update(stamped).where(
            (table._meta.primary_key == record_id) & (table.version == version)  # type: ignore[attr-defined]
        ).returning(*table._meta.columns))
        if not rows:
            # Lost the race between our read and our write (PostgreSQL, read committed).
            now = await table.select(table.version).where(table._meta.primary_key == record_id).first().run()  # type: ignore[attr-defined]
            raise StaleRecordError(table, record_id, version, now["version"] if now else -1)
        entries = [
            AuditEntry(user_id=user, table_name=table._meta.tablename, record_id=record_id,
                       action="write", field=k, old=_shown(k, old[k]), new=_shown(k, v))
            for k, v in changes.items()
            if k not in _SYSTEM_FIELDS and as_text(old[k]) != as_text(v)
        ]
        if entries:
            await AuditEntry.insert(*entries).run()
    return rows[0]


async def delete(table: type[Table], record_id: int, *, version: int) -> None:
    user = current_user_id.get()
    async with transaction():
        rows = (
            await table.delete()
            .where((table._meta.primary_key == record_id) & (table.version == version))  # type: ignore[attr-defined]
            .returning(table._meta.primary_key)
            .run()
        )
        if not rows:
            now = await table.select(table.version).where(table._meta.primary_key == record_id).first().run()  # type: ignore[attr-defined]
            if now is None:
                raise RecordNotFound(table, record_id)
            raise StaleRecordError(table, record_id, version, now["version"])
        await AuditEntry.insert(
            AuditEntry(user_id=user, table_name=table._meta.tablename, record_id=record_id,
                       action="delete")
        ).run()
