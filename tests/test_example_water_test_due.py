"""The example module's nightly job: customers whose last water test is over a year old are flagged once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fixture_modules.jobs_support import in_process_worker, jobs_settings, settled
from steward_example.models.water_test_due import WaterTestDue
from steward_example.services import water_test, water_test_due
from steward_example.services.water_test import NewWaterTest

from core.app import create_app
from core.db import records
from core.jobs import scheduler
from core.jobs.enqueue import enqueue
from core.modules import lifecycle
from core.modules.discovery import Catalog
from core.partners.models import Partner
from core.testing import app_client, make_user, sign_in

TODAY = dt.date.today()


async def customer_tested(name: str, days_ago: int) -> int:
    partner = (await records.create(Partner, {"name": name, "is_customer": True}))["id"]
    await water_test.record(NewWaterTest(partner, TODAY - dt.timedelta(days=days_ago), Decimal("12.0")))
    return partner


@pytest.fixture
async def example(core_db: str, catalog: Catalog) -> Catalog:
    await lifecycle.install(catalog, ["example"])
    return catalog


async def test_the_nightly_job_flags_stale_customers_once(example: Catalog, core_db: str, settings_for) -> None:
    stale = await customer_tested("Café De Kroon", days_ago=400)
    await customer_tested("Bakkerij Brood", days_ago=30)
    async with in_process_worker(jobs_settings(settings_for(core_db), "embedded"), example):
        await enqueue("example.flag_due_water_tests")
        await enqueue("example.flag_due_water_tests")  # a second (or redelivered) run changes nothing
        runs = await settled("example.flag_due_water_tests", 2)
    assert [r["state"] for r in runs] == ["done", "done"]
    flags = await WaterTestDue.select().run()
    assert [(f["partner"], f["last_tested_on"]) for f in flags] == [(stale, TODAY - dt.timedelta(days=400))]


async def test_a_newer_test_settles_the_flag(example: Catalog) -> None:
    partner = await customer_tested("Café De Kroon", days_ago=500)
    assert await water_test_due.flag_due() == 1
    assert [f["partner_name"] for f in await water_test_due.open_flags()] == ["Café De Kroon"]
    await water_test.record(NewWaterTest(partner, TODAY, Decimal("9.0")))
    assert await water_test_due.open_flags() == []
    assert await water_test_due.flag_due() == 0


async def test_the_schedule_runs_nightly_and_the_page_lists_flags(example: Catalog, core_db: str,
                                                                  settings_for) -> None:
    await customer_tested("Café De Kroon", days_ago=400)
    await water_test_due.flag_due()
    settings = jobs_settings(settings_for(core_db, registry_check_seconds=0.0), "stub")
    async with in_process_worker(settings, example) as system:
        await scheduler.sync(system)
        [row] = [r for r in await scheduler.listing() if r["module"] == "example"]
    assert (row["name"], row["job"], row["cron"]) == (
        "example.nightly_due_check", "example.flag_due_water_tests", "0 2 * * *")
    await make_user("tess", roles=("technician",))
    async with app_client(create_app(settings, example)) as client:
        await sign_in(client, "tess")
        page = await client.get("/example/water-tests", headers={"accept": "text/html"})
    assert "Due for a water test" in page.text and "Café De Kroon" in page.text
