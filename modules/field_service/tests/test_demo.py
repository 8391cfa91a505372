"""The field service demo (Koffiepunt's service department): it tells the story the issue
asks for, through the services, and loading it twice adds nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from piccolo.table import Table

from core.db.data import DataRecord, ref
from core.demo import load_demo as load_core_demo
from modules.billing.demo import load_demo as load_billing_demo
from modules.billing.models.invoice import Invoice
from modules.field_service.demo import load_demo
from modules.field_service.models import TABLES
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.leak import Leak
from modules.field_service.models.plan import MaintenancePlan
from modules.field_service.models.request import Request
from modules.field_service.models.work_order import CheckLine, PartLine, TimeEntry, WorkOrder
from modules.warehouse.demo import load_demo as load_warehouse_demo
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move


@pytest.fixture
async def demo(fs_db: str, settings_for) -> AsyncIterator[None]:
    from core.jobs import broker

    broker.configure(settings_for(fs_db))  # signatures and photos go to the test's var/
    try:
        await load_core_demo()
        await load_warehouse_demo()
        await load_billing_demo()
        await load_demo()
        yield
    finally:
        broker.reset()


async def _counts() -> list[int]:
    tables: tuple[type[Table], ...] = (*TABLES, DataRecord, Move, Invoice)
    return [len(await t.select(t._meta.primary_key).run()) for t in tables]


async def test_the_demo_tells_the_service_departments_week_and_loads_once(demo: None) -> None:
    # One test: the demo chain (core, warehouse history, billing, field service) takes seconds.
    before = await _counts()
    await load_demo()
    assert await _counts() == before

    # Machines sold by the warehouse demo are registered with their serial numbers.
    sold = await Equipment.select(Equipment.serial, Equipment.lot).where(Equipment.lot.is_not_null()).run()
    assert len(sold) >= 10
    lots = {r["id"]: r["name"] for r in await Lot.select(Lot.id, Lot.name).run()}
    assert all(lots[e["lot"]] == e["serial"] for e in sold)

    states = {r["state"] for r in await WorkOrder.select(WorkOrder.state).run()}
    assert {"done", "in_progress", "scheduled", "new", "on_hold", "cancelled"} <= states
    billing = {r["billing_state"] for r in await WorkOrder.select(WorkOrder.billing_state).where(
        WorkOrder.state == "done").run()}
    assert billing == {"to_bill", "billed", "not_billable"}
    assert await WorkOrder.exists().where((WorkOrder.kind == "recall") & WorkOrder.recall_of.is_not_null()).run()

    # Done work: complete checklists, signed, parts consumed from the vans through the warehouse.
    done = await WorkOrder.select().where(WorkOrder.state == "done").run()
    assert all(o["signature_attachment"] and o["signed_by"] for o in done)
    assert not await CheckLine.exists().where((CheckLine.work_order.state == "done") & (CheckLine.required == True)  # noqa: E712
                                              & CheckLine.done_at.is_null()).run()
    used = await PartLine.select().where(PartLine.work_order.state == "done").run()
    assert used and all(p["consumed"] for p in used)
    jan = await ref("warehouse", "location.van_tech_jan")
    assert await Move.exists().where((Move.source == jan) & (Move.state == "done")
                                     & Move.origin.like("field_service.work_order:%")).run()
    assert await TimeEntry.count().where(TimeEntry.kind == "travel").run() >= 5
    assert await PartLine.exists().where(PartLine.override_reason != "").run()

    # Invoices from work orders, plans prepared (one overdue), requests in every SLA state, leaks found.
    assert await Invoice.count().where(Invoice.origin.like("field_service.work_order:%")).run() >= 3
    assert await MaintenancePlan.exists().where(MaintenancePlan.overdue == True).run()  # noqa: E712
    assert await WorkOrder.count().where(WorkOrder.plan.is_not_null()).run() >= 3
    open_states = await Request.select(Request.state, Request.sla_state).where(
        Request.state.is_in(["new", "assigned", "waiting_customer", "waiting_parts"])).run()
    assert {r["sla_state"] for r in open_states} == {"ok", "warning", "breached"}
    assert {"waiting_customer", "waiting_parts"} <= {r["state"] for r in open_states}
    assert await Request.exists().where(Request.channel == "web").run()
    leaks = {r["kind"]: r for r in await Leak.select().where(Leak.resolved_on.is_null()).run()}
    assert set(leaks) == {"unbilled_work", "expired_cover"}
    assert all(Decimal(r["value"]) > 0 for r in leaks.values())
