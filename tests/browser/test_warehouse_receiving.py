"""A purchase in a real browser: the manager orders two pumps from the supplier (the page
hints at the next price tier), confirms the order, receives it with the pumps' serial
numbers, and finds them on the product's stock card with the receipt in its history.

The master data (a warehouse shelf, the supplier and its prices, the pump) is seeded
into the live server's database by running this file as a script."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def live_install() -> tuple[str, ...]:
    return ("warehouse",)


@pytest.fixture
def live_users() -> dict[str, tuple[str, ...]]:
    return {"eva": ("manager",)}


def seed(database: Path) -> dict[str, int]:
    """Run `seed_site` in a subprocess against the server's SQLite database; its ids."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, __file__, str(database)], cwd=root, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return {k: int(v) for k, v in (pair.split("=") for pair in done.stdout.split())}


async def seed_site(database: str) -> dict[str, int]:
    from core.db import engine as db
    from core.db import records
    from core.db.migrations import register_apps
    from core.modules.discovery import discover
    from core.partners.models import Partner
    from core.products.models import Product
    from modules.warehouse.models.purchase import SupplierPrice
    from modules.warehouse.models.warehouse import Warehouse
    from modules.warehouse.services import location as locations

    register_apps(discover().manifests.values())
    db.configure(f"sqlite:///{database}")
    await db.start()
    try:
        wh = await records.create(Warehouse, {"code": "UTR", "name": "Utrecht", "city": "Utrecht"})
        shelf = await locations.create({"name": "Stock", "kind": "internal", "warehouse": wh["id"]})
        supplier = await records.create(Partner, {"name": "Lombarda Parts S.r.l.", "is_supplier": True,
                                                  "email": "ordini@lombarda.example", "city": "Milano"})
        pump = await records.create(Product, {"code": "PMP-ULKA", "name": "Vibration pump Ulka EP5",
                                              "kind": "stockable", "tracking": "serial", "cost": Decimal("38")})
        for min_qty, price in (("1", "42.00"), ("5", "39.50")):
            await records.create(SupplierPrice, {"product": pump["id"], "supplier": supplier["id"],
                                                 "min_qty": Decimal(min_qty), "price": Decimal(price),
                                                 "supplier_code": "LP-EP5", "lead_days": 4})
        return {"shelf": shelf["id"], "supplier": supplier["id"], "pump": pump["id"]}
    finally:
        await db.stop()


def test_a_manager_receives_serial_numbered_pumps_and_sees_them_in_stock(live_server, open_page) -> None:
    ids = seed(live_server.database)
    watched = open_page()
    page: Any = watched.page
    page.on("dialog", lambda dialog: dialog.accept())  # "Confirm without mailing?"
    live_server.sign_in(page, "eva")

    page.goto(f"{live_server.url}/warehouse/purchase-orders/new")
    page.select_option("#f-supplier", str(ids["supplier"]))
    page.select_option("#f-destination", str(ids["shelf"]))
    with page.expect_navigation():
        page.click("form.kit-form button.primary")
    assert re.search(r"/warehouse/purchase-orders/\d+$", page.url)
    order_url = page.url
    number = page.locator("h1").inner_text().strip()
    assert number.startswith("PO/")

    page.select_option("#f-product", str(ids["pump"]))
    page.fill("#f-quantity", "2")
    page.click("#add-line button.primary")
    hint = page.locator(".po-hint")
    hint.wait_for()
    assert "Order 3 more for the next price tier (€39.50 instead of €42.00)." in hint.inner_text()
    assert "€84.00" in page.locator("#lines").inner_text()
    watched.shot("warehouse-purchase-order")
    page.fill("input.po-qty", "0")  # a refused change: the lines and the message swap in, no reload
    page.click("#lines button:has-text('Update')")
    page.locator("#flashes .flash-error").wait_for()
    assert "Order a quantity above zero." in page.locator("#flashes").inner_text()
    assert page.locator("input.po-qty").input_value() == "2"

    with page.expect_navigation():
        page.click("form[action$='/confirm'] button")
    assert "Confirmed" in page.locator(".detail-title").inner_text()
    with page.expect_navigation():
        page.click("a.button:has-text('Receive')")
    serials = page.locator("textarea.po-serials")
    serials.fill("ULKA-2026-0001\nULKA-2026-0002")
    watched.shot("warehouse-receive")
    with page.expect_navigation():
        page.click("form.po-receive button[type=submit]")
    assert page.url == order_url
    assert "Received: the order is complete." in page.locator("#flashes").inner_text()
    assert "Received" in page.locator(".detail-title").inner_text()

    page.goto(f"{live_server.url}/warehouse/products/{ids['pump']}")
    card = page.locator("main").inner_text()
    assert "UTR/Stock" in card and "ULKA-2026-0001" in card and "ULKA-2026-0002" in card
    assert re.search(r"IN/\d{4}/\d{5}", card), "the receipt is in the move history"
    watched.shot("warehouse-stock-card")

    # The stock list searches as one types and filters when a filter changes (not when the
    # search box is left).
    page.goto(f"{live_server.url}/warehouse/stock")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/warehouse/stock" in r.url else None)
    page.fill("#kit-q", "ulka")
    page.wait_for_url(re.compile(r"[?&]q=ulka"))
    page.wait_for_load_state("networkidle")
    page.locator("#kit-q").blur()
    page.select_option("#kit-filters select[name=kind]", "internal")
    page.wait_for_url(re.compile(r"kind=internal"))
    assert "q=ulka" in page.url and len(requests) == 2, requests
    assert not watched.csp and not watched.errors


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    found = asyncio.run(seed_site(sys.argv[1]))
    print(" ".join(f"{k}={v}" for k, v in found.items()))
