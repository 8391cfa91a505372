"""The work order pages through HTTP: the list with its filters, the form (field errors,
nothing saved), the page with its tabs and state buttons, parts and time through real
forms with CSRF, and technicians seeing only their own orders (404 elsewhere, IDOR)."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

from core.testing import make_user, post_form
from modules.field_service.models.work_order import CheckLine, PartLine, WorkOrder
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.conftest import article, customer, job_type, machine, technician
from modules.warehouse.models.location import Location

PATH = "/field-service/work-orders"
HTML = {"accept": "text/html"}
START = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)


async def planned_order(user: int, **kw) -> dict:
    partner = await customer()
    wo = await work_orders.create_work_order(partner, equipment=await machine(partner), **kw)
    return await work_orders.schedule(wo["id"], user, START, START + dt.timedelta(hours=2))


async def test_a_manager_creates_a_work_order_through_the_form(client_as) -> None:
    await make_user("mia", roles=("manager",))
    partner, jt = await customer(), await job_type()
    client = await client_as("mia")
    form = await client.get(f"{PATH}/new", headers=HTML)
    assert form.status_code == 200 and 'name="partner"' in form.text
    refused = await post_form(client, f"{PATH}/new", {"partner": "", "kind": "repair", "priority": "normal"},
                              headers=HTML)
    assert refused.status_code == 400 and "This field is required." in refused.text
    assert await WorkOrder.count().run() == 0  # nothing half-written
    made = await post_form(client, f"{PATH}/new", {"partner": str(partner), "kind": "repair", "priority": "high",
                                                   "job_type": str(jt), "description": "Leaks <b>water</b>"})
    assert made.status_code == 303
    url = made.headers["location"]
    page = (await client.get(url, headers=HTML)).text
    assert "WO/" in page and "Leaks &lt;b&gt;water&lt;/b&gt;" in page and "Brew pressure" in page
    assert "Checklist" in page and "Parts" in page and "Technicians" in page and "History" in page
    assert "/state/cancelled" in page and "/state/done" not in page  # new: only what is allowed


async def test_the_list_searches_and_filters_by_state_and_technician(client_as) -> None:
    await make_user("mia", roles=("manager",))
    jan, _ = await technician("jan")
    sem, _ = await technician("sem")
    mine = await planned_order(jan)
    other = await planned_order(sem)
    await work_orders.transition(other["id"], "cancelled", reason="Not needed")
    client = await client_as("mia")
    listing = (await client.get(PATH, headers=HTML)).text
    assert mine["number"] in listing and other["number"] in listing
    by_state = (await client.get(f"{PATH}?state=cancelled", headers=HTML)).text
    assert other["number"] in by_state and mine["number"] not in by_state
    by_tech = (await client.get(f"{PATH}?technician={jan}", headers=HTML)).text
    assert mine["number"] in by_tech and other["number"] not in by_tech
    found = (await client.get(f"{PATH}?q={mine['number']}", headers=HTML)).text
    assert mine["number"] in found and other["number"] not in found


async def test_a_technician_sees_and_touches_only_their_own_work_orders(client_as) -> None:
    jan, _ = await technician("jan")
    sem, _ = await technician("sem")
    mine, theirs = await planned_order(jan), await planned_order(sem)
    client = await client_as("jan")
    listing = (await client.get(PATH, headers=HTML)).text
    assert mine["number"] in listing and theirs["number"] not in listing
    assert (await client.get(f"{PATH}/{mine['id']}", headers=HTML)).status_code == 200
    assert (await client.get(f"{PATH}/{theirs['id']}", headers=HTML)).status_code == 404
    assert (await client.get(f"{PATH}/{theirs['id']}/edit", headers=HTML)).status_code == 404
    for action in ("state/in_progress", "check-in", "time", "parts", "crew", "sign"):
        answer = await post_form(client, f"{PATH}/{theirs['id']}/{action}", {"minutes": "30", "user": str(jan)},
                                 headers=HTML)
        assert answer.status_code == 404, action
    assert (await work_orders.get(theirs["id"]))["state"] == "scheduled"
    export = await client.get(f"{PATH}/export.csv")
    assert mine["number"] in export.text and theirs["number"] not in export.text
    # Billing and overrides are a manager's.
    assert (await post_form(client, f"{PATH}/{mine['id']}/bill", {}, headers=HTML)).status_code == 403


async def test_a_technician_does_the_job_through_the_page(client_as) -> None:
    gasket = await article()
    jan, van = await technician("jan", stock={gasket: 4})
    wo = await planned_order(jan, job_type=await job_type(checks=(("Leak test", "passfail", None, None),)))
    client = await client_as("jan")
    url = f"{PATH}/{wo['id']}"
    assert (await post_form(client, f"{url}/check-in", {})).status_code == 303
    assert (await work_orders.get(wo["id"]))["state"] == "in_progress"
    planned = await post_form(client, f"{url}/parts", {"product": str(gasket), "planned": "2"})
    assert planned.status_code == 303 and planned.headers["location"].endswith("?tab=parts")
    line = await PartLine.select().where(PartLine.work_order == wo["id"]).first().run()
    assert line["reserved"] == Decimal(2) and line["location"] == van
    await post_form(client, f"{url}/parts/{line['id']}/used", {"used": "1"})
    await post_form(client, f"{url}/time", {"user": str(jan), "kind": "work", "minutes": "45", "billable": "1"})
    refused = await post_form(client, f"{url}/state/done?version={(await work_orders.get(wo['id']))['version']}", {})
    assert refused.status_code == 303
    flash = (await client.get(refused.headers["location"], headers=HTML)).text
    assert "checklist is not complete" in flash and "Leak test" in flash
    point = await CheckLine.select().where(CheckLine.work_order == wo["id"]).first().run()
    await post_form(client, f"{url}/checks/{point['id']}", {"passed": "pass", "version": str(point["version"])})
    page = (await client.get(url, headers=HTML)).text
    version = re.search(r'/state/done\?version=(\d+)', page)
    assert version, "no Mark done button"
    assert (await post_form(client, f"{url}/state/done?version={version.group(1)}", {})).status_code == 303
    done = await work_orders.get(wo["id"])
    assert done["state"] == "done"
    tab = (await client.get(f"{url}?tab=parts", headers=HTML)).text
    assert "Taken from stock" in tab


async def test_the_history_shows_the_labels_of_state_and_billing_not_their_codes(client_as) -> None:
    await make_user("mia", roles=("manager",))
    jan, _ = await technician("jan")
    wo = await planned_order(jan)
    await work_orders.transition(wo["id"], "in_progress")
    await work_orders.transition(wo["id"], "done")  # nothing chargeable: not billable
    client = await client_as("mia")
    history = (await client.get(f"{PATH}/{wo['id']}?tab=history", headers=HTML)).text
    assert re.search(r'State</span>\s*<span class="history-old">In progress</span>[^\n]*history-new">Done<', history)
    assert re.search(r'Billing state</span>\s*<span class="history-old">To bill</span>[^\n]*'
                     r'history-new">Not billable<', history)
    assert re.search(r'Priority</span>\s*<span class="history-new">Normal<', history)  # as created
    assert 'history-new">done<' not in history and ">to_bill<" not in history


async def test_the_history_names_the_stock_location_a_plain_integer_points_at(client_as) -> None:
    await make_user("mia", roles=("manager",))
    jan, van = await technician("jan")
    wo = await planned_order(jan)
    await work_orders.update(wo["id"], {"stock_location": van}, version=wo["version"])
    client = await client_as("mia")
    history = (await client.get(f"{PATH}/{wo['id']}?tab=history", headers=HTML)).text
    name = (await Location.select(Location.name).where(Location.id == van).first().run())["name"]
    assert re.search(r'Stock location</span>\s*[^\n]*?history-new">' + re.escape(html.escape(name)) + "<", history)
    assert f'history-new">{van}<' not in history


async def test_hold_needs_a_reason_page_and_a_stale_button_is_refused(client_as) -> None:
    await make_user("mia", roles=("manager",))
    jan, _ = await technician("jan")
    wo = await planned_order(jan)
    client = await client_as("mia")
    url = f"{PATH}/{wo['id']}"
    form = await client.get(f"{url}/state/on_hold", headers=HTML)
    assert form.status_code == 200 and 'name="reason"' in form.text
    await post_form(client, f"{url}/state/on_hold", {"reason": "", "version": str(wo["version"])})
    assert (await work_orders.get(wo["id"]))["state"] == "scheduled"
    await post_form(client, f"{url}/state/on_hold", {"reason": "Waiting for the customer",
                                                     "version": str(wo["version"])})
    held = await work_orders.get(wo["id"])
    assert held["state"] == "on_hold" and held["hold_reason"] == "Waiting for the customer"
    stale = await post_form(client, f"{url}/state/cancelled", {"reason": "x", "version": str(wo["version"])})
    assert stale.status_code == 303 and (await work_orders.get(wo["id"]))["state"] == "on_hold"
