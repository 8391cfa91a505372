"""Customer returns (RMA): the list, a new return, and the return's page where its lines
are added, the goods received and each line's outcome carried out (htmx swaps the lines
section; every button is a real form underneath)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template

from core.db.records import StaleRecordError
from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.web.flash import flash
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from core.web.kit.crud import form_page, save_edit
from core.web.kit.detail import Action, detail_context, detail_page
from core.web.kit.forms import initial, submitted, validate
from core.web.kit.resource import company_currency, displayed
from core.web.pages import page, wants_block
from modules.warehouse.controllers.returns_common import (
    done,
    number,
    options,
    record_of,
    refused_status,
    shelves,
    who,
)
from modules.warehouse.models.rma import Return, ReturnLine, VendorClaim
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import rma
from modules.warehouse.services.errors import WarehouseError

RETURNS_URL = "/warehouse/returns"
READ, WRITE = "warehouse.return.read", "warehouse.return.write"
TEMPLATE = "warehouse/rma/detail.html"
STATE_TONES = {"draft": "neutral", "received": "warn", "done": "ok", "cancelled": "neutral"}
STATE_BADGES = {"received": "warn", "done": "ok"}
# How the page names the transfers a return causes.
TRANSFER_KINDS = {"customer_return": "Received from the customer", "delivery": "Delivery",
                  "repair_out": "Sent for repair", "repair_in": "Back from repair", "scrap": "Scrapped"}


def _customers() -> Any:
    return Partner.is_customer == True  # noqa: E712


def _suppliers() -> Any:
    return Partner.is_supplier == True  # noqa: E712


RETURN_LIST = ListSpec(
    table=Return,
    columns=(
        Column("number", "Number", "link"),
        Column("partner_name", "Customer", source=Return.partner.name),
        Column("state", "State", "badge", choices=rma.STATE_LABELS, badges=STATE_BADGES),
        Column("received_on", "Received on", "date"),
        Column("origin", "Origin"),
    ),
    search=("number", "origin", "partner.name"),
    filters=(Filter("state", "State", "choices", choices=tuple(rma.STATE_LABELS.items())),),
    sort="number", dir="desc",
)

RETURN_FORM = Form(
    table=Return,
    fields=(
        Field("partner", "Customer", "many2one", required=True,
              many2one=Many2one(Partner, "/contacts/partners/options?customer=yes", where=_customers)),
        Field("origin", "Origin", help="The delivery, work order or invoice the goods came with."),
        Field("note", "Note", "textarea"),
    ),
)

RETURNS = Resource(
    path=RETURNS_URL, table=Return, title="Returns", singular="Return", list=RETURN_LIST, form=RETURN_FORM,
    read=READ, write=WRITE, detail_template=TEMPLATE, label="number", new_title="New return",
)

LINE_FORM = Form(
    table=ReturnLine,
    fields=(
        Field("product", "Product", "many2one", required=True, many2one=Many2one(Product, "/products/options")),
        Field("serial", "Serial or lot number", max_length=100),
        Field("quantity", "Quantity", "quantity", required=True, min=Decimal("0.001"), default=Decimal(1)),
        Field("reason", "Reason"),
    ),
)

# The details each outcome asks for; refund and scrap need none.
OUTCOME_FORMS = {
    "replace": Form(table=ReturnLine, fields=(
        Field("serial", "Replacement serial number", max_length=100,
              help="Serial-tracked products only: a unit that is in stock."),
    )),
    "repair": Form(table=Transfer, fields=(
        Field("repairer", "Repairer", "many2one", required=True, max_length=12,
              many2one=Many2one(Partner, "/contacts/partners/options")),
        Field("carrier", "Carrier"),
        Field("tracking_number", "Tracking number"),
        Field("expected_return", "Expected back", "date"),
        Field("loaner", "Loaner serial number", max_length=100, help="A unit lent to the customer meanwhile."),
    )),
    "return_to_vendor": Form(table=VendorClaim, fields=(
        Field("supplier", "Supplier", "many2one", required=True,
              many2one=Many2one(Partner, "/contacts/partners/options?supplier=yes", where=_suppliers)),
        Field("claim_number", "Supplier's claim number"),
        Field("credit_expected", "Credit expected", "money", min=Decimal(0), default=Decimal(0)),
    )),
}
DONE_MESSAGES = {
    "refund": "Refunded: the goods stay in stock.",
    "replace": "A replacement is on its way to the customer.",
    "repair": "Sent for repair.",
    "scrap": "Scrapped.",
    "return_to_vendor": "Returned to the vendor; a vendor claim was drafted.",
}


@dataclass(frozen=True)
class Opened:
    """The outcome form shown under one line."""

    line: int
    outcome: str
    raw: Mapping[str, str]
    errors: Mapping[str, str] = field(default_factory=dict)
    message: str = ""

    @property
    def form(self) -> Form | None:
        return OUTCOME_FORMS.get(self.outcome)


def _opened(line: int, outcome: str) -> Opened:
    form = OUTCOME_FORMS.get(outcome)
    raw = initial(form) if form else {}
    if outcome == "repair":
        raw = {**raw, "expected_return": (dt.date.today() + dt.timedelta(days=14)).isoformat()}
    return Opened(line, outcome, raw)


async def _page(request: Request, record_id: int, *, opened: Opened | None = None,
                line_raw: Mapping[str, str] | None = None, line_errors: Mapping[str, str] | None = None,
                notice: tuple[str, str] | None = None, status_code: int = 200) -> Template:
    """The return's page; htmx requests get only its `lines` block."""
    record = await record_of(RETURNS, request, record_id)
    _registry, user = await who(request)
    items = await rma.lines(record_id)
    ids = [i["id"] for i in items]
    claims = {c["return_line"]: c for c in await VendorClaim.select(
        VendorClaim.id, VendorClaim.number, VendorClaim.return_line).where(VendorClaim.return_line.is_in(ids)).run()
    } if ids else {}
    raw = line_raw or initial(LINE_FORM)
    currency = await company_currency()
    context: dict[str, Any] = {
        "record": record, "lines": items, "claims": claims, "can_write": user.can(WRITE), "opened": opened,
        "notice": notice, "line_form": LINE_FORM, "line_raw": raw, "line_errors": line_errors or {},
        "line_options": await options(LINE_FORM, raw, request), "outcomes": rma.ACTIONS,
        "outcome_labels": rma.OUTCOME_LABELS, "done_labels": rma.DONE_LABELS, "currency": currency,
        "url": f"{RETURNS_URL}/{record_id}",
        "opened_options": await options(opened.form, opened.raw, request) if opened and opened.form else {},
        "search": ("", ""),
    }
    # htmx asks for the lines section; a tab click (target #detail-tabs) wants the page's tabs.
    if wants_block(request) and request.headers.get("hx-target") != "detail-tabs":
        return await page(request, TEMPLATE, block="lines", status_code=status_code, **context)
    state = record["state"]
    actions: list[Action] = []
    if state == "draft" and user.can(WRITE):
        actions = [Action(_("Edit"), f"{RETURNS_URL}/{record_id}/edit"),
                   Action(_("Cancel return"), f"{RETURNS_URL}/{record_id}/cancel", method="post",
                          confirm=_("Cancel this return?"))]
    detail = await detail_context(request, Return, record, title=record["number"],
                                  state=(_(rma.STATE_LABELS[state]), STATE_TONES[state]), actions=actions,
                                  choices={"state": rma.STATE_LABELS})
    transfers = await rma.transfers_of(record_id)
    return await detail_page(
        request, TEMPLATE, status_code=status_code, title=record["number"],
        breadcrumbs=[(_(RETURNS.title), RETURNS_URL), (record["number"], f"{RETURNS_URL}/{record_id}")],
        **{**detail, **context, "res": RETURNS, "shown": await displayed(RETURNS, record, currency),
           "transfers": transfers, "transfer_kinds": TRANSFER_KINDS,
           "shelves": await shelves() if state == "draft" else []},
    )


def _details(values: Mapping[str, Any]) -> rma.Details:
    known = {f.name for f in dataclasses.fields(rma.Details)}
    return rma.Details(**{k: v for k, v in values.items() if k in known and v is not None})


async def _line_of(record_id: int, line_id: int) -> None:
    if not await ReturnLine.exists().where((ReturnLine.id == line_id) & (ReturnLine.rma == record_id)).run():
        raise NotFoundException()


class ReturnController(controller(RETURNS)):  # type: ignore[misc]
    """The kit's list, export and new-return form, with these pages and actions."""

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        data = await request.form()
        registry, user = await who(request)
        values, errors = await validate(RETURN_FORM, data, registry, user)
        if errors or data.get("_search"):
            name = str(data.get("_search") or "")
            return await form_page(RETURNS, request, record=None, raw=submitted(RETURN_FORM, data), errors=errors,
                                   status_code=400 if errors and not name else 200,
                                   search=(name, str(data.get(f"_q_{name}") or "")))
        row = await rma.create(values["partner"], origin=values["origin"], note=values["note"])
        return done(request, f"{RETURNS_URL}/{row['id']}", _("Return %(number)s created.", number=row["number"]))

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await _page(request, record_id)

    @get("/{record_id:int}/edit", permission=WRITE)
    async def edit(self, request: Request, record_id: int) -> Template | Redirect:
        record = await record_of(RETURNS, request, record_id)
        if record["state"] != "draft":
            return done(request, f"{RETURNS_URL}/{record_id}", _("Only a draft return can be changed."), "error")
        return await form_page(RETURNS, request, record=record, raw=initial(RETURN_FORM, record), errors={})

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        record = await record_of(RETURNS, request, record_id)
        if record["state"] != "draft":
            return done(request, f"{RETURNS_URL}/{record_id}", _("Only a draft return can be changed."), "error")
        return await save_edit(RETURNS, request, record_id)

    @post("/{record_id:int}/lines", permission=WRITE, status_code=303)
    async def add_line(self, request: Request, record_id: int) -> Template | Redirect:
        await record_of(RETURNS, request, record_id)
        data = await request.form()
        registry, user = await who(request)
        values, errors = await validate(LINE_FORM, data, registry, user)
        if not errors:
            try:
                await rma.add_line(record_id, values["product"], values["quantity"], serial=values["serial"],
                                   reason=values["reason"])
            except WarehouseError as refused:
                errors = {"serial": str(refused)}
        if errors:
            return await _page(request, record_id, line_raw=submitted(LINE_FORM, data), line_errors=errors,
                               status_code=refused_status(request))
        if wants_block(request):
            return await _page(request, record_id, notice=("success", _("Line added.")))
        return done(request, f"{RETURNS_URL}/{record_id}", _("Line added."))

    @post("/{record_id:int}/lines/{line_id:int}/remove", permission=WRITE, status_code=303)
    async def remove_line(self, request: Request, record_id: int, line_id: int) -> Template | Redirect:
        await record_of(RETURNS, request, record_id)
        await _line_of(record_id, line_id)
        try:
            await rma.remove_line(line_id)
        except WarehouseError as refused:
            return done(request, f"{RETURNS_URL}/{record_id}", str(refused), "error")
        if wants_block(request):
            return await _page(request, record_id, notice=("success", _("Line removed.")))
        return done(request, f"{RETURNS_URL}/{record_id}", _("Line removed."))

    @post("/{record_id:int}/receive", permission=WRITE, status_code=303)
    async def receive(self, request: Request, record_id: int) -> Redirect:
        await record_of(RETURNS, request, record_id)
        location = number(str((await request.form()).get("location") or ""))
        url = f"{RETURNS_URL}/{record_id}"
        if location is None:
            return done(request, url, _("Choose where the goods are received."), "error")
        try:
            await rma.receive(record_id, location)
        except WarehouseError as refused:
            return done(request, url, str(refused), "error")
        return done(request, url, _("The goods are received and in stock."))

    @post("/{record_id:int}/cancel", permission=WRITE, status_code=303)
    async def cancel(self, request: Request, record_id: int) -> Redirect:
        await record_of(RETURNS, request, record_id)
        url = f"{RETURNS_URL}/{record_id}"
        try:
            await rma.cancel(record_id)
        except WarehouseError as refused:
            return done(request, url, str(refused), "error")
        return done(request, url, _("Return cancelled."))

    @get("/{record_id:int}/lines/{line_id:int}/outcome/{outcome:str}", permission=WRITE)
    async def outcome_form(self, request: Request, record_id: int, line_id: int, outcome: str) -> Template:
        if outcome not in rma.ACTIONS:
            raise NotFoundException()
        await _line_of(record_id, line_id)
        return await _page(request, record_id, opened=_opened(line_id, outcome))

    @post("/{record_id:int}/lines/{line_id:int}/outcome/{outcome:str}", permission=WRITE, status_code=303)
    async def carry_out(self, request: Request, record_id: int, line_id: int,
                        outcome: str) -> Template | Redirect | Response[str]:
        if outcome not in rma.ACTIONS:
            raise NotFoundException()
        await record_of(RETURNS, request, record_id)
        await _line_of(record_id, line_id)
        data = await request.form()
        form = OUTCOME_FORMS.get(outcome)
        registry, user = await who(request)
        values, errors = await validate(form, data, registry, user) if form else ({}, {})
        raw = submitted(form, data) if form else {}
        if errors:
            return await _page(request, record_id, opened=Opened(line_id, outcome, raw, errors),
                               status_code=refused_status(request))
        try:
            result = await rma.carry_out(line_id, outcome, _details(values))
        except (WarehouseError, StaleRecordError) as refused:
            message = str(refused) if isinstance(refused, WarehouseError) else _(
                "Someone else changed this line in the meantime; look again before you continue.")
            return await _page(request, record_id, opened=Opened(line_id, outcome, raw, {}, message),
                               status_code=refused_status(request))
        url = f"{RETURNS_URL}/{record_id}"
        message = _("This line was already done; nothing changed.") if result["already"] else _(
            DONE_MESSAGES[outcome])
        if wants_block(request) and result["rma"]["state"] == "received":
            return await _page(request, record_id, notice=("info" if result["already"] else "success", message))
        level = "info" if result["already"] else "success"
        if wants_block(request):  # the whole return is done: reload the page to show its new state
            flash(request, message, level)
            return Response("", status_code=200, headers={"HX-Redirect": url})
        return done(request, url, message, level)
