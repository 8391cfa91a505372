"""jobbox: jobs whose effects the jobs tests count (as audit entries, so no tables)."""

from __future__ import annotations

import asyncio

from core.db.audit import AuditEntry
from core.db.engine import transaction
from core.jobs.idempotency import claim
from core.modules.manifest import Job, Manifest, Schedule


async def effect(kind: str, n: int) -> None:
    await AuditEntry.insert(AuditEntry(table_name=f"jobbox_{kind}", record_id=n, action="job")).run()


async def effects(kind: str, n: int | None = None) -> int:
    query = AuditEntry.count().where(AuditEntry.table_name == f"jobbox_{kind}")
    return await (query.where(AuditEntry.record_id == n) if n is not None else query).run()


async def record(n: int) -> None:
    """The effect once per n, however often the message is delivered."""
    async with transaction():
        if await claim(f"jobbox.record:{n}"):
            await effect("record", n)


async def record_then_sleep(n: int, seconds: float) -> None:
    """Commits its effect, then (the first time only) lingers: a worker killed now has
    not acknowledged the message."""
    await record(n)
    await effect("slept", n)
    if await effects("slept", n) == 1:
        await asyncio.sleep(seconds)


async def always_fails(n: int) -> None:
    await effect("attempt", n)
    raise RuntimeError(f"jobbox cannot do {n}")


async def guarded(n: int) -> None:
    """Fails until the test allows it (an audit entry jobbox_allow #n)."""
    if not await effects("allow", n):
        raise PermissionError(f"jobbox #{n} is not allowed yet")
    await effect("guarded", n)


async def tick() -> None:
    await effect("tick", 0)


def plain(n: int) -> int:
    return n * 2


MANIFEST = Manifest(
    name="jobbox",
    version="1.0.0",
    summary="Jobs for the jobs tests",
    depends=("core",),
    jobs=(
        Job(record, queue="jobbox"),
        Job(record_then_sleep, queue="jobbox"),
        Job(always_fails, max_retries=2, queue="jobbox"),
        Job(guarded, max_retries=0, queue="jobbox"),
        Job(tick, queue="jobbox"),
        Job(plain, name="double", queue="jobbox"),
    ),
    # Yearly, so that only the ticks a test forces fire while it runs.
    schedules=(Schedule("tick", "0 0 1 1 *"),),
)
