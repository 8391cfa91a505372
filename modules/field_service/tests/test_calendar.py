"""Business-time arithmetic: deadlines across weekends, holidays and clock changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from modules.field_service.services import calendar as cal

AMS = ZoneInfo("Europe/Amsterdam")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS)


OFFICE = cal.working_time("12345", "08:00", "17:00", {dt.date(2026, 4, 6)}, AMS)  # Easter Monday 2026


def test_a_deadline_within_the_day_is_plain_addition() -> None:
    assert cal.add_business_hours(OFFICE, at(2026, 3, 4, 9, 0), 4) == at(2026, 3, 4, 13, 0)


def test_a_deadline_across_the_weekend_continues_on_monday() -> None:
    # Friday 15:00 + 4 h: 2 h on Friday, 2 h on Monday.
    assert cal.add_business_hours(OFFICE, at(2026, 3, 13, 15, 0), 4) == at(2026, 3, 16, 10, 0)


def test_a_holiday_is_skipped() -> None:
    # Thursday 2 April 16:00 + 10 h: 1 h Thursday, 9 h Friday 3 April ... Easter Monday is off.
    assert cal.add_business_hours(OFFICE, at(2026, 4, 2, 16, 0), 11) == at(2026, 4, 7, 9, 0)


def test_a_start_outside_hours_counts_from_the_next_opening() -> None:
    assert cal.add_business_hours(OFFICE, at(2026, 3, 4, 20, 30), 2) == at(2026, 3, 5, 10, 0)
    assert cal.add_business_hours(OFFICE, at(2026, 3, 14, 11, 0), 1) == at(2026, 3, 16, 9, 0)  # Saturday
    assert cal.add_business_hours(OFFICE, at(2026, 3, 4, 6, 0), D("0.5")) == at(2026, 3, 4, 8, 30)


def test_the_clock_change_does_not_shift_deadlines() -> None:
    # Clocks go forward on Sunday 29 March 2026: Friday 16:00 CET + 2 h is Monday 09:00 CEST.
    due = cal.add_business_hours(OFFICE, at(2026, 3, 27, 16, 0), 2)
    assert due == at(2026, 3, 30, 9, 0) and due.astimezone(AMS).utcoffset() == dt.timedelta(hours=2)
    assert due.astimezone(dt.UTC).hour == 7
    # And back on 25 October: Friday 16:00 CEST + 2 h is Monday 09:00 CET (08:00 UTC).
    assert cal.add_business_hours(OFFICE, at(2026, 10, 23, 16, 0), 2).astimezone(dt.UTC) == dt.datetime(
        2026, 10, 26, 8, 0, tzinfo=dt.UTC)


def test_around_the_clock_counts_real_hours_over_the_clock_change() -> None:
    always = cal.around_the_clock(AMS)
    due = cal.add_business_hours(always, at(2026, 3, 29, 1, 0), 2)
    assert due == at(2026, 3, 29, 4, 0)  # 02:00-03:00 does not exist that night
    assert cal.business_hours_between(always, at(2026, 3, 29, 1, 0), due) == D(2)


def test_business_hours_between_is_the_inverse_of_adding() -> None:
    start = at(2026, 3, 27, 15, 30)
    for hours in (D("0.25"), D(3), D(9), D(25), D(50)):
        due = cal.add_business_hours(OFFICE, start, hours)
        assert cal.business_hours_between(OFFICE, start, due) == hours
    assert cal.business_hours_between(OFFICE, at(2026, 3, 14, 9, 0), at(2026, 3, 15, 18, 0)) == 0  # a weekend
    assert cal.business_hours_between(OFFICE, at(2026, 3, 16, 9, 0), at(2026, 3, 13, 9, 0)) == 0


def test_a_calendar_without_working_hours_is_refused() -> None:
    with pytest.raises(cal.NoWorkingTime):
        cal.working_time("", "08:00", "17:00")
    with pytest.raises(cal.NoWorkingTime):
        cal.working_time("12345", "17:00", "08:00")
    with pytest.raises(ValueError):
        cal.add_business_hours(OFFICE, dt.datetime(2026, 3, 4, 9, 0), 1)  # naive


async def test_a_stored_calendar_loads_with_its_holidays(fs_db: str) -> None:
    from core.db import records
    from modules.field_service.models.calendar import Calendar, Holiday

    row = await records.create(Calendar, {"name": "Workshop", "weekdays": "123456", "day_start": "07:30",
                                          "day_end": "16:00"})
    await records.create(Holiday, {"calendar": row["id"], "day": dt.date(2026, 4, 27), "name": "King's Day"})
    wt = await cal.load(row["id"], AMS)
    assert wt.works_on(dt.date(2026, 3, 14)) and not wt.works_on(dt.date(2026, 4, 27))
    # Saturday 15:00 + 2 h: 1 h Saturday, Sunday off, Monday 07:30 + 1 h.
    assert cal.add_business_hours(wt, at(2026, 3, 14, 15, 0), 2) == at(2026, 3, 16, 8, 30)
    assert (await cal.load(None, AMS)).around_the_clock
