""""My day": a technician works through today's job over HTTP (check in, checklist with a
measurement out of tolerance and a photo, parts from the van, time, signature, complete),
and never reaches another technician's job."""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import re
import struct
import zlib
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.app import create_app
from core.modules.discovery import Catalog
from core.testing import app_client, post_form, sign_in
from core.web.kit.calendar import firm_timezone
from modules.field_service.models.work_order import (
    Assignment,
    CheckLine,
    PartLine,
    TimeEntry,
    WorkOrder,
)
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.conftest import article, customer, job_type, technician
from modules.warehouse.services import stock

Login = Callable[[str], Any]


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def png(width: int = 4, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
async def login(fs_db: str, catalog: Catalog, settings_for: Any) -> AsyncIterator[Login]:
    app = create_app(settings_for(fs_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:

        async def as_user(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield as_user


_NAMES = itertools.count(1)


async def todays_job(user: int, *, checks: Any = None) -> dict[str, Any]:
    tz = await firm_timezone()
    start = dt.datetime.combine(dt.datetime.now(tz).date(), dt.time(9), tz)
    name = f"Espresso repair {next(_NAMES)}"
    jt = await job_type(name, checks=checks) if checks is not None else await job_type(name)
    partner = await customer("Hotel Aurora")
    wo = await work_orders.create_work_order(partner, job_type=jt, description="Boiler leaks at the group head")
    return await work_orders.schedule(wo["id"], user, start, start + dt.timedelta(hours=2))


async def test_a_technician_completes_todays_job_on_my_day(login: Login, tmp_path: Any) -> None:
    gasket = await article("GSK-58")
    jan, van = await technician("jan", stock={gasket: 5})
    wo = await todays_job(jan, checks=(("Brew pressure", "measure", "8.5", "9.5"), ("Leak test", "passfail", None, None),
                                       ("Group head photo", "photo", None, None)))
    client = await login("jan")
    day = await client.get("/field-service/my-day")
    assert day.status_code == 200
    assert "Hotel Aurora" in day.text and "Markt 21" in text(day.text) and wo["number"] in day.text
    base = f"/field-service/my-day/{wo['id']}"

    assert (await post_form(client, f"{base}/check-in", {})).status_code == 303
    assert (await WorkOrder.select(WorkOrder.state).where(WorkOrder.id == wo["id"]).first().run())["state"] == "in_progress"

    lines = {ln["label"]: ln for ln in await CheckLine.select().where(CheckLine.work_order == wo["id"]).run()}
    measured = await post_form(client, f"{base}/checks/{lines['Brew pressure']['id']}", {"value": "10,2"},
                               headers={"hx-request": "true"})
    assert measured.status_code == 200 and "out of tolerance" in text(measured.text)
    assert 'id="job"' in measured.text and "<html" not in measured.text
    assert (await post_form(client, f"{base}/checks/{lines['Leak test']['id']}", {"passed": "yes"})).status_code == 303
    photo = await client.post(f"{base}/checks/{lines['Group head photo']['id']}/photo",
                              data={"_csrf_token": client.cookies.get("steward_csrf")},
                              files={"photo": ("head.png", png(), "image/png")})
    assert photo.status_code == 303, photo.text

    assert (await post_form(client, f"{base}/parts", {"product": gasket, "used": "2"})).status_code == 303
    assert (await post_form(client, f"{base}/time", {"kind": "travel", "minutes": "25"})).status_code == 303
    bad_time = await post_form(client, f"{base}/time", {"kind": "work", "minutes": "lots"})
    assert bad_time.status_code == 400 and "whole number" in text(bad_time.text)

    fresh = await work_orders.get(wo["id"])
    data_url = "data:image/png;base64," + base64.b64encode(png(60, 20)).decode()
    signed = await post_form(client, f"{base}/sign", {"signature": data_url, "signed_by": "M. Jansen",
                                                       "version": fresh["version"]})
    assert signed.status_code == 303
    unsigned = await post_form(client, f"{base}/sign", {"signature": "", "signed_by": "M. Jansen"})
    assert unsigned.status_code == 400 and "PNG image" in text(unsigned.text)

    assert (await post_form(client, f"{base}/check-out", {})).status_code == 303
    fresh = await work_orders.get(wo["id"])
    done = await post_form(client, f"{base}/complete", {"version": fresh["version"], "work_done": "Replaced gasket"})
    assert done.status_code == 303
    page = await client.get(base)
    assert "is done" in text(page.text)

    saved = await work_orders.get(wo["id"])
    assert saved["state"] == "done" and saved["work_done"] == "Replaced gasket" and saved["signed_by"] == "M. Jansen"
    line = await PartLine.select().where(PartLine.work_order == wo["id"]).first().run()
    assert line["used"] == Decimal(2) and line["consumed"] is True
    assert await stock.available(gasket, van) == Decimal(3)
    assert [t["kind"] for t in await TimeEntry.select().where(TimeEntry.work_order == wo["id"]).order_by(
        TimeEntry.id).run()][0] == "travel"
    check = await CheckLine.select().where(CheckLine.id == lines["Brew pressure"]["id"]).first().run()
    assert check["out_of_tolerance"] is True and check["value"] == Decimal("10.2")
    assignment = await Assignment.select().where(Assignment.work_order == wo["id"]).first().run()
    assert assignment["actual_start"] is not None and assignment["actual_end"] is not None


async def test_completing_with_an_open_checklist_is_refused_with_the_reason(login: Login) -> None:
    jan, _van = await technician("jan")
    wo = await todays_job(jan)
    client = await login("jan")
    base = f"/field-service/my-day/{wo['id']}"
    await post_form(client, f"{base}/check-in", {})
    fresh = await work_orders.get(wo["id"])
    refused = await post_form(client, f"{base}/complete", {"version": fresh["version"]})
    assert refused.status_code == 400
    assert "checklist is not complete" in text(refused.text) and "Brew pressure" in text(refused.text)
    assert (await work_orders.get(wo["id"]))["state"] == "in_progress"


async def test_another_technicians_job_is_not_found(login: Login) -> None:
    jan, _van = await technician("jan")
    sem, _van2 = await technician("sem")
    wo = await todays_job(jan)
    line = await CheckLine.select().where(CheckLine.work_order == wo["id"]).first().run()
    mine = await todays_job(sem)
    client = await login("sem")
    day = await client.get("/field-service/my-day")
    assert mine["number"] in day.text and wo["number"] not in day.text
    base = f"/field-service/my-day/{wo['id']}"
    assert (await client.get(base)).status_code == 404
    for path, form in (("check-in", {}), (f"checks/{line['id']}", {"value": "9"}), ("time", {"minutes": "5"}),
                       ("parts", {"product": "1", "used": "1"}), ("complete", {})):
        assert (await post_form(client, f"{base}/{path}", form)).status_code == 404, path
    # A checklist point of jan's job, posted through sem's own job, is not found either.
    other = await post_form(client, f"/field-service/my-day/{mine['id']}/checks/{line['id']}", {"value": "9"})
    assert other.status_code == 404
    assert (await work_orders.get(wo["id"]))["state"] == "scheduled"
    assert (await CheckLine.select().where(CheckLine.id == line["id"]).first().run())["value"] is None
