"""The invoice as a printed document (PDF, with an HTML preview): bound to `billing_invoice`,
so every invoice page has a Print button."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.i18n import _
from core.modules.manifest import Report
from core.partners.models import Partner
from core.reports.render import partner_language
from modules.billing.models.invoice import Invoice
from modules.billing.services import invoice as invoices
from modules.billing.services import money

READ = "billing.invoice.read"


def iban_groups(iban: str) -> str:
    """NL64RABO0314729856 -> "NL64 RABO 0314 7298 56", as IBANs are written on paper."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


async def document(record_id: int | None) -> dict[str, Any]:
    if record_id is None:
        raise LookupError("an invoice report needs an invoice")
    row = await Invoice.select().where(Invoice.id == record_id).first().run()
    if row is None:
        raise LookupError(f"invoice #{record_id} does not exist")
    partner = await Partner.select().where(Partner.id == row["partner"]).first().run() or {}
    found = await invoices.lines(record_id)
    for ln, vat in zip(found, money.line_vat(found), strict=True):
        ln["vat_amount"] = vat
        ln["whole"] = Decimal(ln["quantity"]) == Decimal(ln["quantity"]).to_integral_value()
    totals = money.totals(found)
    titles = {"draft": _("Draft invoice"), "cancelled": _("Cancelled invoice")}
    return {
        "invoice": row, "partner": partner, "lines": found, "totals": totals,
        "title": titles.get(row["state"], _("Invoice")), "label": invoices.label(row),
        "currency": row["currency"], "iban_groups": iban_groups,
        "slug": row["number"] or f"draft-{record_id}",
    }


INVOICE = Report(
    name="billing_invoice",
    title="Invoice",
    template="billing/reports/invoice.html",
    context=document,
    permission=READ,
    model=Invoice._meta.tablename,
    filename="invoice-{slug}.pdf",
    language=partner_language(Invoice),
)
