"""The returns, vendor claims, repairs and counts pages through HTTP: real forms with CSRF,
htmx fragments for line actions, the printed documents, and 403 without the permission."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.app import create_app
from core.db import records
from core.modules.discovery import Catalog
from core.partners.models import Partner
from core.testing import app_client, make_user, post_form, sign_in
from modules.warehouse.models.count import Count
from modules.warehouse.models.rma import Return, VendorClaim
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import count, repair, rma
from modules.warehouse.tests.conftest import product, shelf, supplier
from modules.warehouse.tests.test_rma import lot_id, sold, where_is
from modules.warehouse.tests.test_stock import on_hand, receive

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "hx-request": "true"}
Login = Callable[[str], Any]


@pytest.fixture
async def client_as(warehouse_db: str, catalog: Catalog, settings_for) -> AsyncIterator[Login]:
    app = create_app(settings_for(warehouse_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:

        async def login(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield login


async def customer() -> int:
    return int((await records.create(Partner, {"name": "Café De Kroon", "is_customer": True,
                                               "city": "Utrecht"}))["id"])


def record_id(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text[:500]
    return int(response.headers["location"].rstrip("/").rsplit("/", 1)[1])


async def test_a_return_is_made_received_and_its_lines_settled_through_the_pages(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    grinder, main, returns_shelf = await product("GRD-E65", tracking="serial"), await shelf("Stock"), await shelf(
        "Returns")
    gasket = await product("GSK-58")
    await sold(grinder, main, ["SN-100"])
    cafe = await customer()
    client = await client_as("pieter")

    listing = await client.get("/warehouse/returns", headers=HTML)
    assert listing.status_code == 200 and "New return" in listing.text
    assert (await client.get("/warehouse/returns/new", headers=HTML)).status_code == 200
    rid = record_id(await post_form(client, "/warehouse/returns/new", {"partner": str(cafe), "origin": "OUT/7"}))
    ret = await rma.get(rid)
    assert ret["number"].startswith("RMA/") and ret["partner"] == cafe
    found = (await client.get("/warehouse/returns?q=Kroon", headers=HTMX)).text
    assert ret["number"] in found and "<html" not in found
    assert ret["number"] not in (await client.get("/warehouse/returns?q=Zwaan", headers=HTMX)).text

    url = f"/warehouse/returns/{rid}"
    added = await post_form(client, f"{url}/lines", {"product": str(grinder), "serial": "SN-100", "quantity": "1",
                                                     "reason": "Motor hums"}, headers=HTMX)
    assert added.status_code == 200 and added.text.lstrip().startswith('<section id="rma-lines"')
    assert "SN-100" in added.text and "Line added." in added.text and "<html" not in added.text
    refused = await post_form(client, f"{url}/lines", {"product": str(grinder), "quantity": "1"}, headers=HTML)
    assert refused.status_code == 400 and "Enter the serial number." in refused.text
    assert record_id(await post_form(client, f"{url}/lines", {"product": str(gasket), "quantity": "2,0"})) == rid

    received = await post_form(client, f"{url}/receive", {"location": str(returns_shelf)})
    assert received.status_code == 303
    assert (await rma.get(rid))["state"] == "received" and await where_is("SN-100") == returns_shelf
    page = (await client.get(url, headers=HTML)).text
    assert "The goods are received and in stock." in page and "Return to vendor" in page
    assert f'href="/reports/warehouse_rma_form/{rid}.pdf"' in page

    grinder_line, gasket_line = [r["id"] for r in await rma.lines(rid)]
    form = await client.get(f"{url}/lines/{grinder_line}/outcome/return_to_vendor", headers=HTMX)
    assert form.status_code == 200 and "Supplier&#39;s claim number" in form.text
    lombarda = await supplier()
    missing = await post_form(client, f"{url}/lines/{grinder_line}/outcome/return_to_vendor", {}, headers=HTMX)
    assert missing.status_code == 200 and "This field is required." in missing.text
    shipped = await post_form(client, f"{url}/lines/{grinder_line}/outcome/return_to_vendor",
                              {"supplier": str(lombarda), "claim_number": "LP-1", "credit_expected": "120"},
                              headers=HTMX)
    assert shipped.status_code == 200 and "a vendor claim was drafted" in shipped.text
    claim = await VendorClaim.select().where(VendorClaim.return_line == grinder_line).first().run()
    assert claim["credit_expected"] == Decimal("120") and claim["supplier"] == lombarda

    # The last line settles the return: htmx is sent to the reloaded page.
    scrapped = await post_form(client, f"{url}/lines/{gasket_line}/outcome/scrap", {}, headers=HTMX)
    assert scrapped.status_code == 200 and scrapped.headers["hx-redirect"] == url
    assert (await rma.get(rid))["state"] == "done" and await on_hand(gasket, returns_shelf) == 0
    again = await post_form(client, f"{url}/lines/{gasket_line}/outcome/scrap", {})
    assert again.status_code == 303
    assert await Transfer.count().where(Transfer.kind == "scrap").run() == 1
    assert "already done" in (await client.get(url, headers=HTML)).text

    pdf = await client.get(f"/reports/warehouse_rma_form/{rid}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    preview = (await client.get(f"/reports/warehouse_rma_form/{rid}.html")).text
    assert "SN-100" in preview and "Motor hums" in preview and "Café De Kroon" in preview


async def test_a_vendor_claim_is_taken_through_its_states_on_its_page(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    lombarda, pump = await supplier(), await product("PMP-ULKA")
    client = await client_as("pieter")
    cid = record_id(await post_form(client, "/warehouse/vendor-claims/new", {
        "supplier": str(lombarda), "product": str(pump), "quantity": "1", "credit_expected": "38,50",
        "claim_number": "LP-9"}))
    url = f"/warehouse/vendor-claims/{cid}"
    page = (await client.get(url, headers=HTML)).text
    assert "Submit to supplier" in page and "VC/" in page
    assert (await post_form(client, f"{url}/state/accept", {})).status_code == 303
    assert (await VendorClaim.select(VendorClaim.state).where(VendorClaim.id == cid).first().run())[
        "state"] == "draft"
    assert "cannot be accepted" in (await client.get(url, headers=HTML)).text
    for action in ("submit", "accept"):
        assert (await post_form(client, f"{url}/state/{action}", {})).status_code == 303
    refused = await post_form(client, f"{url}/state/credit", {"credit_received": "lots"}, headers=HTML)
    assert refused.status_code == 400 and "Enter a number." in refused.text
    assert (await post_form(client, f"{url}/state/credit", {"credit_received": "35,00"})).status_code == 303
    row = await VendorClaim.select().where(VendorClaim.id == cid).first().run()
    assert row["state"] == "credited" and row["credit_received"] == Decimal("35.00")
    assert row["due_on"] == row["submitted_on"] + dt.timedelta(days=30)
    listing = (await client.get("/warehouse/vendor-claims?state=credited", headers=HTML)).text
    assert row["number"] in listing
    await receive(await product("GRD-E65", tracking="serial"), await shelf(), 1, serials=["MZ-0117"])
    serials = (await client.get("/warehouse/vendor-claims/serials?q=0117", headers=HTMX)).text
    assert "MZ-0117 (GRD-E65)" in serials


async def test_repairs_are_sent_and_received_back_and_the_overdue_show_in_red(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    grinder, main = await product("GRD-E65", tracking="serial"), await shelf("Stock")
    await receive(grinder, main, 3, serials=["SN-1", "SN-2", "SN-LOAN"])
    cafe, fixer = await customer(), await supplier("Mazzer Service Center")
    client = await client_as("pieter")
    assert "Send for repair" in (await client.get("/warehouse/repairs/new", headers=HTML)).text
    form = {"product": str(grinder), "serial": "SN-1", "quantity": "1", "source": str(main),
            "repairer": str(fixer), "carrier": "DHL", "tracking_number": "JD014", "loaner": "SN-LOAN",
            "customer": str(cafe), "expected_return": (dt.date.today() - dt.timedelta(days=2)).isoformat()}
    sent = await post_form(client, "/warehouse/repairs/new", form)
    assert sent.status_code == 303 and sent.headers["location"] == "/warehouse/repairs"
    assert await where_is("SN-LOAN") != main
    refused = await post_form(client, "/warehouse/repairs/new", {**form, "serial": "SN-404", "loaner": ""},
                              headers=HTML)
    assert refused.status_code == 400 and "SN-404 is unknown" in refused.text

    listing = await client.get("/warehouse/repairs", headers=HTML)
    [row] = re.findall(r'<tr id="repair-\d+" class="overdue">', listing.text)
    assert "JD014" in listing.text and "Mazzer Service Center" in listing.text
    [out] = await repair.listing("out")
    back = await post_form(client, f"/warehouse/repairs/{out['id']}/receive",
                           {"location": str(main), "view": "all", "q": ""}, headers=HTMX)
    assert back.status_code == 200 and back.text.lstrip().startswith('<section id="repairs-rows"')
    assert "Back from repair" in back.text and 'class="overdue"' not in back.text
    assert await where_is("SN-1") == main and await where_is("SN-LOAN") == main
    assert await repair.listing("out") == []


async def test_a_count_sheet_is_filled_in_line_by_line_and_applied(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    gasket, filters, loc = await product("GSK-58"), await product("FLT-01"), await shelf()
    await receive(gasket, loc, 12)
    await receive(filters, loc, 4)
    client = await client_as("pieter")
    places = (await client.get("/warehouse/counts/locations?q=Stock", headers=HTMX)).text
    assert f'value="{loc}"' in places and "Virtual" not in places
    cid = record_id(await post_form(client, "/warehouse/counts/new", {"location": str(loc)}))
    url = f"/warehouse/counts/{cid}"
    page = (await client.get(url, headers=HTML)).text
    assert "Count sheet" in page and 'form="count-sheet"' in page
    assert f'href="/reports/warehouse_count_sheet/{cid}.pdf"' in page
    lines = {r["product_code"]: r["id"] for r in await count.lines(cid)}

    row = await post_form(client, f"{url}/lines/{lines['GSK-58']}", {f"counted-{lines['GSK-58']}": "10"},
                          headers=HTMX)
    assert row.status_code == 200 and row.text.lstrip().startswith(f'<tr id="count-line-{lines["GSK-58"]}"')
    assert "-2" in row.text and "count-diff" in row.text
    wrong = await post_form(client, f"{url}/lines/{lines['FLT-01']}", {"counted": "four"}, headers=HTMX)
    assert wrong.status_code == 200 and "Enter a number." in wrong.text and 'value="four"' in wrong.text
    # Without JavaScript the whole sheet is one form.
    saved = await post_form(client, f"{url}/lines", {f"counted-{lines['FLT-01']}": "5",
                                                     f"counted-{lines['GSK-58']}": "10"})
    assert saved.status_code == 303
    assert (await count.get(cid))["state"] == "counting"
    assert (await post_form(client, f"{url}/apply", {})).status_code == 303
    assert await on_hand(gasket, loc) == 10 and await on_hand(filters, loc) == 5
    assert "Count applied" in (await client.get(url, headers=HTML)).text

    preview = (await client.get(f"/reports/warehouse_count_sheet/{cid}.html")).text
    assert "GSK-58" in preview and 'class="blank"' in preview
    pdf = await client.get(f"/reports/warehouse_count_sheet/{cid}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_the_overdue_tile_is_on_the_dashboard(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    grinder, main = await product("GRD-E65", tracking="serial"), await shelf()
    await receive(grinder, main, 1, serials=["SN-1"])
    await repair.send(repair.Shipment(product=grinder, quantity=Decimal(1), source=main,
                                      repairer=await supplier("Fix-It"), lot=await lot_id("SN-1"),
                                      expected_return=dt.date.today() - dt.timedelta(days=3)))
    home = (await (await client_as("pieter")).get("/", headers=HTML)).text
    assert "Overdue repairs and claims" in home and "3 days late" in home


async def test_pages_and_actions_need_the_permission(client_as) -> None:
    await make_user("tom", roles=("technician",))
    await make_user("pieter", roles=("warehouse",))
    loc = await shelf()
    ret = await rma.create(await customer())
    opened = await count.open(loc)
    client = await client_as("tom")
    for url in ("/warehouse/returns", f"/warehouse/returns/{ret['id']}", "/warehouse/vendor-claims",
                "/warehouse/repairs", "/warehouse/counts", f"/warehouse/counts/{opened['id']}",
                f"/reports/warehouse_rma_form/{ret['id']}.pdf"):
        assert (await client.get(url, headers=HTML)).status_code == 403, url
    for url, data in ((f"/warehouse/returns/{ret['id']}/cancel", {}),
                      ("/warehouse/returns/new", {"partner": "1"}),
                      (f"/warehouse/counts/{opened['id']}/apply", {}),
                      ("/warehouse/repairs/new", {})):
        assert (await post_form(client, url, data, headers=HTML)).status_code == 403, url
    assert (await rma.get(ret["id"]))["state"] == "draft"
    assert (await Return.count().run(), await Count.count().run()) == (1, 1)


async def test_an_action_without_the_csrf_token_is_refused(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    ret = await rma.create(await customer())
    client = await client_as("pieter")
    refused = await client.post(f"/warehouse/returns/{ret['id']}/cancel", data={}, headers=HTML)
    assert refused.status_code == 403
    assert (await rma.get(ret["id"]))["state"] == "draft"





async def test_a_returned_unit_is_sent_for_repair_from_its_line(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    grinder, main, returns_shelf = await product("GRD-E65", tracking="serial"), await shelf("Stock"), await shelf(
        "Returns")
    await sold(grinder, main, ["SN-100"])
    await receive(grinder, main, 1, serials=["SN-SPARE"])
    ret = await rma.create(await customer())
    line = await rma.add_line(ret["id"], grinder, Decimal(1), serial="SN-100")
    await rma.receive(ret["id"], returns_shelf)
    client = await client_as("pieter")
    url = f"/warehouse/returns/{ret['id']}/lines/{line['id']}/outcome/repair"
    form = await client.get(url, headers=HTML)  # without JavaScript: the whole page with the form open
    assert form.status_code == 200 and "<html" in form.text and "Loaner serial number" in form.text
    fixer = await supplier("Mazzer Service Center")
    sent = await post_form(client, url, {"repairer": str(fixer), "carrier": "DHL", "tracking_number": "JD1",
                                         "expected_return": "2030-01-31", "loaner": "SN-SPARE"})
    assert sent.status_code == 303
    [out] = await repair.listing("out")
    assert (out["origin"], out["carrier"], out["expected_return"]) == (ret["number"], "DHL", dt.date(2030, 1, 31))
    assert await where_is("SN-SPARE") != main
    listing = (await client.get("/warehouse/repairs", headers=HTML)).text
    assert "Deliver to Café De Kroon" in listing


async def test_the_history_tab_of_a_return_swaps_in_with_htmx(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    ret = await rma.create(await customer(), origin="OUT/7")
    client = await client_as("pieter")
    tab = await client.get(f"/warehouse/returns/{ret['id']}?tab=history",
                           headers={**HTMX, "hx-target": "detail-tabs"})
    assert tab.status_code == 200 and 'id="detail-tabs"' in tab.text and "OUT/7" in tab.text
    lines = await client.get(f"/warehouse/returns/{ret['id']}", headers={**HTMX, "hx-target": "rma-lines"})
    assert lines.text.lstrip().startswith('<section id="rma-lines"')
