"""The invoice service: money, the state machine, numbering, payment and cancellation,
and what other modules ask of it (lines by origin)."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal as D

import pytest

from core.db import records
from core.db.audit import AuditEntry
from core.db.engine import transaction
from core.i18n import language
from modules.billing.models.invoice import Invoice, InvoiceLine
from modules.billing.services import invoice as invoices
from modules.billing.services import money
from modules.billing.services.errors import (
    AlreadyInvoiced,
    EmptyInvoice,
    InvalidLine,
    InvalidTransition,
    InvoiceLocked,
    NegativeInvoice,
    ReasonRequired,
)
from modules.billing.services.invoice import Line
from modules.billing.tests.conftest import customer, draft, product

pytestmark = pytest.mark.usefixtures("billing_db")


# --- money ------------------------------------------------------------------------------------------------

def test_a_line_is_rounded_half_up_to_cents_after_its_discount() -> None:
    assert money.line_net(D(3), D("0.335")) == D("1.01")  # 1.005 -> 1.01, not banker's 1.00
    assert money.line_net(D("1.5"), D("89.50")) == D("134.25")
    assert money.line_net(D(1), D("195.00"), D(10)) == D("175.50")
    assert money.line_net(D(7), D("0.99"), D("12.5")) == D("6.06")  # 6.06375
    assert money.line_net(D(-1), D("0.005")) == D("-0.01")  # a credit rounds away from zero too


def test_vat_is_computed_per_rate_over_the_rate_total_and_rounded_once() -> None:
    lines = [{"amount_net": D("0.05"), "vat_rate": D(21)}] * 3 + [{"amount_net": D("10.10"), "vat_rate": D(9)}]
    totals = money.totals(lines)
    # Per line 0.05 x 21% = 0.0105 -> 0.01 each (0.03); over the rate's total 0.15 x 21% = 0.0315 -> 0.03.
    assert [(g.rate, g.net, g.vat) for g in totals.groups] == [(D(21), D("0.15"), D("0.03")),
                                                               (D(9), D("10.10"), D("0.91"))]
    assert (totals.net, totals.vat, totals.gross) == (D("10.25"), D("0.94"), D("11.19"))


def test_each_lines_share_of_the_vat_adds_up_to_the_rates_vat() -> None:
    lines = [{"amount_net": D("0.02"), "vat_rate": D(21)}, {"amount_net": D("0.02"), "vat_rate": D(21)},
             {"amount_net": D("0.03"), "vat_rate": D(21)}, {"amount_net": D("100.00"), "vat_rate": D(0)}]
    # 0.07 x 21% = 0.0147 -> 0.01; per line 0.0042, 0.0042, 0.0063 -> 0.00, 0.00, 0.01.
    assert money.line_vat(lines) == [D("0.00"), D("0.00"), D("0.01"), D("0.00")]
    lines[2] = {"amount_net": D("0.07"), "vat_rate": D(21)}  # 0.11 x 21% = 0.0231 -> 0.02; lines 0, 0, 0.01
    assert money.line_vat(lines) == [D("0.00"), D("0.00"), D("0.02"), D("0.00")]
    assert sum(money.line_vat(lines)) == money.totals(lines).vat


async def test_a_draft_keeps_its_totals_up_to_date_and_issue_stores_them() -> None:
    d = await draft(None, Line("Maintenance visit", 1, "195.00"), Line("Descaling kit", 3, "14.95", discount="10"),
                    Line("Espresso beans, 1 kg", 6, "21.50", vat_rate=9), Line("Travel costs", 42, "0.23"))
    # 195.00 + 40.37 (44.85 less 10%, 40.365 rounded up) + 9.66 = 245.03 at 21%; 129.00 at 9%.
    assert (d["amount_net"], d["amount_vat"], d["amount_gross"]) == (D("374.03"), D("63.07"), D("437.10"))
    assert D("245.03") * D("0.21") == D("51.4563") and D("129.00") * D("0.09") == D("11.61")
    added = await invoices.add_lines(d["id"], [Line("Extra labour", "0.25", "89.50")])
    assert added[0]["amount_net"] == D("22.38")  # 22.375
    issued = await invoices.issue(d["id"])
    assert (issued["amount_net"], issued["amount_vat"], issued["amount_gross"]) == (
        D("396.41"), D("67.77"), D("464.18"))


async def test_a_product_line_takes_its_name_unit_and_price_unless_given() -> None:
    descaler = await product()
    d = await draft(None, Line(product=descaler, quantity=2), Line("Descaling kit", 1, "12.00", product=descaler))
    first, second = await invoices.lines(d["id"])
    assert (first["description"], first["unit"], first["unit_price"], first["amount_net"]) == (
        "Descaler, 1 l bottle", "unit", D("14.95"), D("29.90"))
    assert (second["description"], second["unit_price"], second["product_code"]) == ("Descaling kit", D(12), "CON-DESC")


async def test_bad_lines_are_refused_with_a_message_per_field_and_none_is_saved() -> None:
    partner = await customer()
    with pytest.raises(InvalidLine) as refused:
        await invoices.create_draft(partner, [Line("Fine", 1, "10"), Line("", 0, "-1", vat_rate=6, discount=120)])
    assert set(refused.value.errors) == {"description", "quantity", "unit_price", "vat_rate", "discount"}
    assert refused.value.errors["vat_rate"] == "Line 2: Use a VAT rate of 21%, 9% or 0%."
    assert await Invoice.count().run() == 0 and await InvoiceLine.count().run() == 0
    with pytest.raises(InvalidLine) as refused:
        await invoices.create_draft(partner, [Line(product=999_999)])
    assert refused.value.errors["product"] == "Product #999999 does not exist."


# --- the state machine ------------------------------------------------------------------------------------

async def test_only_allowed_transitions_happen_and_the_others_say_why() -> None:
    d = await draft()
    with pytest.raises(InvalidTransition, match=r"Draft #\d+ is draft: it cannot become paid, only issued or cancelled"):
        await invoices.mark_paid(d["id"])
    issued = await invoices.issue(d["id"])
    number = issued["number"]
    with pytest.raises(InvalidTransition, match=f"{number} is issued: it cannot become issued, only paid or cancelled"):
        await invoices.issue(d["id"])
    await invoices.mark_paid(d["id"])
    with pytest.raises(InvalidTransition, match=f"{number} is paid and can no longer change"):
        await invoices.cancel(d["id"], "Customer complained")
    with pytest.raises(InvalidTransition, match="is paid and can no longer change"):
        await invoices.issue(d["id"])
    other = await draft()
    await invoices.cancel(other["id"])  # a draft needs no reason
    with pytest.raises(InvalidTransition, match="is cancelled and can no longer change"):
        await invoices.issue(other["id"])


async def test_messages_are_translated(speaking) -> None:
    speaking("nl")
    d = await draft()
    with pytest.raises(InvalidTransition) as refused:
        await invoices.mark_paid(d["id"])
    assert str(refused.value) == f"Concept #{d['id']} is concept: het kan niet betaald worden, alleen definitief " \
                                 "of geannuleerd."


async def test_an_issued_invoice_is_immutable() -> None:
    d = await draft()
    await invoices.issue(d["id"])
    line = (await invoices.lines(d["id"]))[0]
    with pytest.raises(InvoiceLocked, match="its lines and amounts can no longer change"):
        await invoices.add_lines(d["id"], [Line("Forgotten part", 1, "10")])
    with pytest.raises(InvoiceLocked):
        await invoices.remove_line(line["id"], version=line["version"])
    with pytest.raises(InvoiceLocked):
        await invoices.update_draft(d["id"], {"notes": "changed"}, version=(await invoices.get(d["id"]))["version"])
    assert len(await invoices.lines(d["id"])) == 2 and (await invoices.get(d["id"]))["notes"] == ""


async def test_an_empty_or_negative_invoice_cannot_be_issued() -> None:
    empty = await invoices.create_draft(await customer())
    with pytest.raises(EmptyInvoice, match="has no lines yet"):
        await invoices.issue(empty["id"])
    credit = await draft(None, Line("Returned grinder", -1, "100"))
    with pytest.raises(NegativeInvoice, match="credit note"):
        await invoices.issue(credit["id"])
    assert (await invoices.get(empty["id"]))["state"] == "draft"


async def test_the_database_refuses_an_issued_invoice_without_number() -> None:
    d = await draft()
    with pytest.raises(Exception, match="(?i)check"):
        await Invoice.update({Invoice.state: "issued"}).where(Invoice.id == d["id"]).run()
    with pytest.raises(Exception, match="(?i)check"):
        await InvoiceLine.update({InvoiceLine.discount: D(101)}).where(InvoiceLine.invoice == d["id"]).run()


async def test_a_stale_version_is_refused() -> None:
    d = await draft()
    await invoices.add_lines(d["id"], [Line("Someone else's line", 1, "5")])
    with pytest.raises(records.StaleRecordError):
        await invoices.issue(d["id"], version=d["version"])
    assert (await invoices.get(d["id"]))["state"] == "draft"


# --- numbering --------------------------------------------------------------------------------------------

async def test_a_number_is_given_only_at_issue_and_dates_follow_the_terms() -> None:
    d = await draft(None, Line("Visit", 1, "100"), payment_terms=30)
    assert d["number"] is None and d["invoice_date"] is None and invoices.label(d) == f"Draft #{d['id']}"
    issued = await invoices.issue(d["id"])
    today = await invoices.today()
    assert issued["number"] == f"INV/{today.year}/00001"
    assert (issued["invoice_date"], issued["due_date"]) == (today, today + dt.timedelta(days=30))
    older = await draft(None, Line("Visit", 1, "100"), invoice_date=dt.date(2025, 12, 30))
    assert (await invoices.issue(older["id"]))["number"] == "INV/2025/00001"  # the series of its date's year


async def test_concurrent_issues_get_unique_numbers_without_gaps() -> None:
    partner = await customer()
    drafts = [await draft(partner) for _ in range(10)]
    issued = await asyncio.gather(*(invoices.issue(d["id"]) for d in drafts))
    year = (await invoices.today()).year
    assert sorted(i["number"] for i in issued) == [f"INV/{year}/{n:05d}" for n in range(1, 11)]


async def test_issuing_one_draft_ten_times_at_once_numbers_it_once() -> None:
    d = await draft()
    results = await asyncio.gather(*(invoices.issue(d["id"]) for _ in range(10)), return_exceptions=True)
    done = [r for r in results if isinstance(r, dict)]
    assert len(done) == 1, results
    assert all(isinstance(r, InvalidTransition | records.StaleRecordError) for r in results if r not in done)
    year = (await invoices.today()).year
    # The numbers the losers drew were rolled back with them: the next invoice continues the series.
    assert (await invoices.issue((await draft())["id"]))["number"] == f"INV/{year}/00002"


async def test_a_failed_issue_gives_its_number_back() -> None:
    d = await draft()
    with pytest.raises(RuntimeError):
        async with transaction():
            await invoices.issue(d["id"])
            raise RuntimeError("the caller's transaction fails later")
    assert (await invoices.get(d["id"]))["number"] is None
    assert (await invoices.issue(d["id"]))["number"].endswith("/00001")


# --- payment and cancellation -----------------------------------------------------------------------------

async def test_paying_records_the_date() -> None:
    d = await draft(None, Line("Visit", 1, "100"), invoice_date=dt.date(2026, 3, 2))
    await invoices.issue(d["id"])
    with pytest.raises(Exception, match="cannot be paid before its date"):
        await invoices.mark_paid(d["id"], dt.date(2026, 3, 1))
    paid = await invoices.mark_paid(d["id"], dt.date(2026, 3, 20))
    assert (paid["state"], paid["paid_on"]) == ("paid", dt.date(2026, 3, 20))
    audit = await AuditEntry.select(AuditEntry.field, AuditEntry.new).where(
        (AuditEntry.table_name == "billing_invoice") & (AuditEntry.record_id == d["id"])
        & (AuditEntry.field == "state")).run()
    assert [a["new"] for a in audit] == ["draft", "issued", "paid"]


async def test_an_issued_invoice_is_cancelled_only_with_a_reason_and_keeps_its_number() -> None:
    d = await draft()
    issued = await invoices.issue(d["id"])
    with pytest.raises(ReasonRequired, match="say why it is cancelled"):
        await invoices.cancel(d["id"], "  ")
    cancelled = await invoices.cancel(d["id"], "Billed to the wrong branch")
    assert (cancelled["state"], cancelled["number"], cancelled["cancel_reason"]) == (
        "cancelled", issued["number"], "Billed to the wrong branch")


# --- what other modules ask -------------------------------------------------------------------------------

async def test_lines_tell_which_document_they_bill() -> None:
    origin = "field_service.work_order:42"
    d = await invoices.create_draft(await customer(), [
        Line("Repair", 1, "89.50", origin_label="WO/2026/00042"), Line("Pump", 1, "49")], origin=origin)
    assert await invoices.origin_state(origin) == "draft"
    found = await invoices.lines_for_origin(origin)
    assert [(ln["description"], ln["origin_label"], ln["invoice_state"]) for ln in found] == [
        ("Repair", "WO/2026/00042", "draft"), ("Pump", "", "draft")]
    await invoices.issue(d["id"])
    assert await invoices.origin_state(origin) == "issued"
    assert await invoices.origin_state("field_service.work_order:43") is None


async def test_a_document_is_billed_on_one_invoice_at_a_time() -> None:
    origin = "field_service.work_order:7"
    first = await invoices.create_draft(await customer(), [Line("Visit", 1, "100", origin=origin)])
    await invoices.add_lines(first["id"], [Line("Parts", 1, "20", origin=origin)])  # the same invoice: fine
    with pytest.raises(AlreadyInvoiced, match=f"{origin} is billed on Draft #{first['id']} already"):
        await invoices.create_draft(await customer("Other"), [Line("Visit", 1, "100", origin=origin)])
    await invoices.cancel(first["id"])
    again = await invoices.create_draft(await customer("Third"), [Line("Visit", 1, "100", origin=origin)])
    assert await invoices.origin_state(origin) == "draft" and again["amount_net"] == D(100)


async def test_open_invoices_sum_what_is_owed_and_flag_what_is_late() -> None:
    partner = await customer()
    today = await invoices.today()
    late = await draft(partner, Line("Visit", 1, "100"), invoice_date=today - dt.timedelta(days=30))
    soon = await draft(partner, Line("Visit", 1, "50"), invoice_date=today)
    paid = await draft(partner, Line("Visit", 1, "10"), invoice_date=today)
    for d in (late, soon, paid):
        await invoices.issue(d["id"])
    await invoices.mark_paid(paid["id"])
    summary = await invoices.open_invoices()
    assert (summary.count, summary.total, summary.overdue_count, summary.overdue_total) == (
        2, D("181.50"), 1, D("121.00"))
    assert [(r["id"], r["overdue"]) for r in summary.rows] == [(late["id"], True), (soon["id"], False)]


async def test_messages_speak_the_users_language(speaking) -> None:
    speaking("nl")
    assert invoices.label({"id": 4, "number": None}) == "Concept #4"
    assert language.get() == "nl"
