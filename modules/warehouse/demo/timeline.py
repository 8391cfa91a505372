"""The demo's clock and memory: events happen on past days, each exactly once.

History is built through the services, which stamp records with the real time;
`backdated` then moves every timestamp written during one event to the event's
day (plain updates, the only raw SQL of the demo). `once` remembers each event
under a key in core's shipped-data table, so loading the demo again adds nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from zoneinfo import ZoneInfo

from piccolo.table import Table

from core.db.audit import AuditEntry
from core.db.data import DataRecord, ref
from core.products.models import Product
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.transfer import Transfer

MODULE = "warehouse"
ZONE = ZoneInfo("Europe/Amsterdam")

# Every timestamp column the services write while stock moves.
STAMPED: tuple[tuple[type[Table], tuple[str, ...]], ...] = (
    (Transfer, ("created_at", "updated_at", "done_at")),
    (Move, ("created_at", "updated_at", "done_at")),
    (Lot, ("created_at", "updated_at")),
    (Product, ("updated_at",)),  # the average cost moves on receipts
    (AuditEntry, ("at",)),
)


def today() -> dt.date:
    return dt.datetime.now(ZONE).date()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment on a working day, in the firm's time zone, as UTC."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(dt.UTC)


async def done_before(key: str) -> bool:
    try:
        await ref(MODULE, key)
    except KeyError:
        return False
    return True


async def remember(key: str, table: type[Table], record_id: int) -> None:
    await DataRecord.insert(DataRecord(module=MODULE, key=key, table_name=table._meta.tablename,
                                       record_id=record_id, checksum="", row_checksum="")).run()


async def once(key: str, table: type[Table], make: Callable[[], Awaitable[int]]) -> int:
    """The id remembered under `key`, or `make()`'s (remembered from now on)."""
    try:
        return await ref(MODULE, key)
    except KeyError:
        pass
    record_id = await make()
    await remember(key, table, record_id)
    return record_id


def working_day(days_ago: int) -> dt.date:
    """The working day `days_ago` calendar days back (a weekend moves to the Friday before)."""
    day = today() - dt.timedelta(days=days_ago)
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


@contextlib.asynccontextmanager
async def backdated(when: dt.datetime, *more: tuple[type[Table], tuple[str, ...]]) -> AsyncIterator[None]:
    """Whatever the block writes is dated `when` instead of now (in the stock tables, and
    in `more` (table, timestamp columns) pairs)."""
    since = dt.datetime.now(dt.UTC)
    yield
    for table, columns in (*STAMPED, *more):
        sets = ", ".join(f'"{c}" = CASE WHEN "{c}" >= {{}} THEN {{}} ELSE "{c}" END' for c in columns)
        where = " OR ".join(f'"{c}" >= {{}}' for c in columns)
        args = [since, when] * len(columns) + [since] * len(columns)
        await table.raw(f'UPDATE "{table._meta.tablename}" SET {sets} WHERE {where}', *args).run()
    # Transfers made in the block were planned for that day too.
    await Transfer.update({Transfer.scheduled: when.astimezone(ZONE).date()}).where(
        (Transfer.created_at == when) & (Transfer.scheduled == dt.date.today())).run()
