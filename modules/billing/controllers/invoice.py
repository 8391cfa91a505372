"""Invoice pages: the kit's list and header form, the invoice page with its lines (added and
removed through htmx fragments over real forms), the state actions and the exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from litestar.response import Redirect, Stream, Template

from core.auth.current import current_user
from core.db.records import StaleRecordError
from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller, crud
from core.web.kit.actions import posted_version, redirect_with, who
from core.web.kit.detail import Action, detail_context, detail_page
from core.web.kit.forms import initial, many2one_options, submitted, validate
from core.web.kit.resource import company_currency, displayed, fetch
from core.web.pages import page, wants_block
from modules.billing.models.invoice import STATES, Invoice, InvoiceLine
from modules.billing.services import accounting, money, period
from modules.billing.services import invoice as invoices
from modules.billing.services.errors import STATE_LABELS, BillingError, InvalidLine, ReasonRequired

READ, WRITE, ISSUE = "billing.invoice.read", "billing.invoice.write", "billing.invoice.issue"
PATH = "/billing/invoices"
TEMPLATE = "billing/invoice/detail.html"
STATE_TONES = {"draft": "neutral", "issued": "warn", "paid": "ok", "cancelled": "danger"}
BADGES = {"issued": "warn", "paid": "ok", "cancelled": "danger"}
VAT_CHOICES = (("21", "21%"), ("9", "9%"), ("0", "0%"))


class InvoicePeriod:
    """The Period filter's source: the kit compares `source == value`; this answers with
    the invoice dates of that named period."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, value: object) -> Any:  # type: ignore[override]
        start, end = period.bounds(str(value), dt.date.today())
        return (Invoice.invoice_date >= start) & (Invoice.invoice_date <= end)


class Overdue:
    """The Due filter's source: issued invoices past their due date."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, value: object) -> Any:  # type: ignore[override]
        return (Invoice.state == "issued") & (Invoice.due_date < dt.date.today())


CUSTOMERS = Many2one(Partner, "/contacts/partners/options?customer=yes",
                     where=lambda: Partner.is_customer == True)  # noqa: E712
PRODUCTS = Many2one(Product, "/products/options?active=yes", where=lambda: Product.active == True)  # noqa: E712

INVOICES = Resource(
    path=PATH, table=Invoice, title="Invoices", singular="Invoice", label="number",
    list=ListSpec(
        table=Invoice,
        columns=(
            Column("number", "Number", "link"),
            Column("partner_name", "Customer", source=Invoice.partner.name),
            Column("state", "State", "badge", choices=STATE_LABELS, badges=BADGES),
            Column("invoice_date", "Invoice date", "date"),
            Column("due_date", "Due date", "date"),
            Column("amount_net", "Net", "money", shown=False),
            Column("amount_vat", "VAT", "money", shown=False),
            Column("amount_gross", "Total", "money"),
            Column("paid_on", "Paid on", "date", shown=False),
            Column("customer_reference", "Customer reference", shown=False),
            Column("origin", "Origin", shown=False),
        ),
        search=("number", "partner.name", "customer_reference"),
        filters=(
            Filter("state", "State", choices=tuple((s, STATE_LABELS[s]) for s in STATES)),
            Filter("partner", "Customer", "many2one", table=Partner),
            Filter("period", "Period", choices=tuple(period.PERIODS.items()), source=InvoicePeriod()),
            Filter("due", "Due", choices=(("overdue", "Overdue"),), source=Overdue()),
        ),
        sort="invoice_date", dir="desc",
    ),
    form=Form(
        table=Invoice,
        fields=(
            Field("partner", "Customer", "many2one", required=True, many2one=CUSTOMERS),
            Field("invoice_date", "Invoice date", "date", help="Left empty: the day it is issued."),
            Field("payment_terms", "Payment terms", "integer", required=True, min=Decimal(0), max=Decimal(365),
                  unit="days", default=invoices.DEFAULT_TERMS),
            Field("customer_reference", "Customer reference",
                  help="Their purchase order number or reference, printed on the invoice."),
            Field("notes", "Notes", "textarea", help="Printed on the invoice, below the lines."),
        ),
    ),
    read=READ, write=WRITE, detail_template=TEMPLATE, new_title="New invoice",
)

LINE_FORM = Form(table=InvoiceLine, fields=(
    Field("product", "Product", "many2one", many2one=PRODUCTS,
          help="Left empty, the description, unit and price come from the product."),
    Field("description", "Description"),
    Field("quantity", "Quantity", "quantity", required=True, default=Decimal(1)),
    Field("unit_price", "Unit price", "money"),
    Field("discount", "Discount", "decimal", min=Decimal(0), max=Decimal(100), unit="%"),
    Field("vat_rate", "VAT", "select", required=True, choices=VAT_CHOICES, default="21"),
))


async def _invoice(request: Request, invoice_id: int) -> dict[str, Any]:
    """The invoice through the user's record rules, or 404."""
    registry, user = await who(request)
    record = await fetch(INVOICES, invoice_id, registry, user)
    if record is None:
        raise NotFoundException()
    return record


def _actions(invoice: Mapping[str, Any]) -> list[Action]:
    url, state = f"{PATH}/{invoice['id']}", invoice["state"]
    if state == "draft":
        return [Action(_("Edit"), f"{url}/edit", permission=WRITE),
                Action(_("Issue"), f"{url}/issue?version={invoice['version']}", "post", "primary", permission=ISSUE,
                       confirm=_("Issue this invoice? It gets its number and can no longer change.")),
                Action(_("Discard draft"), f"{url}/cancel", "post", "danger", permission=WRITE,
                       confirm=_("Discard this draft invoice?"))]
    if state == "issued":
        return [Action(_("Mark paid"), f"{url}/pay", tone="primary", permission=ISSUE),
                Action(_("Cancel invoice"), f"{url}/cancel", tone="danger", permission=ISSUE)]
    return []


async def _lines_context(request: Request, invoice: Mapping[str, Any], *, line_raw: Mapping[str, str] | None = None,
                         line_errors: Mapping[str, str] | None = None, line_q: str = "",
                         notice: tuple[str, str] | None = None) -> dict[str, Any]:
    registry, user = await who(request)
    found = await invoices.lines(invoice["id"])
    editable = invoice["state"] == "draft" and user.can(WRITE)
    raw = dict(line_raw or initial(LINE_FORM))
    options = {"product": await many2one_options(LINE_FORM.field("product"), registry, user,
                                                 selected=raw.get("product", ""), q=line_q)} if editable else {}
    return {
        "invoice": invoice, "record": invoice, "lines": found, "totals": money.totals(found),
        "editable": editable, "line_form": LINE_FORM, "line_raw": raw, "line_errors": line_errors or {},
        "line_options": options, "search": ("product", line_q) if line_q else ("", ""), "notice": notice,
        "url": f"{PATH}/{invoice['id']}", "currency": invoice["currency"], "actions": _actions(invoice),
        "label": invoices.label(invoice),
    }


async def invoice_page(request: Request, invoice_id: int, *, status_code: int = 200, **lines: Any) -> Template:
    """The invoice's page; htmx requests for its lines get only the `lines` block."""
    invoice = await _invoice(request, invoice_id)
    context = await _lines_context(request, invoice, **lines)
    if wants_block(request) and request.headers.get("hx-target") != "detail-tabs":
        # The header's actions carry the invoice's version, which a line change moves on.
        detail = await detail_context(request, Invoice, invoice, title=context["label"], actions=context["actions"],
                                      choices={"state": STATE_LABELS})
        return await page(request, TEMPLATE, block="lines", status_code=status_code, hx_oob=True, **context, **detail)
    title = context["label"]
    ctx = await detail_context(request, Invoice, invoice, title=title,
                               state=(_(STATE_LABELS[invoice["state"]]), STATE_TONES[invoice["state"]]),
                               actions=context["actions"], choices={"state": STATE_LABELS})
    partner = await Partner.select().where(Partner.id == invoice["partner"]).first().run()
    return await detail_page(
        request, TEMPLATE, status_code=status_code, title=title,
        breadcrumbs=[(_(INVOICES.title), PATH), (title, f"{PATH}/{invoice_id}")],
        **{**ctx, **context, "res": INVOICES, "shown": await displayed(INVOICES, invoice, invoice["currency"]),
           "partner": partner or {}, "today": await invoices.today()},
    )


async def _state_change(request: Request, invoice_id: int, action: Any, done: str) -> Redirect:
    url = f"{PATH}/{invoice_id}"
    try:
        await action()
    except BillingError as exc:
        return redirect_with(request, url, str(exc), "error")
    except StaleRecordError:
        return redirect_with(request, url, _("Someone changed this invoice meanwhile; check it and try again."), "error")
    return redirect_with(request, url, done)


def _can(request: Request, permission: str) -> None:
    user = current_user(request)
    if user is None or not user.can(permission):
        raise PermissionDeniedException(f"you lack the permission {permission}")


def _date_param(request: Request, name: str) -> dt.date | None:
    text = str(request.query_params.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationException(f"{name}: expected a date as YYYY-MM-DD, got {text[:20]!r}") from None


async def _small_form(request: Request, invoice: Mapping[str, Any], kind: str, raw: Mapping[str, Any],
                      error: str = "") -> Template:
    """The Mark paid and Cancel pages: one small form each, carrying the invoice's version."""
    label = invoices.label(invoice)
    title = _("Mark %(invoice)s paid", invoice=label) if kind == "pay" else _("Cancel %(invoice)s", invoice=label)
    return await page(
        request, f"billing/invoice/{kind}.html", status_code=400 if error else 200, title=title,
        breadcrumbs=[(_(INVOICES.title), PATH), (label, f"{PATH}/{invoice['id']}"), (title, request.url.path)],
        invoice=invoice, raw={k: str(v) for k, v in raw.items()}, error=error, url=f"{PATH}/{invoice['id']}")


async def open_invoices_tile(request: Request) -> Mapping[str, Any]:
    summary = await invoices.open_invoices()
    return {"summary": summary, "url": f"{PATH}?state=issued", "overdue_url": f"{PATH}?due=overdue",
            "currency": await company_currency()}


class InvoiceController(controller(INVOICES)):  # type: ignore[misc]
    """The kit's list, export and header form, with the invoice page, its lines and actions."""

    @get("/new", permission=WRITE)
    async def new(self, request: Request) -> Template:
        raw = {**initial(INVOICES.form), "payment_terms": str(await invoices.default_terms())}
        return await crud.form_page(INVOICES, request, record=None, raw=raw, errors={})

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        data = await request.form()
        if data.get("_search"):
            return await crud.save_new(INVOICES, request)  # the picker's search without JavaScript
        registry, user = await who(request)
        values, errors = await validate(INVOICES.form, data, registry, user)
        if errors:
            return await crud.form_page(INVOICES, request, record=None, raw=submitted(INVOICES.form, data),
                                        errors=errors, status_code=400)
        row = await invoices.create_draft(values.pop("partner"), **values)
        return redirect_with(request, f"{PATH}/{row['id']}", _("Draft invoice created: add its lines."))

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await invoice_page(request, record_id, line_q=str(request.query_params.get("line_q") or "")[:100])

    @get("/{record_id:int}/edit", permission=WRITE)
    async def edit(self, request: Request, record_id: int) -> Template | Redirect:
        invoice = await _invoice(request, record_id)
        if invoice["state"] != "draft":
            return redirect_with(request, f"{PATH}/{record_id}", _("Only a draft invoice can be changed."), "error")
        return await crud.form_page(INVOICES, request, record=invoice, raw=initial(INVOICES.form, invoice), errors={})

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        invoice = await _invoice(request, record_id)
        data = await request.form()
        if data.get("_search"):
            return await crud.save_edit(INVOICES, request, record_id)
        registry, user = await who(request)
        values, errors = await validate(INVOICES.form, data, registry, user, record_id)
        version = posted_version(data) or -1
        if not errors:
            try:
                await invoices.update_draft(record_id, values, version=version)
                return redirect_with(request, f"{PATH}/{record_id}", _("Invoice saved."))
            except StaleRecordError:
                return await crud.form_page(INVOICES, request, record={**invoice, "version": version},
                                            raw=submitted(INVOICES.form, data), errors={}, status_code=409, stale=True)
            except BillingError as exc:
                return redirect_with(request, f"{PATH}/{record_id}", str(exc), "error")
        return await crud.form_page(INVOICES, request, record={**invoice, "version": version},
                                    raw=submitted(INVOICES.form, data), errors=errors, status_code=400)

    @post("/{record_id:int}/lines", permission=WRITE, status_code=303)
    async def add_line(self, request: Request, record_id: int) -> Template | Redirect:
        await _invoice(request, record_id)
        data = await request.form()
        if data.get("_search"):  # the product picker's search without JavaScript
            return await invoice_page(request, record_id, line_raw=submitted(LINE_FORM, data),
                                      line_q=str(data.get("_q_product") or "").strip()[:100])
        registry, user = await who(request)
        values, errors = await validate(LINE_FORM, data, registry, user)
        if not errors:
            values["unit_price"] = values["unit_price"] if str(data.get("unit_price") or "").strip() else None
            try:
                await invoices.add_lines(record_id, [values])
            except InvalidLine as exc:
                errors = exc.errors
            except BillingError as exc:
                return redirect_with(request, f"{PATH}/{record_id}", str(exc), "error")
        if errors:
            return await invoice_page(request, record_id, line_raw=submitted(LINE_FORM, data), line_errors=errors,
                                      status_code=200 if wants_block(request) else 400)
        if wants_block(request):
            return await invoice_page(request, record_id, notice=("success", _("Line added.")))
        return redirect_with(request, f"{PATH}/{record_id}#invoice-lines", _("Line added."))

    @post("/{record_id:int}/lines/{line_id:int}/remove", permission=WRITE, status_code=303)
    async def remove_line(self, request: Request, record_id: int, line_id: int) -> Template | Redirect:
        await _invoice(request, record_id)
        if not await InvoiceLine.exists().where((InvoiceLine.id == line_id) & (InvoiceLine.invoice == record_id)).run():
            raise NotFoundException()
        try:
            await invoices.remove_line(line_id, version=posted_version(await request.form()) or -1)
            notice = ("success", _("Line removed."))
        except BillingError as exc:
            notice = ("error", str(exc))
        except StaleRecordError:
            notice = ("error", _("Someone changed this line meanwhile; it shows their version now."))
        if wants_block(request):
            return await invoice_page(request, record_id, notice=notice)
        return redirect_with(request, f"{PATH}/{record_id}#invoice-lines", notice[1], notice[0])

    @post("/{record_id:int}/issue", permission=ISSUE, status_code=303)
    async def issue(self, request: Request, record_id: int) -> Redirect:
        await _invoice(request, record_id)
        version = request.query_params.get("version")
        seen = int(version) if version and version.isdigit() else None
        return await _state_change(request, record_id, lambda: invoices.issue(record_id, version=seen),
                                   _("Invoice issued."))

    @get("/{record_id:int}/pay", permission=ISSUE)
    async def pay_form(self, request: Request, record_id: int) -> Template:
        invoice = await _invoice(request, record_id)
        return await _small_form(request, invoice, "pay", {"paid_on": (await invoices.today()).isoformat()})

    @post("/{record_id:int}/pay", permission=ISSUE, status_code=303)
    async def pay(self, request: Request, record_id: int) -> Template | Redirect:
        invoice = await _invoice(request, record_id)
        data = await request.form()
        try:
            paid_on = dt.date.fromisoformat(str(data.get("paid_on") or "").strip())
        except ValueError:
            return await _small_form(request, invoice, "pay", data, _("Enter a date as YYYY-MM-DD."))
        return await _state_change(request, record_id, lambda: invoices.mark_paid(
            record_id, paid_on, version=posted_version(data)), _("Invoice marked paid."))

    @get("/{record_id:int}/cancel", permission=WRITE)
    async def cancel_form(self, request: Request, record_id: int) -> Template | Redirect:
        invoice = await _invoice(request, record_id)
        if invoice["state"] != "draft":
            _can(request, ISSUE)
        return await _small_form(request, invoice, "cancel", {})

    @post("/{record_id:int}/cancel", permission=WRITE, status_code=303)
    async def cancel(self, request: Request, record_id: int) -> Template | Redirect:
        invoice = await _invoice(request, record_id)
        if invoice["state"] != "draft":
            _can(request, ISSUE)  # cancelling what the customer got is the issuer's call
        data = await request.form()
        try:
            await invoices.cancel(record_id, str(data.get("reason") or ""), version=posted_version(data))
        except ReasonRequired as exc:
            return await _small_form(request, invoice, "cancel", data, str(exc))
        except BillingError as exc:
            return redirect_with(request, f"{PATH}/{record_id}", str(exc), "error")
        except StaleRecordError:
            return redirect_with(request, f"{PATH}/{record_id}",
                         _("Someone changed this invoice meanwhile; check it and try again."), "error")
        message = _("Draft discarded.") if invoice["state"] == "draft" else _("Invoice cancelled.")
        return redirect_with(request, f"{PATH}/{record_id}", message)

    @get("/export-accounting", permission=READ)
    async def export_accounting(self, request: Request) -> Stream:
        start, end = _date_param(request, "from"), _date_param(request, "to")
        ledger = await accounting.revenue_account()

        async def chunks() -> Any:
            async for text in accounting.export(start, end, ledger):
                yield text.encode()

        name = f"invoices-{start or 'start'}-{end or 'today'}.csv"
        return Stream(chunks(), media_type="text/csv; charset=utf-8",
                      headers={"content-disposition": f'attachment; filename="{name}"'})
