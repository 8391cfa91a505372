"""The accounting export: issued invoices as CSV for a bookkeeping package.

`/billing/invoices/export-accounting?from=2026-01-01&to=2026-03-31` answers one row
per invoice line of every issued or paid invoice dated in that period (both ends
included; either may be left out). Cancelled invoices and drafts are left out: they
are no revenue (a cancelled invoice keeps its number and reason on its page).

The format is what Dutch packages (Exact Online, Twinfield, Snelstart) import as a
"memoriaal"/sales journal through a column mapping:

- UTF-8 with a byte order mark (so Excel shows accents), lines ending in CRLF;
- separator `;`, fields quoted only when they hold `;`, `"` or a line break;
- amounts with a decimal comma, two decimals, no thousands separator, a leading minus
  when negative (`1234,50`, `-12,00`); dates as DD-MM-YYYY; the VAT rate as a whole
  percentage (`21`);
- text cells starting with `=`, `+`, `-` or `@` get a leading apostrophe, so a
  spreadsheet never runs them as formulas.

Columns, always in this order (the header row names them):

    invoice_number      INV/2026/00042
    invoice_date        DD-MM-YYYY
    due_date            DD-MM-YYYY
    debtor              the customer's reference in Steward (e.g. C0001), the debtor code
    partner             the customer's name
    partner_vat_number  the customer's VAT number (empty for consumers)
    ledger_account      the revenue account, setting "Revenue ledger account" (default 8000)
    description         the line's description
    net                 the line's net amount
    vat_code            VH (21 %), VL (9 %), VN (0 %): Twinfield's sales codes, mapped at import
    vat_rate            21, 9 or 0
    vat                 the line's share of its rate's VAT (the shares add up to the invoice's
                        VAT per rate, which is rounded once per rate, see services/money.py)
    gross               net + vat
    currency            EUR

Summing `net`, `vat` and `gross` over an invoice's rows gives the invoice's totals exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

from core.web.kit.export import safe_cell
from modules.billing.models.invoice import Invoice, InvoiceLine
from modules.billing.services import money

COLUMNS = ("invoice_number", "invoice_date", "due_date", "debtor", "partner", "partner_vat_number",
           "ledger_account", "description", "net", "vat_code", "vat_rate", "vat", "gross", "currency")
VAT_CODES = {Decimal(21): "VH", Decimal(9): "VL", Decimal(0): "VN"}
BOM = "\ufeff"
BATCH = 500  # invoices per query


async def revenue_account() -> str:
    """The ledger account revenue is booked on (module setting, default 8000)."""
    from core.admin.settings_store import get_setting
    from modules.billing.manifest import MANIFEST  # the manifest imports this module

    return str(await get_setting(MANIFEST, "revenue_account") or "8000").strip() or "8000"


def amount(value: Decimal) -> str:
    """1234.5 -> "1234,50": two decimals, decimal comma, no thousands separator."""
    return f"{money.cents(value):f}".replace(".", ",")


def date(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def rate(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}".replace(".", ",")


def _csv(values: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerow(values)
    return buf.getvalue()


def _rows(invoice: dict[str, Any], found: list[dict[str, Any]], ledger: str) -> list[list[str]]:
    shares = money.line_vat(found)
    out = []
    for ln, vat in zip(found, shares, strict=True):
        net = Decimal(ln["amount_net"])
        out.append([
            invoice["number"], date(invoice["invoice_date"]), date(invoice["due_date"]),
            safe_cell(invoice["debtor"] or ""), safe_cell(invoice["partner"] or ""),
            safe_cell(invoice["partner_vat_number"] or ""), ledger, safe_cell(ln["description"]), amount(net),
            VAT_CODES.get(Decimal(ln["vat_rate"]), ""), rate(ln["vat_rate"]), amount(vat), amount(net + vat),
            invoice["currency"],
        ])
    return out


async def export(start: dt.date | None, end: dt.date | None, ledger: str = "8000") -> AsyncIterator[str]:
    """The CSV text, header first, `BATCH` invoices per query (the file may be large)."""
    yield BOM + _csv(COLUMNS)
    after = ""
    while True:
        query = Invoice.select(
            Invoice.id, Invoice.number, Invoice.invoice_date, Invoice.due_date, Invoice.currency,
            Invoice.partner.name.as_alias("partner"), Invoice.partner.vat_number.as_alias("partner_vat_number"),
            Invoice.partner.reference.as_alias("debtor"),
        ).where(Invoice.state.is_in(["issued", "paid"]) & (Invoice.number > after))
        if start:
            query = query.where(Invoice.invoice_date >= start)
        if end:
            query = query.where(Invoice.invoice_date <= end)
        invoices = await query.order_by(Invoice.number).limit(BATCH).run()
        if not invoices:
            return
        lines = await InvoiceLine.select(
            InvoiceLine.invoice, InvoiceLine.description, InvoiceLine.amount_net, InvoiceLine.vat_rate,
        ).where(InvoiceLine.invoice.is_in([i["id"] for i in invoices])).order_by(
            InvoiceLine.invoice).order_by(InvoiceLine.sequence).order_by(InvoiceLine.id).run()
        by_invoice: dict[int, list[dict[str, Any]]] = {}
        for ln in lines:
            by_invoice.setdefault(ln["invoice"], []).append(ln)
        yield "".join(_csv(row) for inv in invoices for row in _rows(inv, by_invoice.get(inv["id"], []), ledger))
        if len(invoices) < BATCH:
            return
        after = invoices[-1]["number"]
