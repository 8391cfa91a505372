"""The equipment register's rules: warranty state on a day, one machine per product serial,
a contract of the machine's own customer, condition checks dated, and the machine's history
of work orders, parts and checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from core.products.models import Product
from modules.field_service.models import CheckLine, Equipment
from modules.field_service.services import equipment as equipments
from modules.field_service.services import work_order as work_orders
from modules.field_service.services.equipment import EXPIRED, NONE, RUNNING, warranty_state
from modules.field_service.services.errors import InvalidValues
from modules.field_service.tests.conftest import article, contract, customer, job_type, machine

pytestmark = pytest.mark.usefixtures("fs_db")


def test_a_warranty_runs_up_to_and_including_its_last_day() -> None:
    row = {"parts_warranty_end": dt.date(2026, 6, 30), "labour_warranty_end": dt.date(2025, 6, 30)}
    assert warranty_state(row, dt.date(2026, 6, 30)).parts == RUNNING
    assert warranty_state(row, dt.date(2026, 7, 1)).parts == EXPIRED
    state = warranty_state(row, dt.date(2026, 1, 1))
    assert (state.parts, state.labour, state.any_running) == (RUNNING, EXPIRED, True)
    assert warranty_state({}, dt.date(2026, 1, 1)).labour == NONE


async def _product() -> int:
    row = await Product.select(Product.id).where(Product.code == "LM-LINEA").first().run()
    return int(row["id"])


async def test_one_machine_per_product_serial_and_a_contract_of_its_own_customer() -> None:
    zwaan, other = await customer(), await customer("Hotel Central")
    await machine(zwaan, serial="LM-7001")
    with pytest.raises(InvalidValues) as refused:
        await equipments.create({"product": await _product(), "serial": " LM-7001 ", "partner": zwaan})
    assert "LM-7001" in refused.value.errors["serial"]
    elsewhere = await contract(other)
    with pytest.raises(InvalidValues) as refused:
        await equipments.create({"product": await _product(), "serial": "LM-7002", "partner": zwaan,
                                 "contract": elsewhere})
    assert refused.value.errors == {"contract": "This contract belongs to another customer."}
    with pytest.raises(InvalidValues) as refused:
        await equipments.create({"product": await _product(), "serial": "LM-7003", "partner": zwaan,
                                 "install_date": dt.date(2026, 3, 1), "parts_warranty_end": dt.date(2026, 2, 1)})
    assert set(refused.value.errors) == {"parts_warranty_end"}
    assert await Equipment.count().run() == 1


async def test_changing_the_condition_dates_the_check() -> None:
    row = await equipments.get(await machine(await customer()))
    assert row["condition"] == "good" and row["condition_checked"] is None
    saved = await equipments.update(row["id"], {"condition": "attention", "notes": "Steam valve drips"},
                                    version=row["version"])
    assert saved["condition_checked"] == await equipments.today()
    again = await equipments.update(row["id"], {"notes": "Steam valve drips, descale soon"}, version=saved["version"])
    assert again["condition_checked"] == saved["condition_checked"] and again["condition"] == "attention"


async def test_the_history_holds_the_machines_work_orders_parts_and_checks() -> None:
    zwaan = await customer()
    eq, other = await machine(zwaan, serial="LM-8001"), await machine(zwaan, serial="LM-8002")
    gasket = await article()
    wo = await work_orders.create_work_order(equipment=eq, job_type=await job_type(), description="Leaks")
    await work_orders.add_part(wo["id"], gasket, D(2), reserve=False)
    await work_orders.use_part(wo["id"], gasket, D(1))
    line = await CheckLine.select().where(CheckLine.work_order == wo["id"]).order_by(CheckLine.sequence).first().run()
    await work_orders.record_check(line["id"], value=D("9.8"))
    await work_orders.create_work_order(equipment=other, description="Another machine")
    found = await equipments.history(eq)
    assert [w["number"] for w in found["work_orders"]] == [wo["number"]]
    assert [(p["code"], p["used"]) for p in found["parts"]] == [("GSK-58", D(1))]
    assert [(c["label"], c["out_of_tolerance"]) for c in found["checks"]] == [("Brew pressure", True)]


async def test_the_equipment_url_comes_from_the_public_address_setting() -> None:
    from core.admin.settings_store import set_setting
    from modules.field_service.manifest import MANIFEST

    eq = await machine(await customer())
    assert (await equipments.equipment_url(eq)).endswith(f"/field-service/equipment/{eq}")
    await set_setting(MANIFEST, "public_url", "https://service.koffiepunt.nl/")
    assert await equipments.equipment_url(eq) == f"https://service.koffiepunt.nl/field-service/equipment/{eq}"
