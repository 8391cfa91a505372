"""Field service in a real browser, end to end: a customer reports a fault through the public
request form; the manager turns the request into a work order, gives it its job type (and so
its checklist) and plans it on the dispatch board; Jan, the technician, does the job on
"My day" (check-in, checklist, the part he used, time, the customer's signature drawn on the
canvas with the mouse) and completes it; the service report (its HTML preview and its PDF)
shows the checklist results, the part and the signature.

The master data (Jan's van with stock, the job type with its checklist, the customer and her
machine, a routing rule) is seeded into the live server's database by running this file as
a script."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SERIAL = "LC2-1904-0117"
EMAIL = "marieke@cafedezwaan.example"


@pytest.fixture
def live_install() -> tuple[str, ...]:
    return ("field_service",)


@pytest.fixture
def live_users() -> dict[str, tuple[str, ...]]:
    return {"eva": ("manager",), "jan": ("technician",)}


def seed(database: Path) -> dict[str, int]:
    """Run `seed_site` in a subprocess against the server's SQLite database; its ids."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, __file__, str(database)], cwd=root, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return {k: int(v) for k, v in (pair.split("=") for pair in done.stdout.split())}


async def seed_site(database: str) -> dict[str, int]:
    from core.auth.models import User
    from core.db import engine as db
    from core.db import records
    from core.db.migrations import register_apps
    from core.modules.discovery import discover
    from core.partners.models import Partner
    from core.products.models import Product
    from modules.field_service.models.job_type import CheckTemplate, JobType
    from modules.field_service.models.routing import RoutingRule
    from modules.field_service.models.technician import Technician
    from modules.field_service.services import equipment as machines
    from modules.warehouse.models.warehouse import Warehouse
    from modules.warehouse.services import location as locations
    from modules.warehouse.services import transfer as transfers
    from modules.warehouse.services.transfer import Line

    register_apps(discover().manifests.values())
    db.configure(f"sqlite:///{database}")
    await db.start()
    try:
        jan = (await User.select(User.id).where(User.login == "jan").first().run())["id"]
        wh = await records.create(Warehouse, {"code": "DB", "name": "Den Bosch"})
        van = await locations.create({"name": "Van Jan", "kind": "van", "user": jan, "warehouse": wh["id"]})
        await records.create(Technician, {"user": jan, "van": van["id"], "skills": "espresso"})
        gasket = await records.create(Product, {"code": "SP-GHG-85", "name": "Group head gasket 8.5 mm",
                                                "kind": "stockable", "sale_price": Decimal("6.50"),
                                                "cost": Decimal("1.80")})
        receipt = await transfers.create("receipt", await locations.virtual("supplier"), van["id"],
                                         [Line(gasket["id"], Decimal(10), unit_cost=Decimal("1.80"))])
        await transfers.validate(receipt["id"])
        machine = await records.create(Product, {"code": "ESP-2G", "name": "Lombarda Classica 2-group",
                                                 "kind": "stockable", "tracking": "serial"})
        job_type = await records.create(JobType, {"name": "Espresso machine repair", "kind": "repair",
                                                  "duration_minutes": 90, "hourly_rate": Decimal("89.50")})
        for n, (label, kind, unit, low, high) in enumerate((
                ("Pump pressure", "measure", "bar", "8", "10"), ("Leak test under pressure", "passfail", "", None, None),
                ("Fault found and what was done", "text", "", None, None)), 1):
            await records.create(CheckTemplate, {"job_type": job_type["id"], "sequence": n * 10, "label": label,
                                                 "kind": kind, "unit": unit,
                                                 "minimum": Decimal(low) if low else None,
                                                 "maximum": Decimal(high) if high else None})
        customer = await records.create(Partner, {"name": "Café De Zwaan", "is_customer": True, "email": EMAIL,
                                                  "street": "Markt 21", "postcode": "5211 JV",
                                                  "city": "'s-Hertogenbosch"})
        await machines.create({"product": machine["id"], "serial": SERIAL, "partner": customer["id"],
                               "site_name": "Bar"})
        await records.create(RoutingRule, {"sequence": 10, "name": "Everything to Jan", "user": jan,
                                           "method": "manual"})
        return {"jan": jan, "job_type": job_type["id"], "gasket": gasket["id"]}
    finally:
        await db.stop()


def _weekday() -> dt.date:
    """Today, or the Monday after on a weekend (Jan works Monday to Friday)."""
    day = dt.date.today()
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() > 4 else 0)


def _pdf_text(data: bytes, tmp: Path) -> str:
    pdf = tmp / "report.pdf"
    pdf.write_bytes(data)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    else:
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    return " ".join(text.split())  # table cells wrap: compare words, not lines


def test_a_web_request_is_planned_done_on_my_day_and_reported(live_server, open_page, tmp_path) -> None:
    ids = seed(live_server.database)

    # (a) The customer's request through the public form ...
    customer = open_page().page
    customer.goto(f"{live_server.url}/field-service/request")
    customer.fill("#f-contact_name", "Marieke van den Heuvel")
    customer.fill("#f-email", EMAIL)
    customer.fill("#f-serial", SERIAL)
    customer.fill("#f-description", "Machine does not stop filling the boiler.")
    with customer.expect_navigation():
        customer.click("form[action='/field-service/request'] button[type=submit]")
    number = re.search(r"SR/\d{4}/\d{5}", customer.content())
    assert number, customer.content()[:2000]

    # ... becomes a work order with its job type, planned on Jan's day on the dispatch board.
    watched = open_page()
    page: Any = watched.page
    page.on("dialog", lambda dialog: dialog.accept())
    live_server.sign_in(page, "eva")
    page.goto(f"{live_server.url}/field-service/requests?q={number.group(0)}")
    page.click(f"a:has-text('{number.group(0)}')")
    assert SERIAL in page.content()  # matched to the customer's machine by its serial
    with page.expect_navigation():
        page.click("form[action*='/work-order?'] button[type=submit]")
    work_order = int(re.search(r"/field-service/work-orders/(\d+)", page.url).group(1))
    page.goto(f"{live_server.url}/field-service/work-orders/{work_order}/edit")
    page.select_option("#f-job_type", str(ids["job_type"]))
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    page.goto(f"{live_server.url}/field-service/dispatch")
    card = page.locator(f".dispatch-card[data-wo='{work_order}']")
    card.locator("summary").click()
    card.locator("select[name=user]").select_option(str(ids["jan"]))
    card.locator("input[name=day]").fill(_weekday().isoformat())
    card.locator("input[name=time]").fill("09:00")
    card.locator("button[type=submit]").click()  # htmx swaps the board (without JavaScript: a redirect)
    page.wait_for_selector(f".cal-row[data-person='{ids['jan']}'] [data-wo='{work_order}']")
    watched.shot("field-service-dispatch")

    # (b) Jan does the job on "My day": check-in, checklist, the gasket, time, signature, done.
    tech_view = open_page()
    tech: Any = tech_view.page
    tech.set_viewport_size({"width": 412, "height": 915})  # a phone
    live_server.sign_in(tech, "jan")
    tech.goto(f"{live_server.url}/field-service/my-day/{work_order}")
    tech.click("button:has-text('Check in')")
    tech.wait_for_selector("button:has-text('Check out')")
    tech.locator("input[name=value]").fill("9.2")
    tech.locator("input[name=value]").press("Enter")
    tech.wait_for_timeout(300)
    tech.click("button[name=passed][value=yes]")
    tech.wait_for_timeout(300)
    tech.locator("textarea[name=text]").fill("Fill solenoid stuck open; replaced the group gasket.")
    tech.locator("textarea[name=text]").locator("xpath=following-sibling::button").click()
    tech.wait_for_timeout(300)
    tech.select_option("#part-product", str(ids["gasket"]))
    tech.fill("#part-used", "2")
    tech.click("#part-used + button")
    tech.wait_for_timeout(300)
    tech.fill("#time-minutes", "75")
    tech.click("#time-minutes + button")
    tech.wait_for_timeout(300)
    pad = tech.locator("canvas[data-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    tech.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    tech.mouse.down()
    for step in range(1, 30):
        tech.mouse.move(box["x"] + 20 + step * 8, box["y"] + box["height"] / 2 + (15 if step % 2 else -15))
    tech.mouse.up()
    tech.fill("#signed-by", "Marieke van den Heuvel")
    tech.click("button:has-text('Save signature')")
    tech.wait_for_timeout(500)
    tech.fill("#work-done", "Replaced the boiler fill solenoid's gasket; tested under load.")
    tech.click("button:has-text('Complete the job')")
    tech.wait_for_timeout(800)
    tech_view.shot("field-service-my-day-done")
    assert not tech_view.errors and not tech_view.csp

    # (c) The service report shows the checklist, the part and the signature, written in the
    # customer's language (Dutch: "Servicerapport", 9,2 bar) though the reader reads English.
    preview = page.request.get(f"{live_server.url}/reports/field_service_service_report/{work_order}.html")
    assert preview.ok
    html = preview.text()
    for text in ("Servicerapport", "Pump pressure", "9,2", "Leak test", "Group head gasket", "Marieke van den Heuvel"):
        assert text in html, text
    assert "data:image/png;base64," in html  # the drawn signature
    pdf = page.request.get(f"{live_server.url}/reports/field_service_service_report/{work_order}.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    text = _pdf_text(pdf.body(), tmp_path)
    for shown in ("Pump pressure", "Group head gasket", "Marieke van den Heuvel"):
        assert shown in text, (shown, text[:3000])


if __name__ == "__main__":
    found = asyncio.run(seed_site(sys.argv[1]))
    print(" ".join(f"{k}={v}" for k, v in found.items()))
