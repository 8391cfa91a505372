"""The partner example module (examples/steward_example): found through its entry point,
installed and uninstalled like any module, its page listing and recording water tests."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from litestar import Litestar
from steward_example.models.water_test import WaterTest
from steward_example.services import water_test
from steward_example.services.water_test import InvalidWaterTest, NewWaterTest

from core.app import create_app
from core.auth.models import Role, RoleGrant
from core.auth.users import create_user
from core.db import records
from core.modules import lifecycle
from core.modules.discovery import Catalog
from core.modules.state import installed
from core.partners.models import Partner
from core.testing import app_client

PAGE = "/example/water-tests"
LAST_WEEK = dt.date.today() - dt.timedelta(days=7)


@pytest.fixture
async def example(core_db: str, catalog: Catalog) -> Catalog:
    await lifecycle.install(catalog, ["example"])
    return catalog


async def customer(name: str = "Café De Kroon") -> int:
    return (await records.create(Partner, {"name": name, "is_customer": True}))["id"]


@contextlib.asynccontextmanager
async def signed_in(app: Litestar, role: str = "technician") -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as a user with `role`, sending the CSRF token on unsafe requests."""
    await create_user("tess", "descale-me-often", [role], name="Tess")
    async with app_client(app) as client:
        await client.get("/login")
        client.headers["x-csrftoken"] = client.cookies["steward_csrf"]
        signed = await client.post("/login", data={"login": "tess", "password": "descale-me-often"})
        assert signed.status_code == 303, signed.text
        yield client


async def grants_of(role: str) -> set[str]:
    row = await Role.select(Role.id).where(Role.name == role).first().run()
    rows = await RoleGrant.select(RoleGrant.permission).where(RoleGrant.role == row["id"]).run()
    return {r["permission"] for r in rows}


def test_example_is_discovered_through_the_entry_point(catalog: Catalog) -> None:
    assert "steward-example" in catalog.origins["example"]
    manifest = catalog["example"]
    assert manifest.migrations is not None and manifest.root is not None
    assert manifest.migrations.parent == manifest.root  # inside the package
    assert list(manifest.migrations.glob("example_*.py")), "the initial migration ships with it"
    assert (manifest.root / "templates" / "example" / "water_test" / "list.html").is_file()


async def test_installing_example_creates_its_table_and_grants(example: Catalog) -> None:
    assert "example" in await installed()
    assert await WaterTest.table_exists().run()
    wanted = {"example.water_test.read", "example.water_test.write"}
    assert wanted <= await grants_of("manager")
    assert wanted <= await grants_of("technician")
    assert not wanted & await grants_of("sales")


def test_advice_follows_the_hardness_thresholds() -> None:
    assert water_test.advice(Decimal("3.9")) == "no filter needed"
    assert water_test.advice(Decimal("4")) == "standard softening cartridge"
    assert water_test.advice(Decimal("10")) == "standard softening cartridge"
    assert water_test.advice(Decimal("10.1")) == "high-capacity cartridge + quarterly descaling"
    assert water_test.advice(Decimal("18")) == "high-capacity cartridge + quarterly descaling"
    assert water_test.advice(Decimal("18.1")) == "reverse osmosis advised"


async def test_a_test_dated_in_the_future_or_out_of_range_is_refused(example: Catalog) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(InvalidWaterTest) as refused:
        await water_test.record(NewWaterTest(await customer(), tomorrow, Decimal("-1")))
    assert "is in the future" in refused.value.errors["measured_on"]
    assert refused.value.errors["hardness"] == "hardness must be between 0 and 50 °dH, got -1"
    with pytest.raises(InvalidWaterTest) as unreadable:
        water_test.parse({"partner": "", "measured_on": tomorrow.isoformat(), "hardness": "hard"})
    assert set(unreadable.value.errors) == {"partner", "measured_on", "hardness"}
    assert await WaterTest.count().run() == 0


async def test_water_test_page_lists_and_adds_records(
    example: Catalog, core_db: str, settings_for
) -> None:
    partner = await customer()
    form = {
        "partner": str(partner),
        "measured_on": LAST_WEEK.isoformat(),
        "hardness": "12,5",
        "notes": "kitchen tap",
    }
    async with signed_in(create_app(settings_for(core_db), example)) as client:
        empty = await client.get(PAGE)
        assert empty.status_code == 200
        assert "No water tests recorded yet" in empty.text
        assert f'href="{PAGE}"' in empty.text  # the menu entry

        saved = await client.post(PAGE, data=form)
        assert saved.status_code == 303 and saved.headers["location"] == PAGE
        listed = await client.get(PAGE)
        assert "Café De Kroon" in listed.text and LAST_WEEK.isoformat() in listed.text
        assert (
            "12.5" in listed.text and "high-capacity cartridge + quarterly descaling" in listed.text
        )

        refused = await client.post(PAGE, data={**form, "hardness": "80", "notes": "cellar"})
        assert refused.status_code == 400
        assert "hardness must be between 0 and 50 °dH, got 80" in refused.text
        assert 'value="80"' in refused.text and ">cellar</textarea>" in refused.text
    rows = await WaterTest.select(WaterTest.hardness, WaterTest.notes).run()
    assert rows == [{"hardness": Decimal("12.5"), "notes": "kitchen tap"}]


async def test_water_tests_need_the_example_permission(
    example: Catalog, core_db: str, settings_for
) -> None:
    async with signed_in(create_app(settings_for(core_db), example), role="sales") as client:
        assert (await client.get(PAGE)).status_code == 403
        refused = await client.post(PAGE, data={"partner": "1", "hardness": "5"})
        assert refused.status_code == 403
    assert await WaterTest.count().run() == 0


async def test_example_routes_answer_404_when_not_installed(
    core_db: str, catalog: Catalog, settings_for
) -> None:
    async with signed_in(create_app(settings_for(core_db), catalog)) as client:
        assert (await client.get(PAGE)).status_code == 404
        assert (await client.post(PAGE, data={"hardness": "5"})).status_code == 404
        assert (await client.get("/healthz")).status_code == 200


async def test_uninstalling_example_drops_its_table(example: Catalog) -> None:
    await water_test.record(NewWaterTest(await customer(), LAST_WEEK, Decimal("7")))
    plan = await lifecycle.plan_uninstall(example, ["example"])
    assert "drop table example_water_test (example): 1 rows lost" in plan.describe()
    await lifecycle.uninstall(example, plan)
    assert "example" not in await installed()
    assert not await WaterTest.table_exists().run()
    assert "example.water_test.read" not in await grants_of("manager")
