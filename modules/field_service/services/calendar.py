"""Business-time arithmetic on a working calendar, in the firm's time zone.

A `WorkingTime` is a calendar read once (weekdays, hours, holidays); the functions on
it are pure, so the SLA job loads each calendar once per run. Each working day's
window is built from the local wall-clock hours and converted to UTC, so a day on
which the clocks change still counts its real length (08:00-17:00 is 9 hours on the
last Sunday of March too) and deadlines never drift by the DST hour.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.web.kit.calendar import firm_timezone
from modules.field_service.models.calendar import Calendar, Holiday

UTC = dt.UTC
MAX_DAYS = 3 * 366  # a target further away than this is a calendar without working days


class NoWorkingTime(ValueError):
    """The calendar has no working hours at all (no weekdays, or the day ends before it starts)."""


@dataclass(frozen=True)
class WorkingTime:
    weekdays: frozenset[int]  # ISO: 1 = Monday ... 7 = Sunday
    day_start: dt.time
    day_end: dt.time
    holidays: frozenset[dt.date]
    tz: ZoneInfo
    around_the_clock: bool = False

    def works_on(self, day: dt.date) -> bool:
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The day's working hours in UTC, or None on a day off."""
        if not self.works_on(day):
            return None
        start = dt.datetime.combine(day, self.day_start, self.tz).astimezone(UTC)
        end = dt.datetime.combine(day, self.day_end, self.tz).astimezone(UTC)
        return (start, end) if end > start else None


def _time(text: str) -> dt.time:
    hours, _sep, minutes = (text or "00:00").partition(":")
    return dt.time(int(hours), int(minutes or 0))


def working_time(weekdays: str = "12345", day_start: str = "08:00", day_end: str = "17:00",
                 holidays: set[dt.date] | frozenset[dt.date] = frozenset(),
                 tz: ZoneInfo | str = "Europe/Amsterdam") -> WorkingTime:
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    days = frozenset(int(c) for c in weekdays if c in "1234567")
    start, end = _time(day_start), _time(day_end)
    if not days or end <= start:
        raise NoWorkingTime(f"no working hours in weekdays={weekdays!r} {day_start}-{day_end}")
    return WorkingTime(days, start, end, frozenset(holidays), zone)


def around_the_clock(tz: ZoneInfo | str = "Europe/Amsterdam") -> WorkingTime:
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return WorkingTime(frozenset(range(1, 8)), dt.time(0), dt.time(0), frozenset(), zone, around_the_clock=True)


async def load(calendar_id: int | None, tz: ZoneInfo | None = None) -> WorkingTime:
    """The calendar's working time (None: around the clock), in the firm's time zone."""
    zone = tz or await firm_timezone()
    if calendar_id is None:
        return around_the_clock(zone)
    row = await Calendar.select().where(Calendar.id == calendar_id).first().run()
    if row is None:
        return around_the_clock(zone)
    days = await Holiday.select(Holiday.day).where(Holiday.calendar == calendar_id).run()
    return working_time(row["weekdays"], row["day_start"], row["day_end"], {d["day"] for d in days}, zone)


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("business-time arithmetic needs timezone-aware datetimes")
    return value.astimezone(UTC)


def _seconds(hours: Decimal | float | int) -> float:
    return float(Decimal(str(hours)) * 3600)


def add_business_hours(cal: WorkingTime, start: dt.datetime, hours: Decimal | float | int) -> dt.datetime:
    """The moment `hours` of working time after `start` (UTC). A start outside working
    hours counts from the next opening; zero hours from such a start is that opening."""
    cursor = _aware(start)
    left = _seconds(hours)
    if cal.around_the_clock:
        return cursor + dt.timedelta(seconds=left)
    if left < 0:
        raise ValueError("hours must not be negative")
    day = cursor.astimezone(cal.tz).date() - dt.timedelta(days=1)  # a window may start the evening before in UTC
    for _ in range(MAX_DAYS):
        window = cal.window(day)
        day += dt.timedelta(days=1)
        if window is None or window[1] <= cursor:
            continue
        begin = max(cursor, window[0])
        available = (window[1] - begin).total_seconds()
        if left <= available:
            return begin + dt.timedelta(seconds=left)
        left -= available
        cursor = window[1]
    raise NoWorkingTime("no working hours found within three years")


def business_seconds_between(cal: WorkingTime, start: dt.datetime, end: dt.datetime) -> float:
    """Working seconds between two moments (0 when `end` is not after `start`)."""
    a, b = _aware(start), _aware(end)
    if b <= a:
        return 0.0
    if cal.around_the_clock:
        return (b - a).total_seconds()
    total = 0.0
    day = a.astimezone(cal.tz).date() - dt.timedelta(days=1)
    last = b.astimezone(cal.tz).date() + dt.timedelta(days=1)
    while day <= last:
        window = cal.window(day)
        day += dt.timedelta(days=1)
        if window is None:
            continue
        overlap = (min(b, window[1]) - max(a, window[0])).total_seconds()
        total += max(0.0, overlap)
    return total


def business_hours_between(cal: WorkingTime, start: dt.datetime, end: dt.datetime) -> Decimal:
    """Working hours between two moments, to the second (as a Decimal of hours)."""
    return (Decimal(round(business_seconds_between(cal, start, end))) / 3600).quantize(Decimal("0.0001"))
