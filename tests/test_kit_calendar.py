"""The calendar/timeline of the UI kit (core.web.kit.calendar): items on the right days and
rows in the firm's time zone, multi-day items, conflicts, navigation, and the page of the
taskboard test module under its record rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fixture_modules.board import TASKBOARD, Task

from core import i18n
from core.app import create_app
from core.company.models import Company
from core.db import records
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.testing import app_client, make_user, sign_in
from core.web.kit.calendar import Calendar, Item, Person, View, parse, shape

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = dt.date(2026, 11, 25)  # a Wednesday; its week runs Mon 23 - Sun 29 November
HTML = {"accept": "text/html"}


async def no_items(window: Any) -> list[Item]:
    return []


CAL = Calendar(name="plan", url="/plan", load=no_items)


def at(day: int, hour: int, minute: int = 0, month: int = 11, tz: dt.tzinfo = AMS) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=tz)


def view(kind: str, items: list[Item], date: dt.date = TODAY, people: list[Person] | None = None) -> View:
    return shape(CAL, kind, date, items, people or [], AMS, TODAY)


def placed(v: View, row: int = 0) -> dict[Any, tuple[int, int]]:
    """Item id -> (column, span) in one row."""
    return {b.item.id: (b.col, b.span) for b in v.rows[row].bars}


def test_week_view_puts_items_on_their_days() -> None:
    v = view("week", [Item(1, "Monday job", at(23, 9), at(23, 11)), Item(2, "Sunday job", at(29, 10), at(29, 12)),
                      Item(3, "Next week", at(30, 9), at(30, 10)), Item(4, "Whole day", dt.date(2026, 11, 26))])
    assert [d.date for d in v.days] == [dt.date(2026, 11, 23) + dt.timedelta(days=i) for i in range(7)]
    assert placed(v) == {1: (1, 1), 2: (7, 1), 4: (4, 1)}
    assert [d.weekend for d in v.days] == [False] * 5 + [True] * 2
    assert [d.today for d in v.days].index(True) == 2
    assert v.rows[0].bars[0].when == "09:00–11:00"


def test_items_are_placed_in_the_firms_time_zone() -> None:
    late = Item(1, "Late call", dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC),
                dt.datetime(2026, 11, 25, 0, 30, tzinfo=dt.UTC))  # 00:30-01:30 Wednesday in Amsterdam
    until_midnight = Item(2, "Evening", at(24, 20), at(25, 0))  # ends at midnight: Tuesday only
    v = view("week", [late, until_midnight])
    assert placed(v) == {1: (3, 1), 2: (2, 1)}
    assert v.rows[0].bars[1].when == "00:30–01:30"
    new_york = shape(CAL, "week", TODAY, [late], [], ZoneInfo("America/New_York"), TODAY)
    assert placed(new_york) == {1: (2, 1)}  # 18:30 Tuesday there


def test_multi_day_items_span_their_days_and_are_clipped_to_the_view() -> None:
    install = Item(1, "Install", at(24, 9), at(26, 17))
    long = Item(2, "Loan machine", dt.date(2026, 11, 20), dt.date(2026, 12, 2))
    week = view("week", [install, long])
    assert placed(week) == {1: (2, 3), 2: (1, 7)}
    loan = next(b for b in week.rows[0].bars if b.item.id == 2)
    assert loan.continues_before and loan.continues_after
    inst = next(b for b in week.rows[0].bars if b.item.id == 1)
    assert not inst.continues_before and not inst.continues_after


def test_month_view_has_whole_weeks_and_items_in_the_right_week_row() -> None:
    v = view("month", [Item(1, "Mid month", at(18, 9), at(18, 10)),
                       Item(2, "Across weeks", dt.date(2026, 11, 28), dt.date(2026, 12, 1))])
    assert len(v.rows) == 6  # 1 November 2026 is a Sunday: 26 October .. 6 December
    assert v.rows[0].days[0].date == dt.date(2026, 10, 26) and v.rows[0].days[0].outside
    assert v.rows[-1].days[-1].date == dt.date(2026, 12, 6)
    assert not v.rows[1].days[0].outside
    assert placed(v, 3) == {1: (3, 1)}
    assert placed(v, 4) == {2: (6, 2)} and v.rows[4].bars[0].continues_after
    assert placed(v, 5) == {2: (1, 2)} and v.rows[5].bars[0].continues_before
    assert v.heading == "November 2026"


def test_people_view_has_a_row_per_person() -> None:
    items = [Item(1, "Jan's job", at(24, 9), at(24, 12), person=10),
             Item(2, "Temp's job", at(25, 9), at(25, 12), person=30, person_name="Temp"),
             Item(3, "Open job", at(26, 9), at(26, 12))]
    v = view("people", items, people=[Person(10, "Jan"), Person(20, "Sem")])
    assert [(r.label, r.key) for r in v.rows] == [("Jan", 10), ("Sem", 20), ("Temp", 30), ("Unassigned", None)]
    assert [placed(v, i) for i in range(4)] == [{1: (2, 1)}, {}, {2: (3, 1)}, {3: (4, 1)}]


def test_overlapping_items_of_one_person_are_flagged() -> None:
    items = [Item(1, "A", at(24, 9), at(24, 12), person=10), Item(2, "B", at(24, 11), at(24, 13), person=10),
             Item(3, "C", at(24, 13), at(24, 15), person=10),  # starts when B ends: no overlap
             Item(4, "D", at(24, 9), at(24, 12), person=20),  # same time, another person
             Item(5, "Week", at(23, 8), at(27, 17), person=20), Item(6, "E", at(25, 9), at(25, 10), person=20)]
    v = view("people", items, people=[Person(10, "Jan"), Person(20, "Sem")])
    flagged = {b.item.id for row in v.rows for b in row.bars if b.conflict}
    assert flagged == {1, 2, 4, 5, 6}
    assert v.conflicts == 5


def test_navigation_links_keep_view_and_date_in_the_url() -> None:
    week = view("week", [])
    assert (week.previous.url, week.next.url) == ("/plan?view=week&date=2026-11-18", "/plan?view=week&date=2026-12-02")
    assert week.today.url == "/plan?view=week&date=2026-11-25"
    assert [(s.label, s.url, s.current) for s in week.switch] == [
        ("Week", "/plan?view=week&date=2026-11-25", True), ("Month", "/plan?view=month&date=2026-11-25", False),
        ("People", "/plan?view=people&date=2026-11-25", False)]
    january = view("month", [], date=dt.date(2027, 1, 15))
    assert january.previous.url == "/plan?view=month&date=2026-12-01"
    assert january.next.url == "/plan?view=month&date=2027-02-01"
    assert parse(CAL, {"view": "year", "date": "soon"}, TODAY) == ("week", TODAY)
    assert parse(CAL, {"view": "month", "date": "2026-02-03"}, TODAY) == ("month", dt.date(2026, 2, 3))


def test_headings_follow_the_users_language() -> None:
    token = i18n.language.set("nl")
    try:
        assert view("month", []).heading == "November 2026"
        assert view("week", []).heading == "Week 48 · 23–29 nov 2026"
    finally:
        i18n.language.reset(token)
    assert view("week", []).heading == "Week 48 · 23\u2009–\u200929 Nov 2026"


# -- the page ---------------------------------------------------------------------

@pytest.fixture
async def planning(core_db: str, settings_for) -> AsyncIterator[tuple[Any, dict[str, int]]]:
    catalog: Catalog = discover(extra=(TASKBOARD,))
    register_apps(catalog.manifests.values())
    await lifecycle.install(catalog, ["taskboard"])
    ids = {login: (await make_user(login, roles=(role,)))["id"]
           for login, role in (("mia", "manager"), ("jan", "technician"), ("sem", "technician"))}
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:

        async def login(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield login, ids


async def scheduled(title: str, start: dt.datetime, end: dt.datetime, assignee: int | None) -> dict[str, Any]:
    return await records.create(Task, {"title": title, "assignee": assignee, "starts_at": start, "ends_at": end})


def bar(html: str, task_id: int) -> str:
    match = re.search(rf'<li class="cal-item[^"]*"\s+data-item="{task_id}"[^>]*>', html)
    assert match, f"task {task_id} not shown"
    return match.group(0)


async def test_people_timeline_page_shows_tasks_by_technician(planning) -> None:
    login, ids = planning
    jans = await scheduled("Install at <Kroon>", at(24, 9), at(26, 17), ids["jan"])
    sems = await scheduled("Repair", at(25, 9), at(25, 11), ids["sem"])
    clash = await scheduled("Service", at(25, 10), at(25, 12), ids["jan"])
    client = await login("mia")
    page = await client.get("/taskboard/calendar?view=people&date=2026-11-25", headers=HTML)
    assert page.status_code == 200
    rows = re.findall(r'<div class="cal-row" data-person="(\d*)">\s*<div class="cal-label">([^<]*)<', page.text)
    assert rows == [(str(ids["jan"]), "jan"), (str(ids["sem"]), "sem")]
    jan_row = page.text.split(f'data-person="{ids["jan"]}"')[1].split('data-person=')[0]
    assert str(jans["id"]) in jan_row and f'data-item="{sems["id"]}"' not in jan_row
    assert 'data-first="2026-11-24" data-last="2026-11-26"' in bar(page.text, jans["id"])
    assert "span-3" in bar(page.text, jans["id"]) and "is-conflict" in bar(page.text, jans["id"])
    assert "is-conflict" in bar(page.text, clash["id"]) and "is-conflict" not in bar(page.text, sems["id"])
    assert "Install at &lt;Kroon&gt;" in page.text and "<Kroon>" not in page.text
    assert page.text.count("cal-cell is-weekend") == 4  # Saturday and Sunday in both rows
    assert 'href="/taskboard/calendar?view=people&amp;date=2026-11-18"' in page.text
    assert f'href="/taskboard/board#board-tasks-card-{jans["id"]}"' in page.text


async def test_technicians_see_only_their_own_tasks_on_the_calendar(planning) -> None:
    login, ids = planning
    mine = await scheduled("Jan's install", at(24, 9), at(24, 12), ids["jan"])
    others = await scheduled("Sem's repair", at(24, 9), at(24, 12), ids["sem"])
    client = await login("jan")
    page = (await client.get("/taskboard/calendar?view=week&date=2026-11-25", headers=HTML)).text
    assert f'data-item="{mine["id"]}"' in page and f'data-item="{others["id"]}"' not in page


async def test_calendar_uses_the_company_time_zone(planning) -> None:
    login, ids = planning
    company = await Company.select().first().run()
    await records.update(Company, company["id"], {"timezone": "America/New_York"}, version=company["version"])
    late = await scheduled("Late call", dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC),
                           dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC), ids["jan"])
    client = await login("mia")
    page = (await client.get("/taskboard/calendar?view=week&date=2026-11-25", headers=HTML)).text
    assert 'data-first="2026-11-24"' in bar(page, late["id"])  # 21:00 Tuesday in New York
    assert "21:00–22:00" in page


async def test_htmx_navigation_gets_the_calendar_fragment(planning) -> None:
    login, ids = planning
    task = await scheduled("December job", at(2, 9, month=12), at(2, 10, month=12), ids["jan"])
    client = await login("mia")
    part = await client.get("/taskboard/calendar?view=month&date=2026-12-01",
                            headers={**HTML, "hx-request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert part.text.lstrip().startswith('<div class="cal cal-month" id="calendar-tasks"')
    assert 'data-first="2026-12-02"' in bar(part.text, task["id"])
    assert "December 2026" in part.text
    restored = await client.get("/taskboard/calendar?view=month&date=2026-12-01", headers={
        **HTML, "hx-request": "true", "hx-history-restore-request": "true"})
    assert "<html" in restored.text  # the back button after hx-push-url needs the whole page
