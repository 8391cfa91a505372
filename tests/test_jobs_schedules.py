"""Schedules: cron in the firm's time zone, one firing per tick, missed ticks once, pause."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from fixture_modules.jobs_support import (
    in_process_worker,
    jobbox,
    jobs_catalog,
    jobs_settings,
    settled,
)

from core.jobs import scheduler
from core.jobs.cron import InvalidCron, parse
from core.jobs.models import ScheduleRecord
from core.modules import lifecycle

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_cron_fields_take_ranges_lists_and_steps() -> None:
    c = parse("*/20 8-10,14 * * 1-5")
    assert c.minutes == {0, 20, 40} and c.hours == {8, 9, 10, 14} and c.weekdays == {1, 2, 3, 4, 5}
    assert parse("0 0 * * 7").weekdays == {0}


@pytest.mark.parametrize("expression", ["* * * *", "61 * * * *", "a * * * *", "5-1 * * * *", "*/0 * * * *"])
def test_a_malformed_cron_expression_is_refused(expression: str) -> None:
    with pytest.raises(InvalidCron):
        parse(expression)


def test_cron_is_evaluated_in_the_firms_time_zone() -> None:
    # 02:00 in Amsterdam is 01:00 UTC in winter and 00:00 UTC in summer.
    assert parse("0 2 * * *").next_after(at(2026, 11, 27, 12, 0), "Europe/Amsterdam") == at(2026, 11, 28, 1, 0)
    assert parse("0 2 * * *").next_after(at(2026, 7, 1, 12, 0), "Europe/Amsterdam") == at(2026, 7, 2, 0, 0)
    # Weekdays only: Friday evening -> Monday morning.
    assert parse("30 7 * * 1-5").next_after(at(2026, 11, 27, 18, 0), "UTC") == at(2026, 11, 30, 7, 30)
    # Day of month and day of week both restricted: either matches (as in cron).
    assert parse("0 0 1 * 0").next_after(at(2026, 11, 27, 0, 0), "UTC") == at(2026, 11, 29, 0, 0)


@pytest.fixture
async def system(core_db: str, settings_for):
    catalog = jobs_catalog()
    await lifecycle.install(catalog, ["jobbox"])
    async with in_process_worker(jobs_settings(settings_for(core_db), "embedded"), catalog) as system:
        await scheduler.sync(system)
        yield system


async def _make_due(hours_ago: float) -> None:
    await ScheduleRecord.update({ScheduleRecord.next_run: dt.datetime.now(UTC) - dt.timedelta(hours=hours_ago)}
                                ).where(ScheduleRecord.name == "jobbox.tick").run()


async def test_installed_schedules_appear_with_their_next_run(system) -> None:
    [row] = await scheduler.listing()
    assert (row["name"], row["job"], row["cron"], row["paused"]) == ("jobbox.tick", "jobbox.tick", "0 0 1 1 *", False)
    now = dt.datetime.now(UTC)
    assert now < row["next_run"] <= now + dt.timedelta(days=367)
    assert row["next_run"] == parse("0 0 1 1 *").next_after(now, await scheduler.firm_timezone())
    assert row["last_run"] is None


async def test_a_due_tick_fires_once_however_many_schedulers_race_for_it(system) -> None:
    await _make_due(0.01)
    fired = await asyncio.gather(*[scheduler.tick(system) for _ in range(5)])
    assert sum(len(f) for f in fired) == 1
    await settled("jobbox.tick")
    assert await jobbox().effects("tick") == 1


async def test_ticks_missed_during_downtime_run_once(system) -> None:
    await _make_due(hours_ago=5)  # 300 missed minutes
    assert await scheduler.tick(system) == ["jobbox.tick"]
    assert await scheduler.tick(system) == []
    [row] = await scheduler.listing()
    assert row["next_run"] > dt.datetime.now(UTC) and row["last_run"] is not None
    await settled("jobbox.tick")
    assert await jobbox().effects("tick") == 1


async def test_a_paused_schedule_does_not_fire_until_resumed(system) -> None:
    [row] = await scheduler.listing()
    await scheduler.set_paused(row["id"], True)
    await _make_due(1)
    assert await scheduler.tick(system) == []
    await scheduler.set_paused(row["id"], False)
    [row] = await scheduler.listing()
    assert not row["paused"] and row["next_run"] > dt.datetime.now(UTC)
