"""Service requests through HTTP: the public form (CSRF, rate limit, field errors, photos,
thank-you page in English and Dutch), the staff list, form, page and actions, the admin
pages and the dashboard tile."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from core.attachments import service as attachments
from core.testing import app_client, csrf_token, make_user, post_form, sign_in
from modules.field_service.services import request as requests
from modules.field_service.tests.request_setup import customer, machine, policy, team, technician

HTML = {"accept": "text/html"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {"contact_name": "Anouk Visser", "email": "anouk@dezwaan.nl", "phone": "", "serial": "KP-2291",
        "kind": "repair", "description": "Water under the machine every morning."}


@pytest.fixture
async def web(fs_db: str, catalog: Any, settings_for: Any) -> AsyncIterator[httpx.AsyncClient]:
    from core.app import create_app

    app = create_app(settings_for(fs_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        yield client


async def as_user(client: httpx.AsyncClient, login: str) -> httpx.AsyncClient:
    client.cookies.clear()
    assert (await sign_in(client, login)).status_code == 303
    return client


async def test_a_customer_sends_a_request_with_a_photo_and_gets_its_number(web: httpx.AsyncClient) -> None:
    zwaan = await customer()
    eq = await machine(zwaan, "KP-2291")
    page = await web.get("/field-service/request", headers=HTML)
    assert page.status_code == 200 and 'name="_csrf_token"' in page.text and 'enctype="multipart/form-data"' in page.text
    sent = await web.post("/field-service/request", data={**FORM, "_csrf_token": csrf_token(web)},
                          files=[("photos", ("drip.png", PNG, "image/png"))])
    assert sent.status_code == 303, sent.text[:500]
    thanks = await web.get(sent.headers["location"], headers=HTML)
    row = (await requests.Request.select().run())[0]
    assert thanks.status_code == 200 and row["number"] in thanks.text and "Thank you" in thanks.text
    assert (row["equipment"], row["partner"], row["channel"], row["state"]) == (eq, zwaan, "web", "new")
    assert [a["filename"] for a in await attachments.for_record("field_service_request", row["id"])] == ["drip.png"]
    # A reload of the thank-you page in a fresh session shows no number.
    web.cookies.clear()
    assert (await web.get("/field-service/request/thanks")).status_code == 303


async def test_the_form_speaks_dutch(web: httpx.AsyncClient) -> None:
    page = await web.get("/field-service/request?lang=nl", headers=HTML)
    assert "Serviceverzoek" in page.text and 'lang="nl"' in page.text
    sent = await post_form(web, "/field-service/request", {**FORM, "lang": "nl"})
    thanks = await web.get(sent.headers["location"], headers=HTML)
    assert "Uw verzoeknummer is" in thanks.text


async def test_the_public_form_refuses_without_csrf_token(web: httpx.AsyncClient) -> None:
    await web.get("/field-service/request")
    refused = await web.post("/field-service/request", data=FORM)
    assert refused.status_code == 403
    assert await requests.Request.count().run() == 0


async def test_the_public_form_shows_field_errors_and_saves_nothing(web: httpx.AsyncClient) -> None:
    await web.get("/field-service/request")
    bad = await post_form(web, "/field-service/request", {**FORM, "contact_name": "", "email": "not-an-address",
                                                          "description": ""}, headers=HTML)
    assert bad.status_code == 400 and bad.text.count('class="field-error"') == 3
    assert "This field is required." in bad.text and "Enter an e-mail address" in bad.text
    assert 'value="KP-2291"' in bad.text  # what was typed stays
    unreachable = await post_form(web, "/field-service/request", {**FORM, "email": ""}, headers=HTML)
    assert unreachable.status_code == 400 and "Give an e-mail address or a phone number" in unreachable.text
    not_photo = await web.post("/field-service/request", data={**FORM, "_csrf_token": csrf_token(web)},
                               files=[("photos", ("invoice.pdf", b"%PDF-1.4 x", "application/pdf"))])
    assert not_photo.status_code == 400 and "is not a photo" in not_photo.text
    fake = await web.post("/field-service/request", data={**FORM, "_csrf_token": csrf_token(web)},
                          files=[("photos", ("fake.png", b"GIF89a....", "image/png"))])
    assert fake.status_code == 400 and "do not match its extension" in fake.text
    assert await requests.Request.count().run() == 0


async def test_the_public_form_is_rate_limited_per_address(web: httpx.AsyncClient) -> None:
    await web.get("/field-service/request")
    for _ in range(5):
        assert (await post_form(web, "/field-service/request", FORM)).status_code == 303
    refused = await post_form(web, "/field-service/request", FORM, headers=HTML)
    assert refused.status_code == 429 and "Too many requests" in refused.text
    assert await requests.Request.count().run() == 5


async def test_staff_take_in_assign_pause_and_convert_a_request(web: httpx.AsyncClient) -> None:
    await make_user("eva", roles=("manager",))
    await policy("Standard", response="4", resolution="16")
    noord = await team("Noord")
    jan = await technician("jan", noord)
    zwaan = await customer()
    client = await as_user(web, "eva")
    assert (await client.get("/field-service/requests/new", headers=HTML)).status_code == 200
    refused = await post_form(client, "/field-service/requests/new", {"kind": "repair", "priority": "normal",
                                                                     "channel": "phone", "description": ""})
    assert refused.status_code == 400 and "This field is required." in refused.text
    made = await post_form(client, "/field-service/requests/new", {
        "partner": str(zwaan), "contact_name": "Anouk", "kind": "repair", "priority": "normal", "channel": "phone",
        "description": "Grinder makes noise"})
    assert made.status_code == 303
    url = made.headers["location"]
    page = await client.get(url, headers=HTML)
    assert page.status_code == 200 and "Grinder makes noise" in page.text and "Response due" in page.text
    assert "badge badge-ok" in page.text
    assigned = await post_form(client, f"{url}/assign", {"assignee": str(jan), "team": str(noord), "version": "1"})
    assert assigned.status_code == 303
    version = re.search(r'/wait\?state=waiting_parts&amp;version=(\d+)', (await client.get(url)).text)
    assert version
    waited = await post_form(client, f"{url}/wait?state=waiting_parts&version={version.group(1)}", {})
    assert waited.status_code == 303
    stale = await post_form(client, f"{url}/resume?version=1", {})
    follow = await client.get(stale.headers["location"], headers=HTML)
    assert "Someone changed this request meanwhile" in follow.text
    row = (await requests.Request.select().run())[0]
    assert row["state"] == "waiting_parts" and row["assignee"] == jan
    converted = await post_form(client, f"{url}/work-order?version={row['version']}", {})
    assert converted.status_code == 303 and converted.headers["location"].startswith("/field-service/work-orders/")
    listing = await client.get("/field-service/requests?open=no", headers=HTML)
    assert row["number"] in listing.text and "Converted" in listing.text
    assert row["number"] not in (await client.get("/field-service/requests", headers=HTML)).text


async def test_closing_needs_a_reason(web: httpx.AsyncClient) -> None:
    await make_user("eva", roles=("manager",))
    row = await requests.create({"partner": await customer(), "description": "Noise", "contact_name": "A"})
    client = await as_user(web, "eva")
    url = f"/field-service/requests/{row['id']}"
    empty = await post_form(client, f"{url}/close", {"reason": " ", "version": str(row["version"])}, headers=HTML)
    assert empty.status_code == 400 and "Say why the request is closed." in empty.text
    done = await post_form(client, f"{url}/close", {"reason": "Duplicate of an earlier call",
                                                    "version": str(row["version"])})
    assert done.status_code == 303 and (await requests.get(row["id"]))["state"] == "closed"
    page = await client.get(url, headers=HTML)
    assert "Duplicate of an earlier call" in page.text and f"{url}/close" not in page.text


async def test_a_technician_sees_only_requests_assigned_to_them(web: httpx.AsyncClient) -> None:
    jan, sem = await technician("jan"), await technician("sem")
    zwaan = await customer()
    mine = await requests.create({"partner": zwaan, "description": "Mine", "contact_name": "A", "assignee": jan})
    theirs = await requests.create({"partner": zwaan, "description": "Theirs", "contact_name": "B", "assignee": sem})
    client = await as_user(web, "jan")
    listing = await client.get("/field-service/requests", headers=HTML)
    assert mine["number"] in listing.text and theirs["number"] not in listing.text
    assert (await client.get(f"/field-service/requests/{theirs['id']}")).status_code == 404
    assert (await post_form(client, f"/field-service/requests/{theirs['id']}/close", {"reason": "x"})).status_code == 404
    assert (await client.get("/field-service/sla-policies/new")).status_code == 403


async def test_admin_pages_and_the_dashboard_tile(web: httpx.AsyncClient) -> None:
    await make_user("eva", roles=("manager",))
    client = await as_user(web, "eva")
    made = await post_form(client, "/field-service/calendars/new", {"name": "Office", "weekdays": "12345",
                                                                   "day_start": "08:00", "day_end": "17:00"})
    assert made.status_code == 303
    bad = await post_form(client, "/field-service/calendars/new", {"name": "Bad", "weekdays": "12345",
                                                                  "day_start": "17:00", "day_end": "08:00"})
    assert bad.status_code == 400 and "The day must end after it starts." in bad.text
    made = await post_form(client, "/field-service/sla-policies/new", {
        "name": "Standard", "priority": "normal", "response_hours": "4", "resolution_hours": "16",
        "warn_percent": "80", "active": "1"})
    assert made.status_code == 303
    bad = await post_form(client, "/field-service/routing-rules/new", {"name": "Nobody", "sequence": "10",
                                                                      "method": "manual", "active": "1"})
    assert bad.status_code == 400 and "A manual rule needs a team or a technician." in bad.text
    for path in ("/field-service/sla-policies", "/field-service/calendars", "/field-service/routing-rules",
                 "/field-service/holidays"):
        assert (await client.get(path, headers=HTML)).status_code == 200, path
    await requests.create({"partner": await customer(), "description": "Noise", "contact_name": "A"})
    home = await client.get("/", headers=HTML)
    assert "Open requests by SLA state" in home.text and "1 open request" in home.text
