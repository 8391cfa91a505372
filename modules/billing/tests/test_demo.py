"""The billing demo: Koffiepunt's invoices of the last months tell a believable story and load once."""

from __future__ import annotations

import pytest

from core.db.data import DataRecord
from core.demo import load_demo as load_core_demo
from modules.billing.demo import INVOICES, load_demo
from modules.billing.models.invoice import Invoice, InvoiceLine
from modules.billing.services import invoice as invoices
from modules.billing.services import money

pytestmark = pytest.mark.usefixtures("billing_db")


async def test_the_demo_has_invoices_in_every_state_and_loads_once() -> None:
    await load_core_demo()
    await load_demo()
    rows = await Invoice.select(Invoice.id, Invoice.number, Invoice.state, Invoice.invoice_date, Invoice.due_date,
                                Invoice.amount_gross, Invoice.created_at).order_by(Invoice.id).run()
    assert len(rows) == len(INVOICES)
    states = [r["state"] for r in rows]
    assert states.count("paid") >= 3 and states.count("issued") == 2 and states.count("draft") == 1
    assert states.count("cancelled") == 1
    today = await invoices.today()
    assert sum(1 for r in rows if r["state"] == "issued" and r["due_date"] < today) == 1  # Brainport's
    numbered = sorted((r for r in rows if r["number"]), key=lambda r: r["number"])
    assert [r["invoice_date"] for r in numbered] == sorted(r["invoice_date"] for r in numbered)
    for r in rows:  # stored totals agree with the lines, every invoice
        assert money.totals(await invoices.lines(r["id"])).gross == r["amount_gross"]
        assert r["created_at"].date() <= today
    lines = await InvoiceLine.count().run()
    await load_demo()
    assert await Invoice.count().run() == len(INVOICES) and await InvoiceLine.count().run() == lines
    keys = await DataRecord.select(DataRecord.key).where(
        (DataRecord.module == "billing") & DataRecord.key.like("invoice.%")).run()
    assert sorted(k["key"] for k in keys) == sorted(f"invoice.{d.key}" for d in INVOICES)
