"""The job type pages through HTTP: the list with search and filters, the form (field errors,
nothing saved, stale edits refused), the page with its checklist (points added, edited,
moved and removed through real forms with CSRF, htmx getting only the checklist), and
technicians reading the standard without changing it."""

from __future__ import annotations

from decimal import Decimal as D

from core.testing import make_user, post_form
from modules.field_service.models.job_type import CheckTemplate, JobType
from modules.field_service.services import job_type as job_types

PATH = "/field-service/job-types"
HTML = {"accept": "text/html"}
HTMX = {**HTML, "hx-request": "true", "hx-target": "job-type-checklist"}
FORM = {"name": "Espresso repair", "kind": "repair", "duration_minutes": "90", "skills": "Espresso, grinder",
        "hourly_rate": "75,00", "active": "1"}
POINT = {"label": "Brew pressure", "kind": "measure", "unit": "bar", "minimum": "8,5", "maximum": "9.5",
         "required": "1"}


async def standard() -> int:
    jt = (await job_types.create({"name": "Espresso repair", "kind": "repair", "duration_minutes": 90,
                                  "hourly_rate": D(75)}))["id"]
    await job_types.add_check(jt, {**POINT, "minimum": D("8.5"), "maximum": D("9.5")})
    await job_types.add_check(jt, {"label": "Leak test", "kind": "passfail", "required": True})
    return int(jt)


async def test_a_manager_makes_a_job_type_through_the_form(client_as) -> None:
    await make_user("mia", roles=("manager",))
    client = await client_as("mia")
    form = await client.get(f"{PATH}/new", headers=HTML)
    assert form.status_code == 200 and 'name="duration_minutes"' in form.text and 'name="labour_product"' in form.text
    refused = await post_form(client, f"{PATH}/new", {**FORM, "duration_minutes": "0"}, headers=HTML)
    assert refused.status_code == 400 and "At least 1." in refused.text
    assert await JobType.count().run() == 0  # nothing half-written
    made = await post_form(client, f"{PATH}/new", FORM)
    assert made.status_code == 303
    page = (await client.get(made.headers["location"], headers=HTML)).text
    assert "Espresso repair" in page and "Quality standard" in page and "espresso, grinder" in page
    assert "No checklist yet" in page and 'action="/field-service/job-types/' in page and "History" in page
    twice = await post_form(client, f"{PATH}/new", FORM, headers=HTML)
    assert twice.status_code == 400 and await JobType.count().run() == 1


async def test_a_stale_edit_of_the_job_type_is_refused(client_as) -> None:
    await make_user("mia", roles=("manager",))
    jt = await standard()
    client = await client_as("mia")
    saved = await post_form(client, f"{PATH}/{jt}/edit", {**FORM, "duration_minutes": "120", "version": "1"})
    assert saved.status_code == 303
    stale = await post_form(client, f"{PATH}/{jt}/edit", {**FORM, "duration_minutes": "30", "version": "1"},
                            headers=HTML)
    assert stale.status_code == 409
    assert (await job_types.get(jt))["duration_minutes"] == 120


async def test_the_list_searches_and_filters_by_kind(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await standard()
    await job_types.create({"name": "Yearly service", "kind": "preventive", "duration_minutes": 120})
    client = await client_as("mia")
    listing = (await client.get(PATH, headers=HTML)).text
    assert "Espresso repair" in listing and "Yearly service" in listing
    preventive = (await client.get(f"{PATH}?kind=preventive", headers=HTML)).text
    assert "Yearly service" in preventive and "Espresso repair" not in preventive
    found = (await client.get(f"{PATH}?q=espresso", headers=HTML)).text
    assert "Espresso repair" in found and "Yearly service" not in found


async def test_points_are_added_with_field_errors_and_htmx_gets_only_the_checklist(client_as) -> None:
    await make_user("mia", roles=("manager",))
    jt = (await job_types.create({"name": "Grinder service", "kind": "repair", "duration_minutes": 60}))["id"]
    client = await client_as("mia")
    refused = await post_form(client, f"{PATH}/{jt}/checks", {**POINT, "unit": "", "maximum": "7"}, headers=HTML)
    assert refused.status_code == 400
    assert "A measurement needs a unit" in refused.text and "The maximum cannot be below the minimum." in refused.text
    assert 'value="8,5"' in refused.text  # what was typed is kept
    assert await CheckTemplate.count().run() == 0
    added = await post_form(client, f"{PATH}/{jt}/checks", POINT)
    assert added.status_code == 303
    fragment = await post_form(client, f"{PATH}/{jt}/checks", {"label": "Burr <b>wear</b>", "kind": "photo"},
                               headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="job-type-checklist"' in fragment.text and "Point added to the checklist." in fragment.text
    assert "Burr &lt;b&gt;wear&lt;/b&gt;" in fragment.text and "8.5 – 9.5 bar" in fragment.text
    points = await job_types.checks(jt)
    assert [(p["label"], p["required"]) for p in points] == [("Brew pressure", True), ("Burr <b>wear</b>", False)]


async def test_a_point_is_edited_moved_and_removed_and_stale_versions_are_refused(client_as) -> None:
    await make_user("mia", roles=("manager",))
    jt = await standard()
    pressure, leak = await job_types.checks(jt)
    client = await client_as("mia")
    editing = await client.get(f"{PATH}/{jt}?edit={pressure['id']}", headers=HTML)
    assert "Edit point 1" in editing.text and 'value="8.5"' in editing.text
    url = f"{PATH}/{jt}/checks/{pressure['id']}"
    saved = await post_form(client, url, {**POINT, "maximum": "10", "version": "1"})
    assert saved.status_code == 303
    stale = await post_form(client, url, {**POINT, "maximum": "11", "version": "1"}, headers=HTMX)
    assert "Someone changed this point meanwhile" in stale.text
    assert (await job_types.checks(jt))[0]["maximum"] == D(10)
    moved = await post_form(client, f"{PATH}/{jt}/checks/{leak['id']}/move",
                            {"direction": "up", "version": str(leak["version"])}, headers=HTMX)
    assert "Checklist order saved." in moved.text
    assert [p["label"] for p in await job_types.checks(jt)] == ["Leak test", "Brew pressure"]
    gone = await post_form(client, f"{PATH}/{jt}/checks/{leak['id']}/remove", {"version": "1"})
    assert gone.status_code == 303 and len(await job_types.checks(jt)) == 2  # moved on: version 1 is stale
    current = next(p for p in await job_types.checks(jt) if p["id"] == leak["id"])
    gone = await post_form(client, f"{PATH}/{jt}/checks/{leak['id']}/remove", {"version": str(current["version"])})
    assert gone.status_code == 303 and [p["label"] for p in await job_types.checks(jt)] == ["Brew pressure"]
    history = (await client.get(f"{PATH}/{jt}?tab=history", headers=HTML)).text
    assert "Checklist" in history and "Leak test (passfail)" in history


async def test_a_technician_reads_the_standard_but_cannot_change_it(client_as) -> None:
    await make_user("tom", roles=("technician",))
    jt = await standard()
    pressure = (await job_types.checks(jt))[0]
    client = await client_as("tom")
    assert "Espresso repair" in (await client.get(PATH, headers=HTML)).text
    page = (await client.get(f"{PATH}/{jt}", headers=HTML)).text
    assert "Brew pressure" in page and "Add a point" not in page and "/checks/" not in page
    assert (await client.get(f"{PATH}/new", headers=HTML)).status_code == 403
    assert (await client.get(f"{PATH}/{jt}/edit", headers=HTML)).status_code == 403
    for url, data in ((f"{PATH}/{jt}/checks", POINT), (f"{PATH}/{jt}/checks/{pressure['id']}/remove", {"version": "1"}),
                      (f"{PATH}/{jt}/checks/{pressure['id']}/move", {"direction": "down", "version": "1"})):
        assert (await post_form(client, url, data, headers=HTML)).status_code == 403, url
    assert len(await job_types.checks(jt)) == 2
    without_csrf = await client.post(f"{PATH}/{jt}/checks", data=POINT, headers=HTML)
    assert without_csrf.status_code == 403
