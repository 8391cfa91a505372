"""The dispatch board's render cache: an unchanged board is served again (with the session's
own CSRF token), and every kind of change to what it shows, made through the services or by
plain SQL from elsewhere, shows on the next request."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from piccolo.querystring import QueryString

from core.app import create_app
from core.auth import users
from core.db import records, sequence
from core.db.engine import current
from core.modules.discovery import Catalog
from core.partners.models import Partner
from core.testing import app_client, csrf_token, make_user, post_form, sign_in
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.job_type import JobType
from modules.field_service.models.request import Request
from modules.field_service.models.technician import Absence, Team, Technician
from modules.field_service.models.work_order import Assignment, WorkOrder
from modules.field_service.services import dispatch
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.conftest import article, customer, job_type, technician
from modules.field_service.tests.test_dispatch import MONDAY, at, text

BOARD = f"/field-service/dispatch?view=week&date={MONDAY.isoformat()}"


@pytest.fixture
async def client(fs_db: str, catalog: Catalog, settings_for: Any) -> AsyncIterator[httpx.AsyncClient]:
    await make_user("dora", roles=("dispatcher",))
    app = create_app(settings_for(fs_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as c:
        assert (await sign_in(c, "dora")).status_code == 303
        yield c


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per board built from the database (not served from the cache)."""
    made: list[int] = []
    build = dispatch.board

    async def counting(*args: Any, **kwargs: Any) -> dispatch.Board:
        made.append(1)
        return await build(*args, **kwargs)

    monkeypatch.setattr(dispatch, "board", counting)
    return made


async def shown(client: httpx.AsyncClient) -> str:
    response = await client.get(BOARD)
    assert response.status_code == 200
    return text(response.text)


async def test_an_unchanged_board_is_served_again_with_the_sessions_own_token(
        client: httpx.AsyncClient, builds: list[int]) -> None:
    jan, _van = await technician("jan")
    planned, waiting = await work_orders.create_work_order(await customer()), \
        await work_orders.create_work_order(await customer("Bakkerij Bolle"))
    await work_orders.schedule(planned["id"], jan, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    first = await client.get(BOARD)
    again = await client.get(BOARD, headers={"hx-request": "true"})
    assert len(builds) == 1
    assert again.text in first.text and "Bakkerij Bolle" in again.text  # the same board, as a block
    # Another session of the same user: the same board, with that session's token in its forms.
    old_token = csrf_token(client)
    client.cookies.clear()
    assert (await sign_in(client, "dora")).status_code == 303
    assert csrf_token(client) != old_token
    page = await client.get(BOARD)
    assert len(builds) == 1
    assert old_token not in page.text and page.text.count(f'value="{csrf_token(client)}"') >= 2
    planned_now = await post_form(client, "/field-service/dispatch/schedule", {
        "work_order": waiting["id"], "version": waiting["version"], "user": jan, "day": MONDAY.isoformat(),
        "time": "14:00", "view": "week", "date": MONDAY.isoformat()})
    assert planned_now.status_code == 303
    assert "14:00–15:00" in await shown(client)
    assert len(builds) == 2


async def test_every_kind_of_change_shows_on_the_next_board(client: httpx.AsyncClient, builds: list[int]) -> None:
    jan, _van = await technician("jan")
    zwaan = await customer()
    machine = await records.create(Equipment, {"product": await article(), "serial": "SN-1", "partner": zwaan,
                                               "city": "Tilburg"})
    req = await records.create(Request, {"number": await sequence.next_number("field_service.request"),
                                         "partner": zwaan, "resolution_due": at(MONDAY, "17:00")})
    kind = await job_type()
    waiting = await work_orders.create_work_order(zwaan, equipment=machine["id"], job_type=kind, request=req["id"])
    planned = await work_orders.create_work_order(zwaan)
    await work_orders.schedule(planned["id"], jan, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    before = await shown(client)
    assert "10:00–11:00" in before and "Tilburg" in before and "Café De Zwaan" in before
    assert await shown(client) == before and len(builds) == 1  # unchanged: served again

    async def row(table: Any, record_id: int) -> dict[str, Any]:
        return await table.select().where(table._meta.primary_key == record_id).first().run()

    async def change_shows(expected: str, gone: str = "") -> None:
        built = len(builds)
        now = await shown(client)
        assert len(builds) == built + 1
        assert expected in now and (not gone or gone not in now)

    # Work order (its priority on the waiting card).
    await records.update(WorkOrder, waiting["id"], {"priority": "urgent"}, version=(await row(WorkOrder, waiting["id"]))["version"])
    await change_shows("Urgent")
    # Assignment alone (its planned time), without touching the work order.
    await Assignment.update({Assignment.planned_start: at(MONDAY, "13:00"),
                             Assignment.planned_end: at(MONDAY, "14:00")}).where(
        Assignment.work_order == planned["id"]).run()
    await change_shows("13:00–14:00", gone="10:00–11:00")
    # Technician (working hours end before the job: a conflict).
    tech = await Technician.select(Technician.id, Technician.version).where(Technician.user == jan).first().run()
    await records.update(Technician, tech["id"], {"day_end": "12:00"}, version=tech["version"])
    await change_shows("Outside the working hours")
    # Absence.
    await records.create(Absence, {"user": jan, "start_date": MONDAY + dt.timedelta(days=1),
                                   "end_date": MONDAY + dt.timedelta(days=1), "reason": "Course"})
    await change_shows("Absent")
    # Team (the team filter lists it).
    await records.create(Team, {"name": "Noord"})
    await change_shows("Noord")
    # Job type (its name on the waiting card).
    await records.update(JobType, kind, {"name": "Yearly descaling"}, version=(await row(JobType, kind))["version"])
    await change_shows("Yearly descaling")
    # Service request (its deadline on the waiting card).
    await records.update(Request, req["id"], {"resolution_due": at(MONDAY, "09:15")},
                         version=(await row(Request, req["id"]))["version"])
    await change_shows("09:15")
    # Equipment (the site's city on the waiting card).
    await records.update(Equipment, machine["id"], {"city": "Zwolle"}, version=(await row(Equipment, machine["id"]))["version"])
    await change_shows("Zwolle", gone="Tilburg")
    # Customer (a core table: no trigger, its version is checked).
    await records.update(Partner, zwaan, {"name": "Café De Gans"}, version=(await row(Partner, zwaan))["version"])
    await change_shows("Café De Gans", gone="Café De Zwaan")
    # Technician's user name (core's security version).
    jan_row = await users.get_user(jan)
    assert jan_row is not None
    await users.edit_user(0, jan, users.UserInput(name="Jan Smit", email="", language="en", roles=("technician",)),
                          version=jan_row["version"])
    await change_shows("Jan Smit")
    # Plain SQL, as another process or a script would write: the triggers still see it.
    await current().run_querystring(QueryString(
        "UPDATE field_service_work_order SET number = {} WHERE id = {}", "WO/SQL/1", planned["id"]))
    await change_shows("WO/SQL/1")
