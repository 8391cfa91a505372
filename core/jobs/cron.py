"""Five-field cron expressions (minute hour day-of-month month day-of-week).

Fields take `*`, numbers, ranges `a-b`, lists `a,b` and steps `*/n`, `a-b/n`;
day-of-week runs 0-7 with 0 and 7 both Sunday. As in Vixie cron, when both
day-of-month and day-of-week are restricted, a day matching either one fires.
Times are evaluated in a given time zone (the firm's) and returned in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
NAMES = ("minute", "hour", "day of month", "month", "day of week")
MAX_DAYS = 366 * 5


class InvalidCron(ValueError):
    pass


def _field(text: str, index: int) -> frozenset[int]:
    low, high = BOUNDS[index]
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if base == "*":
                start, end = low, high
            elif "-" in base:
                start, end = (int(x) for x in base.split("-", 1))
            else:
                start = int(base)
                end = high if step_text else start
        except ValueError:
            raise InvalidCron(f"{NAMES[index]} field {text!r}: expected *, a number, a range or a step") from None
        if step < 1 or not low <= start <= end <= high:
            raise InvalidCron(f"{NAMES[index]} field {text!r}: values must lie within {low}-{high}")
        values.update(range(start, end + 1, step))
    if index == 4 and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    def _day_matches(self, day: dt.date) -> bool:
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def next_after(self, moment: dt.datetime, tz: str = "UTC") -> dt.datetime:
        """The first firing strictly after `moment` (aware), in UTC."""
        zone = ZoneInfo(tz)
        local = moment.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None) + dt.timedelta(minutes=1)
        day = local.date()
        for _ in range(MAX_DAYS):
            if day.month in self.months and self._day_matches(day):
                first = local.time() if day == local.date() else dt.time(0, 0)
                for hour in sorted(h for h in self.hours if h >= first.hour):
                    start = first.minute if hour == first.hour else 0
                    minutes = sorted(m for m in self.minutes if m >= start)
                    if minutes:
                        naive = dt.datetime.combine(day, dt.time(hour, minutes[0]))
                        return naive.replace(tzinfo=zone).astimezone(dt.UTC)
            day += dt.timedelta(days=1)
        raise InvalidCron("the expression never fires")


def parse(expression: str) -> Cron:
    fields = expression.split()
    if len(fields) != 5:
        raise InvalidCron(f"{expression!r}: expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minutes, hours, days, months, weekdays = (_field(text, i) for i, text in enumerate(fields))
    return Cron(minutes, hours, days, months, weekdays, any_day=fields[2] == "*", any_weekday=fields[4] == "*")
