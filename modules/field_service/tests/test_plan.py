"""Preventive maintenance plans: the daily generator makes each visit's work order once (run
twice or concurrently), ahead by the lead days, with the parts kit reserved from the
preferred technician's van; month intervals keep to month ends; overdue plans are marked."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from core.db import records
from core.partners.models import Partner
from core.products.models import Product
from core.testing import make_user
from modules.field_service.models import JobType, MaintenancePlan, PartLine, WorkOrder
from modules.field_service.services import equipment as equipments
from modules.field_service.services import plan as plans
from modules.field_service.services import work_order as work_orders
from modules.field_service.services.plan import add_months
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import location as locations
from modules.warehouse.services import stock
from modules.warehouse.tests.test_stock import receive

pytestmark = pytest.mark.usefixtures("fs_db")

D1 = dt.date(2026, 3, 2)


async def _machine(serial: str = "SN-1001") -> dict[str, Any]:
    partner = (await records.create(Partner, {"name": "Café De Zwaan", "is_customer": True}))["id"]
    product = await Product.select(Product.id).where(Product.code == "ESP-2G").first().run()
    product_id = product["id"] if product else (await records.create(
        Product, {"code": "ESP-2G", "name": "Espresso machine, 2 groups"}))["id"]
    return await equipments.create({"product": product_id, "serial": serial, "partner": partner})


async def _job_type() -> int:
    row = await JobType.select(JobType.id).where(JobType.name == "Yearly service").first().run()
    return int(row["id"]) if row else int((await records.create(
        JobType, {"name": "Yearly service", "kind": "preventive", "duration_minutes": 90}))["id"])


async def _plan(**values: Any) -> dict[str, Any]:
    machine = values.pop("machine", None) or await _machine()
    return await plans.create({"name": "Quarterly descaling", "equipment": machine["id"], "job_type": await _job_type(),
                               "interval_months": 3, "lead_days": 14, "next_due": D1, **values})


async def _orders(plan_id: int) -> list[dict[str, Any]]:
    return await WorkOrder.select().where(WorkOrder.plan == plan_id).order_by(WorkOrder.plan_due).run()


async def test_the_visit_is_made_once_lead_days_ahead_even_when_run_twice() -> None:
    plan = await _plan()
    assert (await plans.generate(D1 - dt.timedelta(days=15))).created == []
    first = await plans.generate(D1 - dt.timedelta(days=14))
    again = await plans.generate(D1 - dt.timedelta(days=14))
    assert len(first.created) == 1 and again.created == []
    orders = await _orders(plan["id"])
    assert [(o["plan_due"], o["kind"], o["state"]) for o in orders] == [(D1, "preventive", "new")]
    assert orders[0]["number"].startswith("WO/") and "Quarterly descaling" in orders[0]["description"]
    assert (await plans.get(plan["id"]))["next_due"] == dt.date(2026, 6, 2)


async def test_concurrent_runs_make_each_visit_once() -> None:
    made = [await _plan(machine=await _machine(f"SN-{n}"), interval_months=None, interval_days=7) for n in range(3)]
    day = D1 + dt.timedelta(days=20)  # three visits each are due by then (2, 9 and 16 March) plus 23 March ahead
    results = await asyncio.gather(*[plans.generate(day) for _ in range(4)])
    created = [wo for r in results for wo in r.created]
    assert len(created) == len(set(created)) == 3 * 5
    for plan in made:
        dues = [o["plan_due"] for o in await _orders(plan["id"])]
        assert dues == [D1 + dt.timedelta(days=7 * k) for k in range(5)]
        assert (await plans.get(plan["id"]))["next_due"] == D1 + dt.timedelta(days=35)
    numbers = [o["number"] for o in await WorkOrder.select(WorkOrder.number).run()]
    assert len(numbers) == len(set(numbers)) == 15


def test_month_intervals_keep_to_month_ends() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 2, 28), 1, anchor_day=31) == dt.date(2026, 3, 31)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)  # leap year
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 2, 28), 12, anchor_day=30) == dt.date(2027, 2, 28)


async def test_a_plan_due_on_the_31st_comes_back_on_each_month_end() -> None:
    plan = await _plan(interval_months=1, lead_days=0, next_due=dt.date(2026, 1, 31))
    for day in (dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30)):
        await plans.generate(day)
    assert [o["plan_due"] for o in await _orders(plan["id"])] == [
        dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30)]
    assert (await plans.get(plan["id"]))["next_due"] == dt.date(2026, 5, 31)


async def test_a_plan_due_on_the_30th_keeps_the_30th_after_february() -> None:
    plan = await _plan(interval_months=1, lead_days=0, next_due=dt.date(2026, 1, 30))
    for day in (dt.date(2026, 1, 30), dt.date(2026, 2, 28)):
        await plans.generate(day)
    assert (await plans.get(plan["id"]))["next_due"] == dt.date(2026, 3, 30)


async def test_a_visit_past_its_due_date_with_an_open_work_order_marks_the_plan_overdue() -> None:
    plan = await _plan(lead_days=7)
    await plans.generate(D1 - dt.timedelta(days=7))
    assert (await plans.generate(D1)).overdue == 0  # due today: not late yet
    result = await plans.generate(D1 + dt.timedelta(days=1))
    assert result.overdue == 1 and (await plans.get(plan["id"]))["overdue"] is True
    order = (await _orders(plan["id"]))[0]
    await work_orders.transition(order["id"], "cancelled", reason="Customer closed for renovation")
    await plans.generate(D1 + dt.timedelta(days=2))
    assert (await plans.get(plan["id"]))["overdue"] is False


async def test_inactive_plans_and_plans_of_the_future_make_nothing() -> None:
    await _plan(active=False)
    await _plan(machine=await _machine("SN-2"), next_due=D1 + dt.timedelta(days=60))
    assert (await plans.generate(D1)).created == []


async def test_the_parts_kit_is_reserved_from_the_preferred_technicians_van() -> None:
    jan = await make_user("jan", roles=("technician",))
    wh = (await records.create(Warehouse, {"code": "DB", "name": "Den Bosch"}))["id"]
    shelf = (await locations.create({"name": "Stock", "kind": "internal", "warehouse": wh}))["id"]
    van = (await locations.create({"name": "Van Jan", "kind": "van", "warehouse": wh, "user": jan["id"]}))["id"]
    filt = (await records.create(Product, {"code": "FLT-01", "name": "Water filter", "kind": "stockable"}))["id"]
    seal = (await records.create(Product, {"code": "GSK-58", "name": "Group gasket", "kind": "stockable"}))["id"]
    await receive(filt, van, 3)
    await receive(seal, shelf, 5)
    plan = await _plan(preferred=jan["id"])
    await plans.add_kit_line(plan["id"], filt, D(1))
    await plans.add_kit_line(plan["id"], seal, D(2))  # none in the van
    result = await plans.generate(D1)
    order = (await _orders(plan["id"]))[0]
    assert order["stock_location"] == van
    lines = {r["product"]: r for r in await PartLine.select().where(PartLine.work_order == order["id"]).run()}
    assert lines[seal]["planned"] == 2 and lines[seal]["reserved"] == 0
    assert (order["id"], seal) in result.unreserved
    assert lines[filt]["planned"] == 1 and lines[filt]["reserved"] == 1 and lines[filt]["location"] == van
    assert await stock.available(filt, van) == 2
    assert await stock.available(seal, shelf) == 5  # the shelf's stock is not the van's


async def test_a_plan_needs_a_target_and_exactly_one_interval() -> None:
    from modules.field_service.services.errors import InvalidValues

    with pytest.raises(InvalidValues) as refused:
        await plans.create({"name": "X", "job_type": await _job_type(), "interval_days": 30, "interval_months": 1,
                            "lead_days": 7, "next_due": D1})
    assert set(refused.value.errors) == {"equipment", "interval_days"}
    assert await MaintenancePlan.count().run() == 0
