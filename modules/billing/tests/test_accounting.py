"""The accounting export: one row per line of the period's issued and paid invoices, in the
format Dutch bookkeeping packages import (semicolons, decimal comma, DD-MM-YYYY)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest

from core.testing import make_user
from modules.billing.services import accounting
from modules.billing.services import invoice as invoices
from modules.billing.services.invoice import Line
from modules.billing.tests.conftest import customer, draft

pytestmark = pytest.mark.usefixtures("billing_db")


async def _csv(start: dt.date | None = None, end: dt.date | None = None) -> str:
    return "".join([chunk async for chunk in accounting.export(start, end)])


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


async def _issued(partner: int, day: dt.date, *lines: Line, paid: bool = False) -> dict:
    d = await draft(partner, *lines, invoice_date=day)
    issued = await invoices.issue(d["id"])
    if paid:
        await invoices.mark_paid(d["id"], day)
    return issued


async def test_each_line_of_the_periods_invoices_is_a_row_whose_amounts_add_up() -> None:
    zwaan = await customer()
    march = await _issued(zwaan, dt.date(2026, 3, 2), Line("Maintenance visit", 1, "195.00"),
                          Line("Group head gasket; 8.5 mm", 3, "0.05"), Line("=cmd|' /C calc'!A0", 1, "0.05"),
                          Line("Espresso beans, 1 kg", 6, "21.50", vat_rate=9), paid=True)
    await _issued(zwaan, dt.date(2026, 2, 27), Line("February visit", 1, "50"))  # before the period
    await _issued(zwaan, dt.date(2026, 4, 1), Line("April visit", 1, "50"))  # after it
    cancelled = await _issued(zwaan, dt.date(2026, 3, 10), Line("Wrong", 1, "10"))
    await invoices.cancel(cancelled["id"], "Wrong customer")
    await draft(zwaan, Line("Not yet", 1, "10"), invoice_date=dt.date(2026, 3, 11))

    text = await _csv(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert text.splitlines()[0] == "\ufeff" + ";".join(accounting.COLUMNS)
    rows = _rows(text)
    assert [r["description"] for r in rows] == [
        "Maintenance visit", "Group head gasket; 8.5 mm", "'=cmd|' /C calc'!A0", "Espresso beans, 1 kg"]
    assert '"Group head gasket; 8.5 mm"' in text  # a separator inside a field is quoted
    first = rows[0]
    assert first == {
        "invoice_number": march["number"], "invoice_date": "02-03-2026", "due_date": "16-03-2026",
        "debtor": "C0001", "partner": "Café De Zwaan", "partner_vat_number": "NL001482734B62",
        "ledger_account": "8000", "description": "Maintenance visit", "net": "195,00", "vat_code": "VH",
        "vat_rate": "21", "vat": "40,95", "gross": "235,95", "currency": "EUR",
    }
    assert [(r["net"], r["vat_code"], r["vat_rate"], r["vat"]) for r in rows[1:]] == [
        ("0,15", "VH", "21", "0,03"), ("0,05", "VH", "21", "0,01"), ("129,00", "VL", "9", "11,61")]
    # Per rate, the lines' VAT adds up to the invoice's (21% of 195.20 = 40.99, rounded once).
    total = sum(D(r["gross"].replace(",", ".")) for r in rows)
    assert total == march["amount_gross"] == D("376.80")
    assert sum(D(r["vat"].replace(",", ".")) for r in rows) == march["amount_vat"]


async def test_without_dates_everything_issued_is_exported_in_number_order() -> None:
    partner = await customer()
    first = await _issued(partner, dt.date(2025, 12, 30), Line("Old", 1, "1"))
    second = await _issued(partner, dt.date(2026, 1, 5), Line("New", 1, "1234.5"))
    rows = _rows(await _csv())
    assert [r["invoice_number"] for r in rows] == [first["number"], second["number"]]
    assert rows[1]["net"] == "1234,50" and rows[1]["gross"] == "1493,75"


async def test_the_export_streams_over_many_invoices(monkeypatch) -> None:
    monkeypatch.setattr(accounting, "BATCH", 2)
    partner = await customer()
    for n in range(5):
        await _issued(partner, dt.date(2026, 5, 1 + n), Line(f"Visit {n}", 1, "10"))
    assert [r["description"] for r in _rows(await _csv())] == [f"Visit {n}" for n in range(5)]


async def test_the_export_route_needs_the_permission_and_checks_its_dates(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await make_user("jan", roles=("technician",))
    await _issued(await customer(), dt.date(2026, 3, 2), Line("Maintenance visit", 1, "195.00"))
    client = await client_as("mia")
    response = await client.get("/billing/invoices/export-accounting?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="invoices-2026-03-01-2026-03-31.csv"' in response.headers["content-disposition"]
    assert _rows(response.content.decode())[0]["net"] == "195,00"
    assert (await client.get("/billing/invoices/export-accounting?from=March")).status_code == 400
    page = await client.get("/billing/accounting", headers={"accept": "text/html"})
    assert page.status_code == 200 and 'action="/billing/invoices/export-accounting"' in page.text
    client = await client_as("jan")
    assert (await client.get("/billing/invoices/export-accounting")).status_code == 403
    assert (await client.get("/billing/accounting")).status_code == 403
