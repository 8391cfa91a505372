"""The field service module installs (with its dependencies, sequences and constraints)
and uninstalls cleanly."""

from __future__ import annotations

import datetime as dt

import pytest

from core.db import records
from core.db.sequence import Sequence
from core.modules import lifecycle
from core.modules.discovery import Catalog
from core.modules.state import states
from core.partners.models import Partner
from core.products.models import Product
from modules.field_service.models import TABLES, Contract, Equipment


async def _equipment(code: str = "ESP-2G") -> int:
    partner = (await records.create(Partner, {"name": "Café De Zwaan", "is_customer": True}))["id"]
    product = (await records.create(Product, {"code": code, "name": "Espresso machine, 2 groups"}))["id"]
    row = await records.create(Equipment, {"product": product, "serial": "SN-1001", "partner": partner})
    return int(row["id"])


async def test_field_service_installs_with_its_dependencies(fs_db: str) -> None:
    installed = await states()
    assert all(installed[name] == "installed" for name in ("field_service", "warehouse", "billing"))
    for code in ("field_service.request", "field_service.work_order", "field_service.contract"):
        assert await Sequence.exists().where(Sequence.code == code).run()
    for table in TABLES:
        assert await table.table_exists().run()


async def test_the_database_keeps_the_invariants(fs_db: str) -> None:
    equipment = await _equipment()
    row = await Equipment.select().where(Equipment.id == equipment).first().run()
    with pytest.raises(Exception, match="(?i)unique"):
        await Equipment.insert(Equipment(product=row["product"], serial="SN-1001", partner=row["partner"])).run()
    with pytest.raises(Exception, match="(?i)check"):
        await Equipment.update({Equipment.condition: "broken"}, force=True).run()
    with pytest.raises(Exception, match="(?i)check"):
        await Contract.insert(Contract(number="SC/X/1", partner=row["partner"], start_date=dt.date(2026, 1, 1),
                                       end_date=dt.date(2026, 12, 31), parts_coverage=120)).run()


async def test_field_service_uninstalls_cleanly(fs_db: str, catalog: Catalog) -> None:
    await _equipment()
    plan = await lifecycle.plan_uninstall(catalog, ["field_service"])
    assert "drop table field_service_equipment (field_service): 1 rows lost" in plan.describe()
    await lifecycle.uninstall(catalog, plan)
    assert (await states()).get("field_service") == "uninstalled"
    assert (await states())["warehouse"] == "installed"
    for table in TABLES:
        assert not await table.table_exists().run()
    await lifecycle.install(catalog, ["field_service"])  # and back, with its constraints
    await _equipment("ESP-3G")
    with pytest.raises(Exception, match="(?i)check"):
        await Equipment.update({Equipment.condition: "broken"}, force=True).run()
