"""Calendar and resource timeline: items by day (a week or a month) and by person.

A module declares a `Calendar` with a loader (`Window` -> items overlapping it)
and, for the people view, a loader of the people to show as rows; the kit
shapes the items into rows of day columns, in the firm's time zone, flags
overlapping items of one person and builds the navigation links. The view and
date live in the URL (`?view=week|month|people&date=YYYY-MM-DD`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_interval, format_time
from litestar import Request
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template

from core.auth.current import CurrentUser, current_user
from core.i18n import _, locale
from core.registry import Registry
from core.web.pages import page

VIEWS = ("week", "month", "people")
FALLBACK_TZ = "Europe/Amsterdam"
TEMPLATE = "core/kit/calendar.html"
MAX_DAYS = 14  # board.css has column classes for this many days


@dataclass(frozen=True)
class Item:
    """Something scheduled: `start`/`end` are aware datetimes (a datetime `end` is
    exclusive) or dates for whole days (a date `end` is the last day); no `end`
    means a moment (datetime) or a single day (date)."""

    id: int | str
    title: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date | None = None
    person: int | str | None = None
    person_name: str = ""
    tone: str = ""
    url: str = ""


@dataclass(frozen=True)
class Person:
    key: int | str
    name: str


@dataclass(frozen=True)
class Window:
    """What the loaders get: the days shown (`first`..`last`, inclusive), the same as
    aware datetimes (`start` inclusive, `end` exclusive) and who is looking."""

    first: dt.date
    last: dt.date
    start: dt.datetime
    end: dt.datetime
    tz: ZoneInfo
    user: CurrentUser
    registry: Registry


@dataclass(frozen=True)
class Calendar:
    name: str
    url: str
    load: Callable[[Window], Awaitable[Sequence[Item]]]
    people: Callable[[Window], Awaitable[Sequence[Person]]] | None = None
    views: tuple[str, ...] = VIEWS
    default_view: str = "week"
    people_days: int = 7


@dataclass(frozen=True)
class Day:
    date: dt.date
    weekend: bool
    today: bool
    outside: bool  # a day of the previous/next month in the month grid


@dataclass(frozen=True)
class Bar:
    """One item placed in a row: column `col` (1-based) spanning `span` days."""

    item: Item
    col: int
    span: int
    continues_before: bool
    continues_after: bool
    conflict: bool
    when: str


@dataclass(frozen=True)
class Row:
    label: str
    days: tuple[Day, ...]
    bars: tuple[Bar, ...]
    key: int | str | None = None


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool = False


@dataclass(frozen=True)
class View:
    calendar: Calendar
    view: str
    date: dt.date
    heading: str
    rows: tuple[Row, ...]
    days: tuple[Day, ...]  # the column heads (one row's days; a week for the month view)
    previous: Link
    next: Link
    today: Link
    switch: tuple[Link, ...]
    conflicts: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)


# -- time -----------------------------------------------------------------------

_company_table = False  # seen to exist: core's tables are never dropped while a process runs


async def firm_timezone() -> ZoneInfo:
    """The company's time zone (company.timezone), Europe/Amsterdam if unset or unknown."""
    global _company_table
    from core.company.models import Company

    name = FALLBACK_TZ
    # Asking the catalogue whether the table exists costs more than the read itself
    # (information_schema on PostgreSQL), so it is asked until the answer is yes.
    _company_table = _company_table or await Company.table_exists().run()
    if _company_table:
        row = await Company.select(Company.timezone).first().run()
        name = (row or {}).get("timezone") or FALLBACK_TZ
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_TZ)


def forget_tables() -> None:
    """Ask again whether the company table exists (another database, in tests)."""
    global _company_table
    _company_table = False


def _local(value: dt.datetime | dt.date, tz: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    return dt.datetime.combine(value, dt.time(), tz)


def span_of(item: Item, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The item's interval in the firm's zone (whole days for dates)."""
    start = _local(item.start, tz)
    if item.end is None:
        end = start + (dt.timedelta(days=1) if not isinstance(item.start, dt.datetime) else dt.timedelta())
    elif isinstance(item.end, dt.datetime):
        end = _local(item.end, tz)
    else:
        end = _local(item.end, tz) + dt.timedelta(days=1)
    return start, max(start, end)


def days_of(item: Item, tz: ZoneInfo) -> tuple[dt.date, dt.date]:
    """First and last day the item touches (an end at midnight does not touch that day)."""
    start, end = span_of(item, tz)
    last = (end - dt.timedelta(microseconds=1)).date() if end > start else start.date()
    return start.date(), max(start.date(), last)


def conflicting(items: Sequence[Item], tz: ZoneInfo) -> set[int | str]:
    """Ids of items that overlap another item of the same person."""
    found: set[int | str] = set()
    by_person: dict[int | str, list[tuple[dt.datetime, dt.datetime, Item]]] = {}
    for item in items:
        if item.person is not None:
            by_person.setdefault(item.person, []).append((*span_of(item, tz), item))
    for spans in by_person.values():
        spans.sort(key=lambda s: s[0])
        for i, (start, end, item) in enumerate(spans):
            for other_start, other_end, other in spans[i + 1:]:
                if other_start >= end:
                    break
                if other_start < end and start < other_end:
                    found.update((item.id, other.id))
    return found


# -- shaping --------------------------------------------------------------------

def window_days(view: str, date: dt.date, people_days: int = 7) -> tuple[dt.date, dt.date]:
    monday = date - dt.timedelta(days=date.weekday())
    if view == "month":
        first_of_month = date.replace(day=1)
        next_month = (first_of_month + dt.timedelta(days=32)).replace(day=1)
        last_of_month = next_month - dt.timedelta(days=1)
        return (first_of_month - dt.timedelta(days=first_of_month.weekday()),
                last_of_month + dt.timedelta(days=6 - last_of_month.weekday()))
    if view == "people":
        return monday, monday + dt.timedelta(days=min(people_days, MAX_DAYS) - 1)
    return monday, monday + dt.timedelta(days=6)


def _when(item: Item, tz: ZoneInfo) -> str:
    if not isinstance(item.start, dt.datetime):
        return ""
    start, end = span_of(item, tz)
    loc = locale()
    if start.date() == end.date():
        return f"{format_time(start, 'short', tzinfo=tz, locale=loc)}–{format_time(end, 'short', tzinfo=tz, locale=loc)}"
    return format_time(start, "short", tzinfo=tz, locale=loc)


def _day(date: dt.date, today: dt.date, month: int | None = None) -> Day:
    return Day(date=date, weekend=date.weekday() >= 5, today=date == today,
               outside=month is not None and date.month != month)


def place(items: Sequence[Item], first: dt.date, last: dt.date, tz: ZoneInfo,
          conflicts: set[int | str]) -> tuple[Bar, ...]:
    """Bars of the items that touch `first`..`last`, clipped to it, earliest first."""
    bars = []
    for item in items:
        start, end = days_of(item, tz)
        if end < first or start > last:
            continue
        shown_start, shown_end = max(start, first), min(end, last)
        bars.append(Bar(
            item=item, col=(shown_start - first).days + 1, span=(shown_end - shown_start).days + 1,
            continues_before=start < first, continues_after=end > last,
            conflict=item.id in conflicts, when=_when(item, tz),
        ))
    bars.sort(key=lambda b: (b.col, -b.span, str(b.item.title)))
    return tuple(bars)


def _dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _people_rows(items: Sequence[Item], people: Sequence[Person], days: tuple[Day, ...],
                 tz: ZoneInfo, conflicts: set[int | str]) -> list[Row]:
    first, last = days[0].date, days[-1].date
    rows = [(p.key, p.name) for p in people]
    known = {key for key, _name in rows}
    for item in items:
        if item.person is not None and item.person not in known:
            rows.append((item.person, item.person_name or str(item.person)))
            known.add(item.person)
    shaped = [Row(label=name, key=key, days=days,
                  bars=place([i for i in items if i.person == key], first, last, tz, conflicts))
              for key, name in rows]
    unassigned = [i for i in items if i.person is None]
    if unassigned:
        shaped.append(Row(label=_("Unassigned"), days=days, bars=place(unassigned, first, last, tz, conflicts)))
    return shaped


def shape(calendar: Calendar, view: str, date: dt.date, items: Sequence[Item],
          people: Sequence[Person], tz: ZoneInfo, today: dt.date) -> View:
    """Everything the template needs to draw `view` around `date`."""
    first, last = window_days(view, date, calendar.people_days)
    conflicts = conflicting(items, tz)
    if view == "month":
        weeks = [_dates(first + dt.timedelta(days=7 * w), first + dt.timedelta(days=7 * w + 6))
                 for w in range(((last - first).days + 1) // 7)]
        rows = [Row(label="", days=tuple(_day(d, today, date.month) for d in week),
                    bars=place(items, week[0], week[-1], tz, conflicts)) for week in weeks]
        heads = rows[0].days
    else:
        heads = tuple(_day(d, today) for d in _dates(first, last))
        if view == "people":
            rows = _people_rows(items, people, heads, tz, conflicts)
        else:
            rows = [Row(label="", days=heads, bars=place(items, first, last, tz, conflicts))]
    return View(
        calendar=calendar, view=view, date=date, heading=_heading(view, date, first, last),
        rows=tuple(rows), days=heads, conflicts=len(conflicts),
        **_links(calendar, view, date, today),
    )


def _heading(view: str, date: dt.date, first: dt.date, last: dt.date) -> str:
    loc = locale()
    if view == "month":
        text = format_date(date, "LLLL y", locale=loc)
        return text[:1].upper() + text[1:]  # a heading, even where month names are lower case
    week = _("Week %(number)s", number=date.isocalendar().week)
    return f"{week} · {format_interval(first, last, 'yMMMd', locale=loc)}"


def url_for(calendar: Calendar, view: str, date: dt.date) -> str:
    return f"{calendar.url}?{urlencode({'view': view, 'date': date.isoformat()})}"


def _shift(view: str, date: dt.date, steps: int, people_days: int) -> dt.date:
    if view == "month":
        month = date.month - 1 + steps
        return dt.date(date.year + month // 12, month % 12 + 1, 1)
    days = min(people_days, MAX_DAYS) if view == "people" else 7
    return date + dt.timedelta(days=days * steps)


def _links(calendar: Calendar, view: str, date: dt.date, today: dt.date) -> dict[str, Any]:
    labels = {"week": _("Week"), "month": _("Month"), "people": _("People")}
    return {
        "previous": Link(_("Previous"), url_for(calendar, view, _shift(view, date, -1, calendar.people_days))),
        "next": Link(_("Next"), url_for(calendar, view, _shift(view, date, 1, calendar.people_days))),
        "today": Link(_("Today"), url_for(calendar, view, today)),
        "switch": tuple(Link(labels.get(v, v), url_for(calendar, v, date), v == view) for v in calendar.views),
    }


def parse(calendar: Calendar, params: Mapping[str, str], today: dt.date) -> tuple[str, dt.date]:
    """The view and date asked for in the query string; unknown values fall back."""
    view = params.get("view", "")
    if view not in calendar.views:
        view = calendar.default_view
    try:
        date = dt.date.fromisoformat(params.get("date", ""))
    except ValueError:
        date = today
    return view, date


async def build(calendar: Calendar, params: Mapping[str, str], user: CurrentUser, registry: Registry,
                *, today: dt.date | None = None) -> View:
    """Load and shape the view named by `params` (the service behind the page)."""
    tz = await firm_timezone()
    today = today or dt.datetime.now(tz).date()
    view, date = parse(calendar, params, today)
    first, last = window_days(view, date, calendar.people_days)
    window = Window(first=first, last=last, start=_local(first, tz),
                    end=_local(last + dt.timedelta(days=1), tz), tz=tz, user=user, registry=registry)
    items = await calendar.load(window)
    people = await calendar.people(window) if view == "people" and calendar.people else []
    return shape(calendar, view, date, items, people, tz, today)


# -- web --------------------------------------------------------------------------

def _wants_fragment(request: Request) -> bool:
    """htmx asks for the fragment, except when it restores a page from history (back
    button after hx-push-url), where it needs the whole page."""
    headers = request.headers
    return bool(headers.get("hx-request")) and not headers.get("hx-boosted") \
        and not headers.get("hx-history-restore-request")


async def calendar_page(request: Request, calendar: Calendar, *, template: str = TEMPLATE,
                        today: dt.date | None = None, **context: Any) -> Template:
    """The calendar page; for htmx navigation only its `calendar` block."""
    user = current_user(request)
    if user is None:  # the guard already refused anonymous requests
        raise PermissionDeniedException()
    registry = await request.app.state.registry.get()
    shaped = await build(calendar, dict(request.query_params), user, registry, today=today)
    htmx = _wants_fragment(request)
    return await page(request, TEMPLATE if htmx else template, block="calendar" if htmx else None, cal=shaped,
                      **context)
