"""Transfers: the list (UI kit), the form with lines, and the detail page whose Reserve,
Validate and Cancel are real forms that htmx submits in place.

Every action calls `services.transfer`; a refused one (not enough stock, a serial
elsewhere, a wrong state) changes nothing and is shown on the page as a message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Stream, Template

from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.web.flash import flash
from core.web.kit import (
    Column,
    Field,
    Filter,
    Form,
    ListSpec,
    Many2one,
    Resource,
    crud,
    initial,
    parse,
    submitted,
    validate,
)
from core.web.kit import resource as kit
from core.web.kit.actions import who
from core.web.kit.detail import detail_context, detail_page
from core.web.kit.forms import many2one_options
from core.web.pages import page
from modules.warehouse.controllers import lines
from modules.warehouse.models.location import Location
from modules.warehouse.models.move import Move
from modules.warehouse.models.transfer import KINDS, Transfer
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services import transfer_form
from modules.warehouse.services.errors import WarehouseError
from modules.warehouse.services.stock_levels import fmt_qty
from modules.warehouse.stock_access import READ, WRITE

PATH = "/warehouse/transfers"
KIND_LABELS = {"receipt": "Receipt", "delivery": "Delivery", "internal": "Internal transfer",
               "customer_return": "Customer return", "repair_out": "Sent for repair",
               "repair_in": "Back from repair", "scrap": "Scrap", "adjustment": "Inventory adjustment"}
STATE_LABELS = {"draft": "Draft", "reserved": "Reserved", "done": "Done", "cancelled": "Cancelled"}
STATE_TONES = {"draft": "neutral", "reserved": "warn", "done": "ok", "cancelled": "danger"}
OPEN = ("draft", "reserved")
FIRST_LINES = 3


class EitherEnd:
    """A list filter's source matching transfers from *or* to a location: the kit's
    filters compare `source == value`, and this answers with both conditions."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, value: object) -> Any:  # type: ignore[override]
        return (Transfer.source == value) | (Transfer.destination == value)


def _active_locations() -> Any:
    return Location.active == True  # noqa: E712


LOCATION_PICKER = Many2one(Location, "/warehouse/locations/options", label="full_name", where=_active_locations)

TRANSFER_LIST = ListSpec(
    table=Transfer,
    columns=(
        Column("number", "Number", "link"),
        Column("kind", "Kind", "choice", choices=KIND_LABELS),
        Column("state", "State", "badge", choices=STATE_LABELS, badges=STATE_TONES),
        Column("source_name", "From location", source=Transfer.source.full_name),
        Column("destination_name", "To location", source=Transfer.destination.full_name),
        Column("partner_name", "Partner", source=Transfer.partner.name),
        Column("scheduled", "Scheduled", "date"),
        Column("origin", "Origin"),
        Column("done_at", "Done", "datetime", shown=False),
    ),
    search=("number", "origin", "partner.name"),
    filters=(
        Filter("kind", "Kind", choices=tuple(KIND_LABELS.items())),
        Filter("state", "State", choices=tuple(STATE_LABELS.items())),
        Filter("location", "Location", "many2one", table=Location, label_column="full_name", source=EitherEnd()),
    ),
    sort="scheduled",
    dir="desc",
)

TRANSFER_FORM = Form(
    table=Transfer,
    fields=(
        Field("kind", "Kind", "select", required=True, choices=tuple((k, KIND_LABELS[k]) for k in KINDS),
              default="internal"),
        Field("source", "From location", "many2one", many2one=LOCATION_PICKER,
              help="Empty: the usual place (suppliers for a receipt, customers for a customer return)."),
        Field("destination", "To location", "many2one", many2one=LOCATION_PICKER,
              help="Empty: the usual place (customers for a delivery, scrap for scrap)."),
        Field("partner", "Partner", "many2one", many2one=Many2one(Partner, "/contacts/partners/options")),
        Field("scheduled", "Scheduled", "date"),
        Field("origin", "Origin", help="What asked for it: an order or work order number."),
        Field("note", "Note", "textarea"),
    ),
    sections=(("Transfer", ("kind", "source", "destination")), ("Details", ("partner", "scheduled", "origin", "note"))),
)

LINE_FORM = Form(
    table=Move,
    fields=(
        Field("product", "Product", "many2one", required=True,
              many2one=Many2one(Product, "/products/options", where=lambda: Product.kind != "service")),
        Field("quantity", "Quantity", "quantity", required=True, min=Decimal("0.001")),
        Field("lot", "Lot / serial", max_length=100, help="For products tracked by lot or serial number."),
    ),
)
DONE_FORM = Form(table=Move, fields=(Field("quantity", "Done", "quantity", min=Decimal(0)),))

TRANSFERS = Resource(
    path=PATH, table=Transfer, title="Transfers", singular="Transfer", list=TRANSFER_LIST, form=TRANSFER_FORM,
    read=READ, write=WRITE, detail_template="warehouse/transfer/detail.html", label="number",
    slot_target="warehouse_transfer", new_title="New transfer",
)


async def _form_page(request: Request, raw: Mapping[str, str], count: int, *,
                     errors: Mapping[str, str] | None = None, message: str = "", search: tuple[str, str] = ("", ""),
                     status_code: int = 200) -> Template:
    registry, user = await who(request)
    options = {f.name: await many2one_options(f, registry, user, selected=raw.get(f.name, ""),
                                              q=search[1] if search[0] == f.name else "")
               for f in TRANSFER_FORM.fields if f.many2one is not None}
    options.update(await lines.options(LINE_FORM, count, raw, search, registry, user))
    title = _("New transfer")
    return await page(
        request, "warehouse/transfer/form.html", status_code=status_code, title=title,
        breadcrumbs=[(_("Transfers"), PATH), (title, f"{PATH}/new")], form=TRANSFER_FORM, line_form=LINE_FORM,
        rows=[lines.row_fields(LINE_FORM, i) for i in range(count)], raw=raw, errors=errors or {},
        message=message, options=options, search=search, currency="EUR")


async def _create(request: Request) -> Template | Redirect:
    data = await request.form()
    count = lines.row_count(data, FIRST_LINES)
    raw = {**submitted(TRANSFER_FORM, data), **lines.typed(LINE_FORM, data, count)}
    if data.get("_more"):
        return await _form_page(request, raw, min(count + 1, lines.MAX_ROWS))
    if search := lines.search_of(data):
        return await _form_page(request, raw, count, search=search)
    registry, user = await who(request)
    values, errors = await validate(TRANSFER_FORM, data, registry, user)
    rows, row_errors = await lines.parse_rows(LINE_FORM, raw, count, registry, user)
    errors.update(row_errors)
    if not rows and not errors:
        errors["lines"] = _("Add at least one line.")
    if errors:
        return await _form_page(request, raw, count, errors=errors, status_code=400)
    entries = [transfer_form.Entry(r["product"], r["quantity"], r["lot"]) for r in rows]
    try:
        row = await transfer_form.create(
            values["kind"], values["source"], values["destination"], entries, partner=values["partner"],
            scheduled=values["scheduled"], origin=values["origin"], note=values["note"])
    except WarehouseError as exc:
        return await _form_page(request, raw, count, message=str(exc), status_code=400)
    flash(request, _("Transfer %(number)s created.", number=row["number"]))
    return Redirect(f"{PATH}/{row['id']}", status_code=303)


async def _record(request: Request, transfer_id: int) -> dict[str, Any]:
    registry, user = await who(request)
    record = await kit.fetch(TRANSFERS, transfer_id, registry, user)
    if record is None:
        raise NotFoundException()
    return record


async def _moves(transfer_id: int) -> list[dict[str, Any]]:
    rows = await Move.select(
        Move.id, Move.product, Move.quantity, Move.state, Move.lot, Move.lot.name.as_alias("lot_name"),
        Move.product.code.as_alias("code"), Move.product.name.as_alias("name"),
        Move.product.unit.as_alias("unit"), Move.product.tracking.as_alias("tracking"),
    ).where(Move.transfer == transfer_id).order_by(Move.id).run()
    return rows


async def _detail(request: Request, transfer_id: int, *, message: str = "", errors: Mapping[str, str] | None = None,
                  raw: Mapping[str, str] | None = None) -> Template:
    """The transfer's page; after a refused action, with its message (status 400, or 200
    for htmx, which swaps only successful responses into the page)."""
    await _record(request, transfer_id)  # 404 outside the user's record rules
    _registry, user = await who(request)
    record = await Transfer.select(
        *Transfer.all_columns(), Transfer.source.full_name.as_alias("source_name"),
        Transfer.destination.full_name.as_alias("destination_name"), Transfer.partner.name.as_alias("partner_name"),
        Transfer.backorder_of.number.as_alias("backorder_of_number"),
    ).where(Transfer.id == transfer_id).first().run()
    followups = await Transfer.select(Transfer.id, Transfer.number, Transfer.state).where(
        Transfer.backorder_of == transfer_id).order_by(Transfer.id).run()
    title = str(record["number"])
    ctx = await detail_context(request, Transfer, record, title=title,
                               state=(_(STATE_LABELS[record["state"]]), STATE_TONES[record["state"]]),
                               slot_target=TRANSFERS.slot_target, choices={"kind": KIND_LABELS, "state": STATE_LABELS,
                                                                        "overdue": {"yes": "Yes"}})
    refused = bool(message or errors)
    return await detail_page(
        request, TRANSFERS.detail_template, title=title, breadcrumbs=[(_("Transfers"), PATH), (title, f"{PATH}/{transfer_id}")],
        status_code=(200 if request.headers.get("hx-request") else 400) if refused else 200,
        **ctx, record=record, lines=await _moves(transfer_id), followups=followups, message=message,
        errors=errors or {}, raw=raw or {}, can_write=user.can(WRITE), is_open=record["state"] in OPEN,
        kind_labels=KIND_LABELS, state_labels=STATE_LABELS, state_tones=STATE_TONES, qty=fmt_qty)


SERIAL_SPLIT = re.compile(r"[\s,;]+")


def _done_quantities(data: Mapping[str, Any], moves: list[dict[str, Any]]) -> tuple[
        dict[int, Decimal], dict[int, list[str]], dict[str, str], dict[str, str]]:
    """Per open line: the done quantity typed (empty: none) and, for serial-tracked lines
    without a serial yet, the serial numbers; plus errors and what was typed."""
    done: dict[int, Decimal] = {}
    serials: dict[int, list[str]] = {}
    errors: dict[str, str] = {}
    raw: dict[str, str] = {}
    for m in moves:
        if m["state"] not in OPEN:
            continue
        key = f"done_{m['id']}"
        raw[key] = str(data.get(key) or "").strip()
        values, problems = parse(DONE_FORM, {"quantity": raw[key]})
        if problems:
            errors[key] = problems["quantity"]
        else:
            done[m["id"]] = values["quantity"]
        if m["tracking"] == "serial" and m["lot"] is None:
            text = str(data.get(f"serials_{m['id']}") or "")
            raw[f"serials_{m['id']}"] = text
            serials[m["id"]] = [s for s in SERIAL_SPLIT.split(text) if s]
    return done, serials, errors, raw


async def _act(request: Request, transfer_id: int, action: str) -> Template | Redirect:
    await _record(request, transfer_id)
    try:
        if action == "reserve":
            await transfers.reserve(transfer_id)
            flash(request, _("Transfer reserved."))
        elif action == "cancel":
            await transfers.cancel(transfer_id)
            flash(request, _("Transfer cancelled."))
    except WarehouseError as exc:
        return await _detail(request, transfer_id, message=str(exc))
    return Redirect(f"{PATH}/{transfer_id}", status_code=303)


async def _validate(request: Request, transfer_id: int) -> Template | Redirect:
    await _record(request, transfer_id)
    data = await request.form()
    done, serials, errors, raw = _done_quantities(data, await _moves(transfer_id))
    if errors:
        return await _detail(request, transfer_id, errors=errors, raw=raw)
    try:
        result = await transfers.validate(transfer_id, done, serials)
    except WarehouseError as exc:
        return await _detail(request, transfer_id, message=str(exc), raw=raw)
    if result["backorder"]:
        back = await Transfer.select(Transfer.number).where(Transfer.id == result["backorder"]).first().run()
        flash(request, _("Transfer done; the rest waits on backorder %(number)s.", number=back["number"]))
    else:
        flash(request, _("Transfer done."))
    return Redirect(f"{PATH}/{transfer_id}", status_code=303)


class TransferController(Controller):
    path = PATH

    @get("/", permission=READ)
    async def index(self, request: Request) -> Template:
        return await crud.list_page(TRANSFERS, request)

    @get("/export.csv", permission=READ)
    async def export_csv(self, request: Request) -> Stream:
        return crud.export(TRANSFERS, request)

    @get("/new", permission=WRITE)
    async def new(self, request: Request) -> Template:
        raw = initial(TRANSFER_FORM)
        if (kind := str(request.query_params.get("kind") or "")) in KIND_LABELS:
            raw["kind"] = kind
        return await _form_page(request, raw, FIRST_LINES)

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        return await _create(request)

    @get("/{transfer_id:int}", permission=READ)
    async def detail(self, request: Request, transfer_id: int) -> Template:
        return await _detail(request, transfer_id)

    @post("/{transfer_id:int}/reserve", permission=WRITE, status_code=303)
    async def reserve(self, request: Request, transfer_id: int) -> Template | Redirect:
        return await _act(request, transfer_id, "reserve")

    @post("/{transfer_id:int}/validate", permission=WRITE, status_code=303)
    async def validate(self, request: Request, transfer_id: int) -> Template | Redirect:
        return await _validate(request, transfer_id)

    @post("/{transfer_id:int}/cancel", permission=WRITE, status_code=303)
    async def cancel(self, request: Request, transfer_id: int) -> Template | Redirect:
        return await _act(request, transfer_id, "cancel")
