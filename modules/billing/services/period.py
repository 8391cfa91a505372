"""Named periods of invoice dates (the list's Period filter, the accounting export's defaults)."""

from __future__ import annotations

import datetime as dt

PERIODS = {
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "this_year": "This year",
    "last_year": "Last year",
}


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def bounds(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of `period` (one of PERIODS) as seen on `today`."""
    if period in ("this_month", "last_month"):
        start = _month_start(today, 0 if period == "this_month" else 1)
        return start, _month_start(start, -1) - dt.timedelta(days=1)
    if period in ("this_quarter", "last_quarter"):
        start = _month_start(today, (today.month - 1) % 3 + (0 if period == "this_quarter" else 3))
        return start, _month_start(start, -3) - dt.timedelta(days=1)
    if period in ("this_year", "last_year"):
        year = today.year - (period == "last_year")
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    raise ValueError(f"unknown period {period!r} (one of {', '.join(PERIODS)})")
