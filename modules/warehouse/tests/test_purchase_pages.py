"""The purchasing pages: supplier prices, purchase orders (lines, price-break hints,
state buttons, receiving with serials, the PDF), reordering rules with "Order now",
the "Below minimum" tile, and who may do what."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.app import create_app
from core.jobs.models import JobRun
from core.modules.discovery import Catalog
from core.partners.models import Partner
from core.testing import app_client, make_user, post_form, sign_in
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.purchase import PurchaseLine, PurchaseOrder, SupplierPrice
from modules.warehouse.models.reorder_rule import ReorderRule
from modules.warehouse.services import purchase as purchases
from modules.warehouse.tests.conftest import product, shelf, supplier
from modules.warehouse.tests.test_purchase import price, tiered

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "hx-request": "true", "hx-target": "lines"}
PO = "/warehouse/purchase-orders"
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


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+" role="status">(.*?)</p>', html)


async def follow(client: httpx.AsyncClient, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text[:500]
    return (await client.get(response.headers["location"], headers=HTML)).text


async def test_a_purchaser_drafts_an_order_and_the_hint_adds_what_reaches_the_next_tier(client_as) -> None:
    await make_user("piet", roles=("purchaser",))
    p, s = await tiered()
    loc = await shelf()
    client = await client_as("piet")
    form = (await client.get(f"{PO}/new", headers=HTML)).text
    assert "Lombarda Parts S.r.l." in form and "DB/Stock" in form
    page = await follow(client, await post_form(client, f"{PO}/new", {
        "supplier": str(s), "destination": str(loc), "note": "Deliver at the back door"}, headers=HTML))
    [order] = await PurchaseOrder.select().run()
    assert order["number"] in page and "add its lines" in page
    page = await follow(client, await post_form(client, f"{PO}/{order['id']}/lines",
                                                {"product": str(p), "quantity": "6", "unit_price": ""}, headers=HTML))
    assert "Order 4 more for the next price tier (€12.50 instead of €14.00)." in page
    assert "LP-5800" in page and "€84.00" in page
    [line] = await PurchaseLine.select().run()
    quick = await post_form(client, f"{PO}/{order['id']}/lines/{line['id']}/more", {"more": "4"}, headers=HTMX)
    page = await follow(client, quick)
    [line] = await PurchaseLine.select().run()
    assert (line["quantity"], line["unit_price"]) == (10, Decimal("12.50"))
    assert "Order 40 more for the next price tier (€11.00 instead of €12.50)." in page and "€125.00" in page
    page = await follow(client, await post_form(client, f"{PO}/{order['id']}/lines/{line['id']}/edit",
                                                {"quantity": "0", "unit_price": "12.50", "version": line["version"]},
                                                headers=HTML))
    assert "Order a quantity above zero." in flashes(page)[0]
    page = await follow(client, await post_form(client, f"{PO}/{order['id']}/lines/{line['id']}/delete",
                                                {"version": line["version"]}, headers=HTML))
    assert await PurchaseLine.count().run() == 0 and "No lines yet." in page


async def test_confirming_then_receiving_with_serials_completes_the_order(client_as) -> None:
    await make_user("eva", roles=("manager",))
    p, s, loc = await product("MTR-230", tracking="serial"), await supplier(), await shelf()
    order = await purchases.create(s, loc)
    await purchases.add_line(order["id"], p, Decimal(2), Decimal("180"))
    client = await client_as("eva")
    page = await follow(client, await post_form(client, f"{PO}/{order['id']}/confirm", {}, headers=HTML))
    assert "Order confirmed" in page and f"{PO}/{order['id']}/receive" in page and "IN/" in page
    form = (await client.get(f"{PO}/{order['id']}/receive", headers=HTML)).text
    [move_id] = re.findall(r'name="qty_(\d+)"', form)
    assert f'name="serials_{move_id}"' in form
    wrong = await post_form(client, f"{PO}/{order['id']}/receive",
                            {f"qty_{move_id}": "2", f"serials_{move_id}": "SN-A1"}, headers=HTML)
    assert wrong.status_code == 400 and "Enter 2 serial numbers for MTR-230" in wrong.text
    assert "SN-A1</textarea>" in wrong.text  # what was typed stays
    page = await follow(client, await post_form(client, f"{PO}/{order['id']}/receive",
                                                {f"qty_{move_id}": "2", f"serials_{move_id}": "SN-A1\nSN-A2"},
                                                headers=HTML))
    assert "Received: the order is complete." in page and "Received" in page
    assert sorted(r["name"] for r in await Lot.select(Lot.name).where(Lot.location == loc).run()) == ["SN-A1", "SN-A2"]
    again = await follow(client, await post_form(client, f"{PO}/{order['id']}/cancel", {}, headers=HTML))
    assert "can no longer change" in flashes(again)[0]
    pdf = await client.get(f"/reports/warehouse_purchase_order/{order['id']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert order["number"].replace("/", "-") in pdf.headers["content-disposition"]


async def test_send_queues_the_mail_job_or_says_why_it_cannot(client_as) -> None:
    await make_user("piet", roles=("purchaser",))
    p, s = await tiered()
    order = await purchases.create(s, await shelf())
    await purchases.add_line(order["id"], p, Decimal(6))
    client = await client_as("piet")
    page = await follow(client, await post_form(client, f"{PO}/{order['id']}/send", {}, headers=HTML))
    assert "has no e-mail address" in flashes(page)[0]
    await Partner.update({Partner.email: "ordini@lombarda.example"}).where(Partner.id == s).run()
    page = await follow(client, await post_form(client, f"{PO}/{order['id']}/send", {}, headers=HTML))
    assert "being mailed" in flashes(page)[0]
    [run] = await JobRun.select().where(JobRun.job == "warehouse.send_purchase_order").run()
    assert json.loads(run["args"])[0] == order["id"]


async def test_warehouse_staff_receive_but_do_not_buy_and_technicians_see_nothing(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    await make_user("jan", roles=("technician",))
    p, s, loc = await product(), await supplier(), await shelf()
    order = await purchases.create(s, loc)
    await purchases.add_line(order["id"], p, Decimal(5), Decimal(3))
    await purchases.confirm(order["id"])
    client = await client_as("pieter")
    assert (await client.get(f"{PO}/{order['id']}", headers=HTML)).status_code == 200
    assert (await post_form(client, f"{PO}/{order['id']}/cancel", {}, headers=HTML)).status_code == 403
    assert (await client.get(f"{PO}/{order['id']}/receive", headers=HTML)).status_code == 200
    client = await client_as("jan")
    assert (await client.get(PO, headers=HTML)).status_code == 403
    assert (await client.get("/warehouse/reorder-rules", headers=HTML)).status_code == 403


async def test_supplier_prices_are_kept_with_the_kit_pages(client_as) -> None:
    await make_user("piet", roles=("purchaser",))
    p, s = await product("GSK-58"), await supplier()
    client = await client_as("piet")
    bad = await post_form(client, "/warehouse/supplier-prices/new", {
        "product": str(p), "supplier": str(s), "min_qty": "10", "price": "12,50", "lead_days": "5",
        "valid_from": "2026-06-01", "valid_to": "2026-05-01"}, headers=HTML)
    assert bad.status_code == 400 and "The end of validity cannot be before its start." in bad.text
    page = await follow(client, await post_form(client, "/warehouse/supplier-prices/new", {
        "product": str(p), "supplier": str(s), "supplier_code": "LP-5800", "min_qty": "10", "price": "12,50",
        "lead_days": "5"}, headers=HTML))
    assert "GSK-58 · Lombarda Parts S.r.l." in page and "€12.50" in page
    listing = (await client.get("/warehouse/supplier-prices?q=lombarda", headers=HTML)).text
    assert "LP-5800" in listing and await SupplierPrice.count().run() == 1


async def test_reorder_rules_show_the_forecast_and_order_now(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    p, s, loc = await product("GSK-58"), await supplier(), await shelf()
    await price(p, s, "1", "14.00")
    client = await client_as("pieter")
    bad = await post_form(client, "/warehouse/reorder-rules/new", {
        "product": str(p), "location": str(loc), "min_qty": "5", "max_qty": "2", "multiple": "1",
        "supplier": str(s), "lead_days": "0", "active": "1"}, headers=HTML)
    assert bad.status_code == 400 and "The maximum cannot be below the minimum." in bad.text
    page = await follow(client, await post_form(client, "/warehouse/reorder-rules/new", {
        "product": str(p), "location": str(loc), "min_qty": "5", "max_qty": "20", "multiple": "10",
        "supplier": str(s), "lead_days": "3", "active": "1"}, headers=HTML))
    [rule] = await ReorderRule.select().run()
    assert "GSK-58 @ DB/Stock" in page and "Below minimum" in page
    page = await follow(client, await post_form(client, f"/warehouse/reorder-rules/{rule['id']}/order-now", {},
                                                headers=HTML))
    [order] = await PurchaseOrder.select().run()
    assert f"1 purchase order(s) drafted or extended ({order['number']})" in flashes(page)[0]
    assert order["origin"] == "reorder" and (await PurchaseLine.select().first().run())["quantity"] == 20
    assert order["number"] in page  # the rule's page lists its open order
    page = await follow(client, await post_form(client, "/warehouse/reorder-rules/order-now", {}, headers=HTML))
    assert "Reordering runs now" in flashes(page)[0]
    assert await JobRun.count().where(JobRun.job == "warehouse.reorder").run() == 1
    home = (await client.get("/", headers=HTML)).text
    assert "Below minimum" in home and "Nothing is below its minimum." in home  # ordered: forecast 20
