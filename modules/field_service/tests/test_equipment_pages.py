"""Equipment, contract and plan pages through HTTP: forms with CSRF and inline errors, the
list's search and warranty filter, the detail page's badges and tabs, the partner page
slot, the QR label and history sheet PDFs, and what a technician may not do."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from core.app import create_app
from core.modules.discovery import Catalog
from core.testing import app_client, make_user, post_form, sign_in
from modules.field_service.models import Equipment, MaintenancePlan
from modules.field_service.services import plan as plans
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.conftest import article, customer, job_type, machine

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "hx-request": "true"}
PATH = "/field-service/equipment"
Login = Callable[[str], Any]


@pytest.fixture
async def client_as(fs_db: str, catalog: Catalog, settings_for: Any) -> AsyncIterator[Login]:
    app = create_app(settings_for(fs_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:

        async def login(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield login


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


async def _product_id() -> int:
    from core.products.models import Product

    await machine(await customer("Seed"), serial="SEED-1")  # creates the LM-LINEA product
    return int((await Product.select(Product.id).where(Product.code == "LM-LINEA").first().run())["id"])


async def test_a_machine_is_registered_edited_and_shown_with_its_warranty_badges(client_as: Login) -> None:
    await make_user("eva", roles=("manager",))
    zwaan, product = await customer(), await _product_id()
    client = await client_as("eva")
    form = await client.get(f"{PATH}/new", headers=HTML)
    assert form.status_code == 200 and 'name="serial"' in form.text
    refused = await post_form(client, f"{PATH}/new", {"product": str(product), "serial": "", "partner": str(zwaan),
                                                      "condition": "good"}, headers=HTML)
    assert refused.status_code == 400 and "This field is required." in refused.text
    assert await Equipment.count().where(Equipment.partner == zwaan).run() == 0
    today = dt.date.today()
    created = await post_form(client, f"{PATH}/new", {
        "product": str(product), "serial": "LM-4711", "partner": str(zwaan), "site_name": "Bar", "city": "Den Bosch",
        "install_date": (today - dt.timedelta(days=400)).isoformat(),
        "parts_warranty_end": (today + dt.timedelta(days=300)).isoformat(),
        "labour_warranty_end": (today - dt.timedelta(days=35)).isoformat(), "condition": "good", "active": "1"})
    assert created.status_code == 303, created.text[:500]
    url = created.headers["location"]
    page = await client.get(url, headers=HTML)
    shown = text(page.text)
    assert page.status_code == 200 and "LM-4711" in shown and "Café De Zwaan" in shown
    assert "In warranty" in shown and "Expired" in shown and "Good" in shown
    assert f'href="/reports/field_service_equipment_label/{url.rsplit("/", 1)[1]}.pdf"' in page.text
    duplicate = await post_form(client, f"{PATH}/new", {"product": str(product), "serial": "LM-4711",
                                                        "partner": str(zwaan), "condition": "good"}, headers=HTML)
    assert duplicate.status_code == 400 and "already has a machine with serial LM-4711" in html.unescape(duplicate.text)
    row = await Equipment.select().where(Equipment.serial == "LM-4711").first().run()
    stale = await post_form(client, f"{url}/edit", {"product": str(product), "serial": "LM-4711", "partner": str(zwaan),
                                                    "condition": "critical", "version": str(row["version"] - 1)},
                            headers=HTML)
    assert stale.status_code == 409
    saved = await post_form(client, f"{url}/edit", {"product": str(product), "serial": "LM-4711", "partner": str(zwaan),
                                                    "condition": "critical", "version": str(row["version"])})
    assert saved.status_code == 303
    assert "Critical" in text((await client.get(url, headers=HTML)).text)


async def test_the_list_searches_by_customer_and_filters_on_warranty(client_as: Login) -> None:
    await make_user("eva", roles=("manager",))
    zwaan, central = await customer(), await customer("Hotel Central")
    today = dt.date.today()
    await machine(zwaan, serial="LM-1", parts_end=(today + dt.timedelta(days=10)).isoformat())
    await machine(central, serial="LM-2", parts_end=(today - dt.timedelta(days=10)).isoformat())
    await machine(central, serial="LM-3")
    client = await client_as("eva")
    found = text((await client.get(f"{PATH}?q=central", headers=HTML)).text)
    assert "LM-2" in found and "LM-3" in found and "LM-1" not in found
    for value, expected in (("running", {"LM-1"}), ("expired", {"LM-2"}), ("none", {"LM-3"})):
        rows = (await client.get(f"{PATH}?warranty={value}", headers=HTMX)).text
        assert {s for s in ("LM-1", "LM-2", "LM-3") if f">{s}<" in rows} == expected, value
    csv = (await client.get(f"{PATH}/export.csv?warranty=expired")).text
    assert "LM-2" in csv and "LM-1" not in csv and "LM-3" not in csv


async def test_the_detail_tabs_show_work_orders_and_parts_and_a_technician_sees_only_his_own(
        client_as: Login) -> None:
    from modules.field_service.models import PartLine

    await make_user("eva", roles=("manager",))
    await make_user("jan", roles=("technician",))
    zwaan = await customer()
    eq = await machine(zwaan, serial="LM-9")
    gasket = await article()
    mine = await work_orders.create_work_order(equipment=eq, job_type=await job_type(), description="Leaks")
    await work_orders.add_part(mine["id"], gasket, 2, reserve=False)
    await work_orders.use_part(mine["id"], gasket, 2)
    other = await work_orders.create_work_order(equipment=eq, description="Grinder noise")
    from core.auth.models import User

    jan = await User.select(User.id).where(User.login == "jan").first().run()
    await work_orders.assign(mine["id"], jan["id"], lead=True)
    client = await client_as("eva")
    orders = text((await client.get(f"{PATH}/{eq}?tab=work-orders", headers=HTML)).text)
    assert mine["number"] in orders and other["number"] in orders
    parts = (await client.get(f"{PATH}/{eq}?tab=parts", headers={**HTMX, "hx-target": "detail-tabs"})).text
    assert "<html" not in parts and "GSK-58" in parts
    assert await PartLine.count().run() == 1
    client = await client_as("jan")
    orders = text((await client.get(f"{PATH}/{eq}?tab=work-orders", headers=HTML)).text)
    assert mine["number"] in orders and other["number"] not in orders
    assert (await client.get(f"{PATH}/new", headers=HTML)).status_code == 403
    assert (await post_form(client, f"{PATH}/{eq}/edit", {"serial": "X"}, headers=HTML)).status_code == 403
    assert (await client.get("/field-service/contracts", headers=HTML)).status_code == 403


async def test_the_partner_page_shows_the_customers_equipment_and_open_work_orders(client_as: Login) -> None:
    await make_user("eva", roles=("manager",))
    zwaan = await customer()
    eq = await machine(zwaan, serial="LM-55")
    wo = await work_orders.create_work_order(equipment=eq, description="Leaks")
    client = await client_as("eva")
    partner_page = (await client.get(f"/contacts/partners/{zwaan}?tab=field_service-equipment-partner_slot",
                                     headers=HTML)).text
    assert f"/field-service/equipment/partner/{zwaan}" in partner_page
    panel = await client.get(f"{PATH}/partner/{zwaan}", headers=HTMX)
    assert panel.status_code == 200 and "LM-55" in panel.text and wo["number"] in panel.text
    assert (await client.get(f"{PATH}/partner/999999", headers=HTMX)).status_code == 404


async def test_the_qr_label_and_the_history_sheet_print(client_as: Login) -> None:
    await make_user("eva", roles=("manager",))
    eq = await machine(await customer(), serial="LM-QR-1")
    await work_orders.create_work_order(equipment=eq, description="Yearly descaling")
    client = await client_as("eva")
    label = await client.get(f"/reports/field_service_equipment_label/{eq}.pdf")
    assert label.status_code == 200 and "label-LM-QR-1.pdf" in label.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(label.content))
    box = reader.pages[0].mediabox
    assert len(reader.pages) == 1 and round(float(box.width) / 72 * 25.4) == 62 and round(
        float(box.height) / 72 * 25.4) == 29
    assert "LM-QR-1" in pdf_text(label.content) and "Café De Zwaan" in pdf_text(label.content)
    preview = (await client.get(f"/reports/field_service_equipment_label/{eq}.html")).text
    assert 'src="data:image/svg+xml' in preview
    history = await client.get(f"/reports/field_service_equipment_history/{eq}.pdf")
    content = pdf_text(history.content)
    assert history.status_code == 200 and "LM-QR-1" in content and "Yearly descaling" in content


async def test_the_qr_code_encodes_the_equipment_page_address() -> None:
    import segno

    from modules.field_service.reports_equipment import qr_svg

    uri = qr_svg("https://service.koffiepunt.nl/field-service/equipment/7")
    assert uri.startswith("data:image/svg+xml")
    assert segno.make("https://service.koffiepunt.nl/field-service/equipment/7", error="m").svg_data_uri(
        scale=4, border=2) == uri


async def test_a_contract_and_a_plan_are_made_through_the_pages(client_as: Login) -> None:
    await make_user("eva", roles=("manager",))
    zwaan = await customer()
    eq = await machine(zwaan, serial="LM-77")
    jt = await job_type("Yearly service")
    client = await client_as("eva")
    made = await post_form(client, "/field-service/contracts/new", {
        "partner": str(zwaan), "name": "Full service", "start_date": "2026-01-01", "end_date": "2026-12-31",
        "parts_coverage": "100", "labour_coverage": "50", "visits_per_year": "2", "yearly_price": "480"})
    assert made.status_code == 303, made.text[:400]
    contract_url = made.headers["location"]
    page = text((await client.get(contract_url, headers=HTML)).text)
    assert "SC/2026/00001" in page and "Draft" in page and "Activate" in page
    version = re.search(r"state\?to=active&amp;version=(\d+)", (await client.get(contract_url, headers=HTML)).text)
    assert version
    activated = await post_form(client, f"{contract_url}/state?to=active&version={version.group(1)}", {})
    assert activated.status_code == 303
    assert "Active" in text((await client.get(contract_url, headers=HTML)).text)

    refused = await post_form(client, "/field-service/plans/new", {
        "name": "Descaling", "equipment": str(eq), "job_type": str(jt), "interval_days": "30",
        "interval_months": "3", "lead_days": "14", "next_due": "2026-05-01", "active": "1"}, headers=HTML)
    assert refused.status_code == 400 and "one of the two" in refused.text
    assert await MaintenancePlan.count().run() == 0
    made = await post_form(client, "/field-service/plans/new", {
        "name": "Descaling", "equipment": str(eq), "job_type": str(jt), "interval_months": "3", "lead_days": "14",
        "next_due": (dt.date.today() + dt.timedelta(days=7)).isoformat(), "active": "1"})
    assert made.status_code == 303, made.text[:400]
    plan_url = made.headers["location"]
    gasket = await article()
    await post_form(client, f"{plan_url}/kit", {"product": str(gasket), "quantity": "2"})
    bad = await post_form(client, f"{plan_url}/kit", {"product": str(gasket), "quantity": "-1"})
    assert bad.status_code == 303
    kit = text((await client.get(f"{plan_url}?tab=kit", headers=HTML)).text)
    assert "GSK-58" in kit and "above zero" in kit
    await post_form(client, f"{plan_url}/generate", {})
    visits = text((await client.get(f"{plan_url}?tab=visits", headers=HTML)).text)
    assert "WO/" in visits
    plan_id = int(plan_url.rsplit("/", 1)[1])
    assert len((await plans.generate(plans=[plan_id])).created) == 0
