"""The demo's clock and memory, as in the warehouse demo (modules/warehouse/demo/timeline.py):
each event happens once, remembered under a key in core's shipped-data table (module
"field_service"), and what it writes is dated on its day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

from piccolo.table import Table

from core.attachments.service import storage_root
from core.db.data import DataRecord, ref
from modules.field_service.models.request import Request
from modules.field_service.models.work_order import (
    Assignment,
    CheckLine,
    PartLine,
    TimeEntry,
    WorkOrder,
)
from modules.warehouse.demo.timeline import ZONE, at, backdated, today

MODULE = "field_service"

# Timestamps our services write with the real time (the warehouse's own are in `backdated`).
STAMPED: tuple[tuple[type[Table], tuple[str, ...]], ...] = (
    (WorkOrder, ("created_at", "updated_at")),
    (Assignment, ("created_at", "updated_at")),
    (CheckLine, ("created_at", "updated_at", "done_at")),
    (PartLine, ("created_at", "updated_at")),
    (TimeEntry, ("created_at", "updated_at")),
    (Request, ("created_at", "updated_at")),
)

__all__ = ["MODULE", "STAMPED", "ZONE", "at", "attachments_root", "backdated", "day", "once", "today"]


async def once(key: str, table: type[Table], make: Callable[[], Awaitable[int]]) -> int:
    """The id remembered under `key`, or `make()`'s (remembered from now on)."""
    try:
        return await ref(MODULE, key)
    except KeyError:
        pass
    record_id = await make()
    await DataRecord.insert(DataRecord(module=MODULE, key=key, table_name=table._meta.tablename,
                                       record_id=record_id, checksum="", row_checksum="")).run()
    return record_id


def day(offset: int) -> dt.date:
    """The working day `offset` working days from today (negative: back), weekends skipped."""
    d, step = today(), (1 if offset > 0 else -1)
    for _n in range(abs(offset)):
        d += dt.timedelta(days=step)
        while d.weekday() > 4:
            d += dt.timedelta(days=step)
    return d


def attachments_root() -> Path:
    """Where signatures and photos go: the configured process's var/ (as the reports read them)."""
    from core.jobs import broker

    return storage_root(broker.current().settings.var_dir)
