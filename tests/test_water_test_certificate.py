"""The example module's report: a water test certificate PDF per test, with the customer,
the reading, the advice and a hardness gauge, under the module's permission."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from steward_example.reports import band, gauge
from steward_example.services import water_test
from steward_example.services.water_test import NewWaterTest

from core.app import create_app
from core.db import records
from core.modules import lifecycle
from core.modules.discovery import Catalog
from core.partners.models import Partner
from core.testing import app_client, make_user, sign_in

HTML = {"accept": "text/html"}


@pytest.fixture
async def client(core_db: str, catalog: Catalog, settings_for):
    await lifecycle.install(catalog, ["example"])
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as c:
        yield c


async def a_test(hardness: str) -> int:
    partner = await records.create(Partner, {"name": "Lunchroom De Kroon", "street": "Kerkstraat 8",
                                             "postcode": "5211 KH", "city": "'s-Hertogenbosch"})
    saved = await water_test.record(NewWaterTest(partner["id"], dt.date(2026, 3, 14), Decimal(hardness),
                                                 "Sample from the tap behind the bar"))
    return int(saved["id"])


async def test_the_certificate_shows_number_customer_reading_and_advice(client) -> None:
    test_id = await a_test("14.3")
    await make_user("tess", roles=("technician",))
    await sign_in(client, "tess")
    response = await client.get(f"/reports/example_water_test_certificate/{test_id}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    for expected in (f"WT-{test_id:05}", "Lunchroom De Kroon", "Kerkstraat 8", "14.3 °dH",
                     "High-capacity cartridge + quarterly descaling", "Sample from the tap behind the bar",
                     "Water test certificate", "Page 1 of 1"):
        assert expected in text, expected
    assert f'filename="water-test-WT-{test_id:05}.pdf"' in response.headers["content-disposition"]
    preview = await client.get(f"/reports/example_water_test_certificate/{test_id}.html", headers=HTML)
    assert "<svg" in preview.text and '/static/example/certificate.css' in preview.text


async def test_a_user_without_the_water_test_permission_gets_403(client) -> None:
    test_id = await a_test("6")
    await make_user("sam", roles=("sales",))
    await sign_in(client, "sam")
    response = await client.get(f"/reports/example_water_test_certificate/{test_id}.pdf", headers=HTML)
    assert response.status_code == 403


async def test_the_list_page_links_each_test_to_its_certificate(client) -> None:
    test_id = await a_test("3.5")
    await make_user("tess", roles=("technician",))
    await sign_in(client, "tess")
    page = await client.get("/example/water-tests", headers=HTML)
    assert f'href="/reports/example_water_test_certificate/{test_id}.pdf"' in page.text


def test_the_gauge_needle_follows_the_hardness_and_the_bands_follow_the_advice() -> None:
    assert gauge(Decimal(0))["needle"][0] < 60 and gauge(Decimal(30))["needle"][0] > 180
    assert abs(gauge(Decimal(15))["needle"][0] - 120) < 0.01  # straight up at half scale
    assert gauge(Decimal(45))["needle"] == gauge(Decimal(30))["needle"]  # pinned at the end
    assert [band(Decimal(v)) for v in ("3.9", "4", "10", "10.1", "18", "18.1")] == [
        "soft", "medium", "medium", "hard", "hard", "very hard"]
