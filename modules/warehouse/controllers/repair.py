"""Repairs out: units at external repairers (overdue ones in red), sending one out and
receiving it back; and the dashboard tile of overdue repairs and vendor claims."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.web.kit import Field, Form, Many2one
from core.web.kit.forms import initial, submitted, validate
from core.web.pages import page, wants_block
from modules.warehouse.controllers.returns_common import (
    done,
    number,
    options,
    refused_status,
    shelves,
    who,
)
from modules.warehouse.models.move import Move
from modules.warehouse.models.rma import Return
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import lot as lots
from modules.warehouse.services import overdue, repair
from modules.warehouse.services.errors import WarehouseError

REPAIRS_URL = "/warehouse/repairs"
READ, WRITE = "warehouse.return.read", "warehouse.return.write"
LIST_TEMPLATE, SEND_TEMPLATE = "warehouse/repair/list.html", "warehouse/repair/send.html"
VIEW_LABELS = {"out": "Out for repair", "overdue": "Overdue", "back": "Back", "all": "All"}


def send_form(places: list[tuple[str, str]]) -> Form:
    """The send form; `places` are the shelves and vans a unit can leave from."""
    return Form(
        table=Move,
        fields=(
            Field("product", "Product", "many2one", required=True, many2one=Many2one(Product, "/products/options")),
            Field("serial", "Serial or lot number", max_length=100),
            Field("quantity", "Quantity", "quantity", required=True, min=Decimal("0.001"), default=Decimal(1)),
            Field("source", "From", "select", required=True, choices=tuple(places) or (("", "—"),)),
            Field("repairer", "Repairer", "many2one", required=True, max_length=12,
                  many2one=Many2one(Partner, "/contacts/partners/options")),
            Field("carrier", "Carrier", max_length=100),
            Field("tracking_number", "Tracking number", max_length=100),
            Field("expected_return", "Expected back", "date", max_length=12),
            Field("loaner", "Loaner serial number", max_length=100, help="A unit lent to the customer meanwhile."),
            Field("customer", "Customer with the loaner", "many2one", max_length=12,
                  many2one=Many2one(Partner, "/contacts/partners/options?customer=yes")),
            Field("note", "Note", "textarea", max_length=2000),
        ),
        sections=(("Unit", ("product", "serial", "quantity", "source")),
                  ("Repairer", ("repairer", "carrier", "tracking_number", "expected_return")),
                  ("Loaner", ("loaner", "customer")), ("Note", ("note",))),
    )


async def _list(request: Request, *, notice: tuple[str, str] | None = None, view: str = "",
                q: str | None = None, status_code: int = 200) -> Template:
    params = request.query_params
    view = view or str(params.get("view") or "out")
    view = view if view in repair.VIEWS else "out"
    q = str(params.get("q") or "").strip()[:100] if q is None else q
    _registry, user = await who(request)
    rows = await repair.listing(view, q)
    origins = [r["origin"] for r in rows if r["origin"]]
    customers = {r["number"]: r for r in await Return.select(
        Return.number, Return.partner, Return.partner.name.as_alias("customer")).where(
        Return.number.is_in(origins)).run()} if origins else {}
    return await page(
        request, LIST_TEMPLATE, block="rows", status_code=status_code, title=_("Repairs"),
        breadcrumbs=[(_("Repairs"), REPAIRS_URL)], rows=rows, view=view, q=q, views=VIEW_LABELS,
        customers=customers, places=await shelves(("internal", "van")), can_write=user.can(WRITE),
        notice=notice, url=REPAIRS_URL, today=dt.date.today(),
    )


async def _send_page(request: Request, form: Form, raw: Mapping[str, str], errors: Mapping[str, str],
                     message: str = "", status_code: int = 200) -> Template:
    return await page(
        request, SEND_TEMPLATE, status_code=status_code, title=_("Send for repair"),
        breadcrumbs=[(_("Repairs"), REPAIRS_URL), (_("Send for repair"), f"{REPAIRS_URL}/new")],
        form=form, raw=raw, errors=errors, options=await options(form, raw, request), search=("", ""),
        currency="EUR", message=message, url=REPAIRS_URL,
    )


async def _shipment(values: Mapping[str, Any]) -> repair.Shipment:
    lot = await lots.for_line(values["product"], values["serial"], create=False)
    loaner = await lots.by_name(values["loaner"]) if values["loaner"] else None
    return repair.Shipment(
        product=values["product"], quantity=values["quantity"], source=int(values["source"]),
        repairer=values["repairer"], lot=lot, carrier=values["carrier"], tracking_number=values["tracking_number"],
        expected_return=values["expected_return"], loaner=loaner, customer=values["customer"], note=values["note"])


class RepairController(Controller):
    path = REPAIRS_URL

    @get("/", permission=READ)
    async def index(self, request: Request) -> Template:
        return await _list(request)

    @get("/new", permission=WRITE)
    async def new(self, request: Request) -> Template:
        form = send_form(await shelves(("internal", "van")))
        raw = {**initial(form), "expected_return": (dt.date.today() + dt.timedelta(days=14)).isoformat()}
        return await _send_page(request, form, raw, {})

    @post("/new", permission=WRITE, status_code=303)
    async def send(self, request: Request) -> Template | Redirect:
        form = send_form(await shelves(("internal", "van")))
        data = await request.form()
        registry, user = await who(request)
        values, errors = await validate(form, data, registry, user)
        if errors:
            return await _send_page(request, form, submitted(form, data), errors, status_code=400)
        try:
            sent = await repair.send(await _shipment(values))
        except WarehouseError as refused:
            return await _send_page(request, form, submitted(form, data), {}, str(refused), status_code=400)
        return done(request, REPAIRS_URL, _("%(number)s is on its way to the repairer.", number=sent["number"]))

    @post("/{repair_id:int}/receive", permission=WRITE, status_code=303)
    async def receive(self, request: Request, repair_id: int) -> Template | Redirect:
        data = await request.form()
        view, q = str(data.get("view") or "out"), str(data.get("q") or "")[:100]
        destination = number(str(data.get("location") or ""))
        give_to = number(str(data.get("give_to") or ""))
        if not await Transfer.exists().where((Transfer.id == repair_id) & (Transfer.kind == "repair_out")).run():
            raise NotFoundException()
        try:
            back = await repair.receive_back(repair_id, destination, give_to=give_to)
        except WarehouseError as refused:
            if wants_block(request):
                return await _list(request, notice=("error", str(refused)), view=view, q=q,
                                   status_code=refused_status(request))
            return done(request, REPAIRS_URL, str(refused), "error")
        message = _("Back from repair: %(number)s.", number=back["number"])
        if wants_block(request):
            return await _list(request, notice=("success", message), view=view, q=q)
        return done(request, REPAIRS_URL, message)


async def overdue_tile(request: Request) -> Mapping[str, Any]:
    """Dashboard tile: what is overdue now, repairs and vendor claims."""
    return await overdue.open_items()
