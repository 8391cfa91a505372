"""The equipment register: list (search by serial, customer or product; filters on condition,
contract, customer and warranty state), detail with warranty badges and the machine's work
orders and parts, the form, and the customer's equipment on the partner page (a slot)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Stream, Template

from core.auth.current import CurrentUser
from core.auth.rules import restrict, visible
from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.registry import Registry
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from core.web.kit.detail import Action, Tab, detail_context, detail_page
from core.web.kit.export import csv_lines
from core.web.kit.lists import ListState, fetch_page, filter_options, parse_state
from core.web.kit.records import signed_in
from core.web.kit.resource import company_currency, displayed
from core.web.pages import page, wants_block
from modules.field_service.controllers._saving import record_of, submit
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.work_order import PartLine, WorkOrder
from modules.field_service.services import equipment as equipments

READ, WRITE = "field_service.equipment.read", "field_service.equipment.write"
PATH = "/field-service/equipment"
CONDITIONS = {"good": "Good", "attention": "Needs attention", "critical": "Critical"}
CONDITION_TONES = {"good": "ok", "attention": "warn", "critical": "danger"}
WARRANTY_CHOICES = (("running", "In warranty"), ("expired", "Warranty expired"), ("none", "No warranty"))
WO_STATES = {"new": "New", "scheduled": "Scheduled", "in_progress": "In progress", "on_hold": "On hold",
             "done": "Done", "closed": "Closed", "cancelled": "Cancelled"}
WO_KINDS = {"repair": "Repair", "preventive": "Preventive", "installation": "Installation",
            "inspection": "Inspection", "demonstration": "Demonstration", "recall": "Recall"}
COVERAGE_LABELS = {"covered": "Covered", "partly": "Partly covered", "chargeable": "Chargeable"}

EQUIPMENT_LIST = ListSpec(
    table=Equipment,
    columns=(
        Column("serial", "Serial number", "link"),
        Column("product_name", "Product", source=Equipment.product.name),
        Column("partner_name", "Customer", source=Equipment.partner.name),
        Column("site_name", "Site", shown=False),
        Column("city", "City"),
        Column("condition", "Condition", "badge", choices=CONDITIONS, badges=CONDITION_TONES),
        Column("contract_number", "Contract", source=Equipment.contract.number),
        Column("install_date", "Installed", "date", shown=False),
        Column("parts_warranty_end", "Parts warranty until", "date"),
        Column("labour_warranty_end", "Labour warranty until", "date", shown=False),
        Column("condition_checked", "Last check", "date", shown=False),
        Column("active", "Active", "bool", shown=False),
    ),
    search=("serial", "partner.name", "product.name", "product.code", "city"),
    filters=(
        Filter("condition", "Condition", choices=tuple(CONDITIONS.items())),
        # Computed against today, so applied by the controller (see `_warranty_clause`).
        Filter("warranty", "Warranty", choices=WARRANTY_CHOICES),
        Filter("contract", "Contract", "many2one", table=Contract, label_column="number"),
        Filter("partner", "Customer", "many2one", table=Partner),
        Filter("active", "Active", "bool", default="yes"),
    ),
    sort="serial",
)

EQUIPMENT_FORM = Form(
    table=Equipment,
    fields=(
        Field("product", "Product", "many2one", required=True, many2one=Many2one(Product, "/products/options")),
        Field("serial", "Serial number", required=True),
        Field("partner", "Customer", "many2one", required=True,
              many2one=Many2one(Partner, "/contacts/partners/options")),
        Field("site_name", "Site", help="Where the machine stands, e.g. the bar or the staff canteen."),
        Field("street", "Street"),
        Field("postcode", "Postcode"),
        Field("city", "City"),
        Field("install_date", "Installed on", "date"),
        Field("parts_warranty_end", "Parts warranty until", "date", help="The last day the parts warranty covers."),
        Field("labour_warranty_end", "Labour warranty until", "date", help="The last day the labour warranty covers."),
        Field("contract", "Service contract", "many2one",
              many2one=Many2one(Contract, f"{PATH}/contracts", label="number")),
        Field("condition", "Condition", "select", required=True, choices=tuple(CONDITIONS.items()), default="good"),
        Field("condition_checked", "Last check", "date", help="Empty: today, when the condition changes."),
        Field("notes", "Notes", "textarea"),
        Field("active", "Active", "bool", default=True),
    ),
    sections=(
        ("Machine", ("product", "serial", "partner", "install_date", "active")),
        ("Site", ("site_name", "street", "postcode", "city")),
        ("Warranty and contract", ("parts_warranty_end", "labour_warranty_end", "contract")),
        ("Condition", ("condition", "condition_checked", "notes")),
    ),
)

EQUIPMENT = Resource(
    path=PATH, table=Equipment, title="Equipment", singular="Equipment", list=EQUIPMENT_LIST, form=EQUIPMENT_FORM,
    read=READ, write=WRITE, detail_template="field_service/equipment/detail.html", label="serial",
    slot_target="field_service_equipment", new_title="New equipment",
)


def _warranty_clause(value: str, day: dt.date) -> Any:
    parts, labour = Equipment.parts_warranty_end, Equipment.labour_warranty_end
    if value == "running":
        return (parts >= day) | (labour >= day)
    if value == "none":
        return parts.is_null() & labour.is_null()
    return ((parts.is_null() | (parts < day)) & (labour.is_null() | (labour < day))
            & (parts.is_not_null() | labour.is_not_null()))


async def _fetch_spec(state: ListState) -> ListSpec:
    """The list's spec for reading rows: the warranty filter becomes a where-clause on today."""
    value = state.filters.get("warranty")
    others = tuple(f for f in EQUIPMENT_LIST.filters if f.name != "warranty")
    if not value:
        return replace(EQUIPMENT_LIST, filters=others)
    day = await equipments.today()
    return replace(EQUIPMENT_LIST, filters=others, where=lambda: _warranty_clause(value, day))


async def _list_page(request: Request) -> Template:
    """The kit's list page (crud.list_page), reading rows through `_fetch_spec`."""
    registry, user = await request.app.state.registry.get(), signed_in(request)
    state = parse_state(EQUIPMENT_LIST, request.query_params)
    rows = await fetch_page(await _fetch_spec(state), state, registry, user)
    restore = bool(request.headers.get("hx-history-restore-request"))
    filters = [] if wants_block(request) else [
        (f, await filter_options(f, registry, user)) for f in EQUIPMENT_LIST.filters]
    response = await page(
        request, EQUIPMENT.list_template, block=None if restore else "rows", title=_(EQUIPMENT.title),
        breadcrumbs=[(_(EQUIPMENT.title), PATH)], res=EQUIPMENT, spec=EQUIPMENT_LIST, state=state, page_=rows,
        filters=filters, currency="EUR", can_write=user.can(WRITE))
    if request.headers.get("hx-request") and not restore:
        response.headers["HX-Push-Url"] = state.url(PATH, page=state.page)
    return response


def work_orders_seen(query: Any, registry: Registry, user: CurrentUser, column: Any) -> Any:
    """`query` limited to lines of work orders the user may see (a technician: their own)."""
    from core.auth.rules import rules_for

    if not rules_for(registry, WorkOrder, user):
        return query
    return query.where(column.is_in(restrict(WorkOrder.select(WorkOrder.id), registry, WorkOrder, user)))


def badge(state: str) -> tuple[str, str]:
    """(label, tone) of one warranty's state."""
    return {"running": (_("In warranty"), "ok"), "expired": (_("Expired"), "danger")}.get(
        state, (_("No warranty"), "neutral"))


class EquipmentController(controller(EQUIPMENT)):  # type: ignore[misc]
    @get("/", permission=READ)
    async def index(self, request: Request) -> Template:
        return await _list_page(request)

    @get("/export.csv", permission=READ)
    async def export_csv(self, request: Request) -> Stream:
        async def lines() -> Any:
            registry, user = await request.app.state.registry.get(), signed_in(request)
            state = parse_state(EQUIPMENT_LIST, request.query_params)
            async for line in csv_lines(await _fetch_spec(state), state, registry, user):
                yield line.encode()

        return Stream(lines(), media_type="text/csv; charset=utf-8",
                      headers={"content-disposition": 'attachment; filename="equipment.csv"'})

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        return await submit(EQUIPMENT, request, None, lambda values, _version: equipments.create(values))

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        record = await record_of(EQUIPMENT, request, record_id)
        return await submit(EQUIPMENT, request, record,
                            lambda values, version: equipments.update(record_id, values, version=version))

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        record = await record_of(EQUIPMENT, request, record_id)
        registry, user = await request.app.state.registry.get(), signed_in(request)
        orders = await restrict(equipments.work_order_query(record_id), registry, WorkOrder, user).limit(200).run()
        used = await work_orders_seen(equipments.parts_query(record_id), registry, user,
                                      PartLine.work_order).limit(200).run()
        tabs = [Tab("work-orders", _("Work orders"), "field_service/equipment/_work_orders.html", len(orders)),
                Tab("parts", _("Parts used"), "field_service/equipment/_parts.html", len(used))]
        title = f"{record['serial']}"
        on = await equipments.today()
        warranty = equipments.warranty_state(record, on)
        ctx = await detail_context(
            request, Equipment, record, title=title, tabs=tabs, slot_target=EQUIPMENT.slot_target,
            state=(_(CONDITIONS[record["condition"]]), CONDITION_TONES[record["condition"]]),
            choices={"condition": CONDITIONS},
            actions=[Action(_("Edit"), f"{PATH}/{record_id}/edit", permission=WRITE)])
        currency = await company_currency()
        return await detail_page(
            request, EQUIPMENT.detail_template, title=title,
            breadcrumbs=[(_(EQUIPMENT.title), PATH), (title, f"{PATH}/{record_id}")],
            **ctx, res=EQUIPMENT, record=record, shown=await displayed(EQUIPMENT, record, currency),
            currency=currency, orders=orders, used=used, warranty=warranty, parts_badge=badge(warranty.parts),
            labour_badge=badge(warranty.labour), wo_states=WO_STATES, wo_kinds=WO_KINDS,
            coverage_labels=COVERAGE_LABELS, can_work_orders=user.can("field_service.work_order.read"))

    @get("/contracts", permission=READ)
    async def contracts(self, request: Request) -> Template:
        """Options for the contract picker: contract numbers (and customers) matching `q`."""
        from core.db.search import contains

        q = str(request.query_params.get("q") or request.query_params.get("_q_contract") or "").strip()[:100]
        query = Contract.select(Contract.id, Contract.number, Contract.partner.name.as_alias("partner")).where(
            Contract.state.is_in(["draft", "active"]))
        if q:
            query = query.where(contains(Contract.number, q) | contains(Contract.partner.name, q))
        rows = await query.order_by(Contract.number).limit(20).run()
        return await page(request, "core/kit/_options.html", options=[
            (str(r["id"]), f"{r['number']} · {r['partner']}") for r in rows], blank=True, select_first=bool(q))

    @get("/partner/{partner_id:int}", permission=READ)
    async def partner_panel(self, request: Request, partner_id: int) -> Template:
        """The customer's machines and open work orders, for the slot on the partner page."""
        registry, user = await request.app.state.registry.get(), signed_in(request)
        if not await visible(registry, Partner, user, partner_id):
            raise NotFoundException()
        machines = await restrict(equipments.partner_equipment_query(partner_id), registry, Equipment,
                                  user).limit(200).run()
        orders = []
        if user.can("field_service.work_order.read"):
            orders = await restrict(equipments.open_work_orders_query(partner_id), registry, WorkOrder,
                                    user).limit(100).run()
        on = await equipments.today()
        return await page(request, "field_service/equipment/partner_panel.html", partner_id=partner_id,
                          machines=[{**m, "warranty": equipments.warranty_state(m, on)} for m in machines],
                          orders=orders, conditions=CONDITIONS, condition_tones=CONDITION_TONES,
                          wo_states=WO_STATES, wo_kinds=WO_KINDS, badge=badge)
