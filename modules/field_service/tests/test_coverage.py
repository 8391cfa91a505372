"""Coverage and pricing of parts and time from the warranty dates on the job date and the
customer's contract; a manager's override with a reason, in the audit log; billing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.db.audit import AuditEntry
from modules.billing.models.invoice import InvoiceLine
from modules.field_service.models.work_order import PartLine, TimeEntry
from modules.field_service.services import billing, coverage
from modules.field_service.services import work_order as work_orders
from modules.field_service.services.errors import NotBillable, ReasonRequired
from modules.field_service.tests.conftest import (
    article,
    contract,
    customer,
    job_type,
    machine,
    technician,
)

pytestmark = pytest.mark.usefixtures("fs_db")

JOB = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)


async def priced_job(*, parts_end: str | None = None, labour_end: str | None = None, with_contract: bool = False,
                     travel: int = 0) -> dict:
    """A job done on 15 June 2026: 2 gaskets at 12.50 used, 90 minutes work at 75.00/h."""
    gasket = await article()
    user, _van = await technician(stock={gasket: 5})
    partner = await customer()
    sc = await contract(partner, parts="100", labour="50") if with_contract else None
    eq = await machine(partner, parts_end=parts_end, labour_end=labour_end, contract=sc)
    wo = await work_orders.create_work_order(partner, equipment=eq, job_type=await job_type(checks=()))
    await work_orders.schedule(wo["id"], user, JOB, JOB + dt.timedelta(hours=2))
    await work_orders.add_part(wo["id"], gasket, 2)
    await work_orders.check_in(wo["id"], user, at=JOB)
    await work_orders.use_part(wo["id"], gasket, 2)
    await work_orders.add_time(wo["id"], user, 90)
    if travel:
        await work_orders.add_time(wo["id"], user, travel, kind="travel")
    return await work_orders.complete(wo["id"], at=JOB + dt.timedelta(hours=2))


async def lines(wo: dict) -> tuple[dict, list[dict]]:
    part = await PartLine.select().where(PartLine.work_order == wo["id"]).first().run()
    time = await TimeEntry.select().where(TimeEntry.work_order == wo["id"]).order_by(TimeEntry.id).run()
    return part, time


async def test_inside_parts_warranty_but_outside_labour_warranty_parts_are_free_and_labour_at_rate() -> None:
    wo = await priced_job(parts_end="2026-12-31", labour_end="2026-03-31")
    part, (work,) = await lines(wo)
    assert (part["coverage"], part["amount"]) == ("covered", Decimal("0.00"))
    assert "Parts warranty until" in part["coverage_reason"]
    assert (work["coverage"], work["rate"], work["amount"]) == ("chargeable", Decimal("75.00"), Decimal("112.50"))
    assert "Labour warranty ended on" in work["coverage_reason"]


async def test_an_expired_warranty_is_chargeable() -> None:
    wo = await priced_job(parts_end="2026-06-14", labour_end="2026-06-14")
    part, (work,) = await lines(wo)
    assert (part["coverage"], part["amount"]) == ("chargeable", Decimal("25.00"))
    assert (work["coverage"], work["amount"]) == ("chargeable", Decimal("112.50"))


async def test_the_job_date_decides_a_warranty_ending_that_day_still_covers() -> None:
    wo = await priced_job(parts_end="2026-06-15", labour_end="2026-06-15")
    part, (work,) = await lines(wo)
    assert (part["amount"], work["amount"]) == (Decimal("0.00"), Decimal("0.00"))
    assert wo["billing_state"] == "not_billable"  # nothing to charge


async def test_contract_coverage_wins_over_chargeable() -> None:
    wo = await priced_job(parts_end="2025-12-31", labour_end="2025-12-31", with_contract=True, travel=30)
    part, (work, travel) = await lines(wo)
    assert (part["coverage"], part["amount"]) == ("covered", Decimal("0.00"))
    assert (work["coverage"], work["covered_percent"], work["amount"]) == ("partly", Decimal("50"), Decimal("56.25"))
    assert "covers 50%" in work["coverage_reason"]
    assert (travel["coverage"], travel["amount"]) == ("chargeable", Decimal("37.50"))  # travel not in the contract


def test_decide_without_warranty_or_contract_is_chargeable() -> None:
    cover = coverage.decide("parts", dt.date(2026, 6, 15), None, None)
    assert (cover.coverage, cover.percent) == ("chargeable", Decimal(0))


async def test_a_manager_overrides_a_line_with_a_reason_and_the_audit_log_shows_it() -> None:
    wo = await priced_job(parts_end="2025-12-31", labour_end="2025-12-31")
    part, _time = await lines(wo)
    with pytest.raises(ReasonRequired):
        await coverage.override(PartLine, part["id"], "covered", 100, " ", version=part["version"])
    saved = await coverage.override(PartLine, part["id"], "partly", "40", "Goodwill: regular customer",
                                    version=part["version"])
    assert (saved["coverage"], saved["amount"]) == ("partly", Decimal("15.00"))
    await coverage.price_work_order(wo["id"])  # repricing keeps the override
    again, _ = await lines(wo)
    assert (again["coverage"], again["amount"]) == ("partly", Decimal("15.00"))
    logged = await AuditEntry.select().where((AuditEntry.table_name == "field_service_part_line")
                                             & (AuditEntry.record_id == part["id"])
                                             & (AuditEntry.field == "override_reason")).run()
    assert logged and logged[-1]["new"] == "Goodwill: regular customer"


async def test_billing_a_done_order_makes_one_draft_invoice_of_its_chargeable_lines() -> None:
    wo = await priced_job(parts_end="2026-12-31", labour_end="2026-03-31")
    draft = await billing.bill(wo["id"])
    found = await InvoiceLine.select().where(InvoiceLine.invoice == draft["id"]).run()
    assert [(ln["origin"], ln["amount_net"]) for ln in found] == [
        (f"field_service.work_order:{wo['id']}", Decimal("112.50"))]
    assert draft["origin"] == f"field_service.work_order:{wo['id']}"
    after = await work_orders.get(wo["id"])
    assert (after["billing_state"], after["invoice"]) == ("billed", draft["id"])
    with pytest.raises(NotBillable):
        await billing.bill(wo["id"])


async def test_work_not_done_cannot_be_billed_and_not_billable_needs_a_reason() -> None:
    partner = await customer()
    wo = await work_orders.create_work_order(partner)
    with pytest.raises(NotBillable):
        await billing.bill(wo["id"])
    with pytest.raises(ReasonRequired):
        await billing.mark_not_billable(wo["id"], "")
    marked = await billing.mark_not_billable(wo["id"], "Demonstration for a prospect")
    assert (marked["billing_state"], marked["not_billable_reason"]) == ("not_billable", "Demonstration for a prospect")
