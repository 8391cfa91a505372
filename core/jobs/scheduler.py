"""Manifest schedules: each tick fires once, however many processes run the scheduler.

Every scheduler process looks at `core_schedule` every `jobs.scheduler_seconds`. A due
schedule is claimed with one conditional UPDATE (`WHERE version = <seen>`), in the
same transaction as the job's enqueue: exactly one process wins each tick. The next
run is computed from *now*, so ticks missed while nothing ran fire once, not once each.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from typing import Any

from core.db import engine as db
from core.jobs import runs
from core.jobs.actors import installed_modules
from core.jobs.broker import JobSystem
from core.jobs.cron import parse
from core.jobs.enqueue import send
from core.jobs.models import ScheduleRecord

log = logging.getLogger("steward.jobs")
PRUNE_EVERY = 3600.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def firm_timezone() -> str:
    from core.company.models import Company

    row = await Company.select(Company.timezone).first().run()
    return (row or {}).get("timezone") or "UTC"


def declared(system: JobSystem, installed: frozenset[str]) -> dict[str, tuple[str, str, str]]:
    """name -> (module, job, cron) for every schedule of an installed module."""
    found = {}
    for name in installed:
        manifest = system.catalog.manifests.get(name)
        for schedule in manifest.schedules if manifest else ():
            job = schedule.job if "." in schedule.job else f"{name}.{schedule.job}"
            found[f"{name}.{schedule.name or job.split('.', 1)[1]}"] = (name, job, schedule.cron)
    return found


async def sync(system: JobSystem) -> None:
    """Create rows for newly installed schedules; follow cron changes of existing ones."""
    wanted = declared(system, await installed_modules())
    rows = {r["name"]: r for r in await ScheduleRecord.select().run()}
    tz, now = await firm_timezone(), _now()
    for name, (module, job, cron) in wanted.items():
        row = rows.get(name)
        if row is None:
            await ScheduleRecord.insert(ScheduleRecord(
                name=name, module=module, job=job, cron=cron, next_run=parse(cron).next_after(now, tz),
            )).on_conflict(target=ScheduleRecord.name, action="DO NOTHING").run()
        elif row["cron"] != cron or row["job"] != job:
            await ScheduleRecord.update({ScheduleRecord.cron: cron, ScheduleRecord.job: job,
                                         ScheduleRecord.next_run: parse(cron).next_after(now, tz),
                                         ScheduleRecord.version: ScheduleRecord.version + 1}
                                        ).where(ScheduleRecord.id == row["id"]).run()


async def tick(system: JobSystem) -> list[str]:
    """Fire every due, unpaused schedule this process wins; returns their names."""
    installed = await installed_modules()
    tz, now = await firm_timezone(), _now()
    fired = []
    for row in await ScheduleRecord.select().where(ScheduleRecord.paused.eq(False)).run():
        if row["module"] not in installed or row["next_run"] is None or row["next_run"] > now:
            continue
        async with db.transaction():
            won = await ScheduleRecord.update({
                ScheduleRecord.last_run: now, ScheduleRecord.next_run: parse(row["cron"]).next_after(now, tz),
                ScheduleRecord.version: row["version"] + 1,
            }).where((ScheduleRecord.id == row["id"]) & (ScheduleRecord.version == row["version"])
                     ).returning(ScheduleRecord.id).run()
            if won:
                await send(system, row["job"], ())
        if won:
            fired.append(row["name"])
            log.info("schedule %s fired %s", row["name"], row["job"])
    return fired


async def run_forever(system: JobSystem, stop: asyncio.Event) -> None:
    """The scheduler loop (plus outbox relay and run pruning) until `stop` is set."""
    from core.jobs.enqueue import relay

    pruned = 0.0
    while not stop.is_set():
        try:
            await sync(system)
            await tick(system)
            if not system.embedded:
                await relay(system)
            if time.monotonic() - pruned > PRUNE_EVERY:
                await runs.prune(system.settings.jobs.retention_days)
                pruned = time.monotonic()
        except Exception:
            log.exception("scheduler pass failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=system.settings.jobs.scheduler_seconds)


async def listing() -> list[dict[str, Any]]:
    return await ScheduleRecord.select().order_by(ScheduleRecord.name).run()


async def set_paused(schedule_id: int, paused: bool) -> bool:
    """Pause or resume; a resumed schedule next fires at its next tick from now."""
    row = await ScheduleRecord.select().where(ScheduleRecord.id == schedule_id).first().run()
    if row is None:
        return False
    changes: dict[Any, Any] = {ScheduleRecord.paused: paused, ScheduleRecord.version: ScheduleRecord.version + 1}
    if not paused:
        changes[ScheduleRecord.next_run] = parse(row["cron"]).next_after(_now(), await firm_timezone())
    await ScheduleRecord.update(changes).where(ScheduleRecord.id == schedule_id).run()
    return True
