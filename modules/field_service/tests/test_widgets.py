"""Dashboard tiles: today's schedule load (planned against available hours per technician),
the first-time-fix rate (recalls within 30 days) and the unbilled value (done work to bill
plus the other lost revenue); and the start page shows them to a manager."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from core.db import records
from core.testing import make_user
from core.web.kit.calendar import firm_timezone
from modules.billing.models.invoice import InvoiceLine
from modules.billing.services import invoice as invoices
from modules.field_service.models.technician import Absence, Technician
from modules.field_service.models.work_order import WorkOrder
from modules.field_service.services import billing, dashboard, leak
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.conftest import article, customer, job_type, technician
from modules.field_service.tests.test_leak import client_as, done_order  # noqa: F401

pytestmark = pytest.mark.usefixtures("fs_db")


async def every_day(user: int) -> None:
    row = await Technician.select().where(Technician.user == user).first().run()
    await records.update(Technician, row["id"], {"weekdays": "1234567"}, version=row["version"])


async def test_schedule_load_sets_planned_against_available_hours() -> None:
    zone = await firm_timezone()
    today = dt.datetime.now(zone).date()
    jan, _v = await technician("jan")
    sem, _v = await technician("sem")
    for user in (jan, sem):
        await every_day(user)
    await records.create(Absence, {"user": sem, "start_date": today, "end_date": today, "reason": "Dentist"})
    partner = await customer()
    start = dt.datetime.combine(today, dt.time(9), zone)
    for hours in (4, 2):  # two jobs, 6 hours
        wo = await work_orders.create_work_order(partner)
        await work_orders.schedule(wo["id"], jan, start, start + dt.timedelta(hours=hours))
        start += dt.timedelta(hours=hours)
    loads = {ld.name: ld for ld in await dashboard.schedule_load(today, zone)}
    assert (loads["jan"].planned, loads["jan"].available, loads["jan"].percent) == (D("6.0"), D("9.0"), 66)
    assert (loads["sem"].planned, loads["sem"].available, loads["sem"].absent) == (D("0.0"), D("0.0"), True)


async def test_first_time_fix_counts_recalls_within_30_days() -> None:
    part = await article()
    tech, _van = await technician(stock={part: 10})
    partner = await customer()
    now = dt.datetime.now(dt.UTC)
    ago = {}
    for days in (10, 50, 5, 100):
        order = await done_order(tech, part, partner=partner, used=0)
        ago[days] = order["id"]
        # done_order completes "at JOB"; move the completion to `days` ago, as the dashboard reads it
        row = await work_orders.get(order["id"])
        await records.update(WorkOrder, order["id"], {"done_at": now - dt.timedelta(days=days)},
                             version=row["version"])
    for days in (10, 50):  # both recalled today: within 30 days of the first only
        await work_orders.create_work_order(partner, kind="recall", recall_of=ago[days],
                                            root_cause="Gasket seated badly")
    ftf = await dashboard.first_time_fix(now + dt.timedelta(seconds=1))
    assert (ftf.done, ftf.recalled, ftf.rate) == (3, 1, 67)


async def test_unbilled_value_adds_work_to_bill_and_other_leaks() -> None:
    part = await article()
    tech, _van = await technician(stock={part: 10})
    partner = await customer()
    jt = await job_type(checks=())
    await done_order(tech, part, partner=partner, jt=jt)  # 12.50 + 75.00 to bill
    billed = await done_order(tech, part, partner=partner, jt=jt, used=0, minutes=30)
    await billing.bill(billed["id"])
    line = await InvoiceLine.select().where(InvoiceLine.unit == "hour").first().run()
    await invoices.remove_line(line["id"], version=line["version"])  # 37.50 of labour not billed
    await leak.run()
    found = await dashboard.unbilled()
    assert (found.to_bill, found.orders, found.leaks, found.leak_count) == (D("87.50"), 1, D("37.50"), 1)
    assert found.total == D("125.00")


async def test_the_start_page_shows_the_tiles_to_a_manager(client_as: Any) -> None:  # noqa: F811
    await make_user("eva", roles=("manager",))
    client = await client_as("eva")
    home = await client.get("/")
    assert home.status_code == 200
    for label in ("Today&#39;s schedule load", "First-time fix", "Unbilled value", "All done work is billed."):
        assert label in home.text, label
