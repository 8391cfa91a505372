"""The accounting export page: pick a period, download the CSV for the bookkeeping package."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from core.i18n import _
from core.web.pages import page
from modules.billing.services import accounting, period
from modules.billing.services import invoice as invoices

READ = "billing.invoice.read"


class AccountingController(Controller):
    path = "/billing/accounting"

    @get("/", permission=READ)
    async def index(self, request: Request) -> Template:
        start, end = period.bounds("last_month", await invoices.today())
        title = _("Accounting export")
        return await page(request, "billing/accounting/export.html", title=title,
                          breadcrumbs=[(_("Invoices"), "/billing/invoices"), (title, "/billing/accounting")],
                          start=start, end=end, columns=accounting.COLUMNS, ledger=await accounting.revenue_account())
