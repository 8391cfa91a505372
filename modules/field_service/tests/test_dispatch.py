"""The dispatch board: planning by POST (a drop or the side form) through the work order
service, conflicts flagged on cards, ineligible technicians refused, unscheduled work in
SLA-deadline order."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import AsyncIterator, Callable
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.app import create_app
from core.auth.current import load_user
from core.db import records, sequence
from core.modules.discovery import Catalog
from core.registry import load as load_registry
from core.testing import app_client, make_user, post_form, sign_in
from modules.field_service.models.request import Request
from modules.field_service.models.technician import Absence
from modules.field_service.models.work_order import Assignment, WorkOrder
from modules.field_service.services import dispatch
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.conftest import customer, job_type, technician

TZ = ZoneInfo("Europe/Amsterdam")
MONDAY = dt.date(2026, 6, 1)
Login = Callable[[str], Any]


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), TZ)


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
async def login(fs_db: str, catalog: Catalog, settings_for: Any) -> AsyncIterator[Login]:
    app = create_app(settings_for(fs_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:

        async def as_user(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield as_user


async def order(partner: int | None = None, **values: Any) -> dict[str, Any]:
    return await work_orders.create_work_order(partner or await customer(), **values)


async def slot_form(wo: dict[str, Any], user: int, day: dt.date, time: str = "", **extra: Any) -> dict[str, Any]:
    return {"work_order": wo["id"], "version": wo["version"], "user": user, "day": day.isoformat(), "time": time,
            "view": "week", "date": day.isoformat(), **extra}


async def test_planning_by_post_schedules_the_order_on_the_technician(login: Login) -> None:
    await make_user("dora", roles=("dispatcher",))
    jan, _van = await technician("jan")
    wo = await order(job_type=await job_type())
    client = await login("dora")
    response = await post_form(client, "/field-service/dispatch/schedule", await slot_form(wo, jan, MONDAY, "10:30"))
    assert response.status_code == 303
    assert response.headers["location"] == f"/field-service/dispatch?view=week&date={MONDAY.isoformat()}"
    saved = await WorkOrder.select().where(WorkOrder.id == wo["id"]).first().run()
    assert saved["state"] == "scheduled"
    assert saved["scheduled_start"] == at(MONDAY, "10:30")
    assert saved["scheduled_end"] == at(MONDAY, "12:00")  # the job type's 90 minutes
    lead = await Assignment.select().where(Assignment.work_order == wo["id"]).run()
    assert [(a["user"], a["lead"]) for a in lead] == [(jan, True)]
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert f'data-wo="{wo["id"]}"' in page.text and "10:30" in text(page.text)


async def test_without_a_time_the_order_takes_the_first_free_slot_and_htmx_gets_the_board(login: Login) -> None:
    await make_user("dora", roles=("dispatcher",))
    jan, _van = await technician("jan")
    first = await order()
    await work_orders.schedule(first["id"], jan, at(MONDAY, "08:00"), at(MONDAY, "09:30"))
    wo = await order()
    client = await login("dora")
    response = await post_form(client, "/field-service/dispatch/schedule", await slot_form(wo, jan, MONDAY),
                               headers={"hx-request": "true"})
    assert response.status_code == 200
    assert 'id="dispatch"' in response.text and "<html" not in response.text  # the board block only
    assert "planned" in text(response.text)
    saved = await WorkOrder.select().where(WorkOrder.id == wo["id"]).first().run()
    assert saved["scheduled_start"] == at(MONDAY, "09:30")


async def test_planning_needs_the_csrf_token_and_the_dispatch_permission(login: Login) -> None:
    jan, _van = await technician("jan")
    wo = await order()
    client = await login("jan")
    assert (await client.get("/field-service/dispatch")).status_code == 403
    assert (await post_form(client, "/field-service/dispatch/schedule",
                            await slot_form(wo, jan, MONDAY, "10:00"))).status_code == 403
    await make_user("dora", roles=("dispatcher",))
    client = await login("dora")
    refused = await client.post("/field-service/dispatch/schedule", data=await slot_form(wo, jan, MONDAY, "10:00"))
    assert refused.status_code == 403
    assert (await WorkOrder.select(WorkOrder.state).where(WorkOrder.id == wo["id"]).first().run())["state"] == "new"


async def test_bad_input_and_stale_versions_are_refused_with_a_message(login: Login) -> None:
    await make_user("dora", roles=("dispatcher",))
    jan, _van = await technician("jan")
    wo = await order()
    client = await login("dora")
    bad = await post_form(client, "/field-service/dispatch/schedule",
                          {**await slot_form(wo, jan, MONDAY), "day": "someday", "time": "25:00"})
    assert bad.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in text(bad.text) and "Enter a time as HH:MM" in text(bad.text)
    stale = await post_form(client, "/field-service/dispatch/schedule",
                            {**await slot_form(wo, jan, MONDAY, "10:00"), "version": wo["version"] + 5})
    assert stale.status_code == 409
    unknown = await post_form(client, "/field-service/dispatch/schedule",
                              {**await slot_form(wo, jan, MONDAY, "10:00"), "work_order": 999999})
    assert unknown.status_code == 404
    assert (await WorkOrder.select(WorkOrder.state).where(WorkOrder.id == wo["id"]).first().run())["state"] == "new"


async def test_reassigning_to_an_absent_or_unskilled_technician_is_refused(login: Login) -> None:
    await make_user("dora", roles=("dispatcher",))
    jan, _van = await technician("jan")
    sem, _van2 = await technician("sem")
    await records.create(Absence, {"user": sem, "start_date": MONDAY, "end_date": MONDAY + dt.timedelta(days=4),
                                   "reason": "Holiday"})
    wo = await order()
    saved = await work_orders.schedule(wo["id"], jan, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    client = await login("dora")
    moved = await post_form(client, "/field-service/dispatch/schedule",
                            await slot_form(saved, sem, MONDAY, from_user=jan), headers={"hx-request": "true"})
    assert moved.status_code == 400
    assert "absent" in text(moved.text) and "Holiday" in text(moved.text)
    assert [a["user"] for a in await Assignment.select().where(Assignment.work_order == wo["id"]).run()] == [jan]
    # A job type needing a skill jan lacks: moving it even within jan's week is refused.
    from modules.field_service.models.job_type import JobType

    jt = await job_type("Grinder overhaul")
    row = await JobType.select().where(JobType.id == jt).first().run()
    await records.update(JobType, jt, {"skills": "grinder"}, version=row["version"])
    other = await order(job_type=jt)
    refused = await post_form(client, "/field-service/dispatch/schedule", await slot_form(other, jan, MONDAY, "13:00"))
    assert refused.status_code == 400
    assert "lacks the skills grinder" in text(refused.text)
    assert (await WorkOrder.select(WorkOrder.state).where(WorkOrder.id == other["id"]).first().run())["state"] == "new"


async def test_dragging_a_card_to_another_technician_hands_the_job_over(login: Login) -> None:
    await make_user("dora", roles=("dispatcher",))
    jan, _van = await technician("jan")
    sem, _van2 = await technician("sem")
    wo = await order()
    saved = await work_orders.schedule(wo["id"], jan, at(MONDAY, "14:00"), at(MONDAY, "15:00"))
    client = await login("dora")
    tuesday = MONDAY + dt.timedelta(days=1)
    moved = await post_form(client, "/field-service/dispatch/schedule", await slot_form(saved, sem, tuesday, from_user=jan))
    assert moved.status_code == 303
    assignments = await Assignment.select().where(Assignment.work_order == wo["id"]).run()
    assert [(a["user"], a["planned_start"], a["planned_end"]) for a in assignments] == [
        (sem, at(tuesday, "14:00"), at(tuesday, "15:00"))]  # same time of day, same length


async def test_conflicts_are_flagged_on_the_cards(fs_db: str, catalog: Catalog) -> None:
    dora = await make_user("dora", roles=("dispatcher",))
    jan, _van = await technician("jan")
    a, b, late = await order(), await order(), await order()
    await work_orders.schedule(a["id"], jan, at(MONDAY, "09:00"), at(MONDAY, "11:00"))
    await work_orders.schedule(b["id"], jan, at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    await work_orders.schedule(late["id"], jan, at(MONDAY, "16:30"), at(MONDAY, "18:00"))
    # Absent after the planning was made: the board shows it.
    wednesday = MONDAY + dt.timedelta(days=2)
    away = await order()
    await work_orders.schedule(away["id"], jan, at(wednesday, "09:00"), at(wednesday, "10:00"))
    await records.create(Absence, {"user": jan, "start_date": wednesday, "end_date": wednesday, "reason": "Sick"})
    user = await load_user(dora["id"])
    assert user is not None
    registry = await load_registry(catalog)
    board = await dispatch.board("week", MONDAY, registry, user, tz=TZ, today=MONDAY)
    problems = {j.id: " ".join(j.problems) for j in board.conflicts}
    assert set(problems) == {a["id"], b["id"], late["id"], away["id"]}
    assert "Overlaps another job" in problems[a["id"]] and "Overlaps another job" in problems[b["id"]]
    assert "Outside the working hours" in problems[late["id"]] and "Overlaps" not in problems[late["id"]]
    assert "absent" in problems[away["id"]]
    lane = board.lanes[0]
    assert lane.absent == frozenset({wednesday}) and MONDAY + dt.timedelta(days=5) in lane.off
    day = await dispatch.board("day", MONDAY, registry, user, tz=TZ, today=MONDAY)
    cols = {b.job.id: (b.col, b.span) for b in day.lanes[0].bars}
    assert cols[a["id"]] == (3, 2) and cols[late["id"]] == (10, 2)  # 09:00-11:00, 16:30-18:00 (from 07:00)


async def test_unscheduled_work_is_ordered_by_deadline_then_priority(fs_db: str, catalog: Catalog) -> None:
    dora = await make_user("dora", roles=("dispatcher",))
    partner = await customer()

    async def with_request(due: dt.datetime | None, priority: str) -> int:
        req = await records.create(Request, {"number": await sequence.next_number("field_service.request"),
                                             "partner": partner, "priority": priority, "resolution_due": due})
        return int((await order(partner, request=req["id"], priority=priority))["id"])

    later = await with_request(at(MONDAY, "17:00"), "low")
    urgent_no_due = await with_request(None, "urgent")
    soon = await with_request(at(MONDAY, "09:00"), "normal")
    low_no_due = await with_request(None, "low")
    high_no_due = int((await order(partner, priority="high"))["id"])
    planned = await order(partner, priority="urgent")
    jan, _van = await technician("jan")
    await work_orders.schedule(planned["id"], jan, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    user = await load_user(dora["id"])
    assert user is not None
    registry = await load_registry(catalog)
    jobs, count = await dispatch.unscheduled(registry, user)
    assert [j.id for j in jobs] == [soon, later, urgent_no_due, high_no_due, low_no_due]
    assert count == 5
