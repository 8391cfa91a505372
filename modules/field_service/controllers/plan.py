"""Maintenance plans: list (overdue first to hand), detail with the parts kit and the visits
made so far, form; "Prepare due visits" runs the generator for one plan now."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from core.auth.models import User
from core.db.records import RecordNotFound, StaleRecordError
from core.db.search import contains
from core.i18n import _
from core.products.models import Product
from core.web.flash import flash
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from core.web.kit.detail import Action, Tab, detail_context, detail_page
from core.web.kit.records import signed_in
from core.web.kit.resource import company_currency, displayed
from core.web.pages import page
from modules.field_service.controllers._saving import record_of, submit
from modules.field_service.controllers.equipment import WO_KINDS, WO_STATES
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.job_type import JobType
from modules.field_service.models.plan import MaintenancePlan, PlanKitLine
from modules.field_service.models.work_order import WorkOrder
from modules.field_service.services import plan as plans
from modules.field_service.services.errors import FieldServiceError, InvalidValues

READ, WRITE = "field_service.plan.read", "field_service.plan.write"
PATH = "/field-service/plans"


def _one_interval(values: Mapping[str, Any]) -> dict[str, str]:
    if bool(values.get("interval_days")) == bool(values.get("interval_months")):
        return {"interval_days": _("Give the interval in days or in months (one of the two).")}
    return {}


def _a_target(values: Mapping[str, Any]) -> dict[str, str]:
    if values.get("equipment") is None and values.get("contract") is None:
        return {"equipment": _("Choose the machine or the contract this plan maintains.")}
    return {}


PLAN_LIST = ListSpec(
    table=MaintenancePlan,
    columns=(
        Column("name", "Plan", "link"),
        Column("serial", "Machine", source=MaintenancePlan.equipment.serial),
        Column("contract_number", "Contract", source=MaintenancePlan.contract.number),
        Column("job_type_name", "Job type", source=MaintenancePlan.job_type.name, shown=False),
        Column("interval_days", "Every (days)", "number", shown=False),
        Column("interval_months", "Every (months)", "number", shown=False),
        Column("next_due", "Next visit", "date"),
        Column("last_done", "Last visit", "date"),
        Column("preferred_name", "Technician", source=MaintenancePlan.preferred.name),
        Column("overdue", "Overdue", "bool"),
        Column("active", "Active", "bool", shown=False),
    ),
    search=("name", "equipment.serial", "contract.number"),
    filters=(
        Filter("overdue", "Overdue", "bool"),
        Filter("contract", "Contract", "many2one", table=Contract, label_column="number"),
        Filter("active", "Active", "bool", default="yes"),
    ),
    sort="next_due",
)

PLAN_FORM = Form(
    table=MaintenancePlan,
    fields=(
        Field("name", "Name", required=True),
        Field("equipment", "Machine", "many2one", help="One machine, or leave empty and choose a contract.",
              many2one=Many2one(Equipment, "/field-service/equipment/options", label="serial")),
        Field("contract", "Contract", "many2one", help="A visit to all machines of the contract.",
              many2one=Many2one(Contract, "/field-service/equipment/contracts", label="number")),
        Field("job_type", "Job type", "many2one", required=True, many2one=Many2one(JobType, f"{PATH}/job-types")),
        Field("interval_days", "Every … days", "integer", min=Decimal(0), max=Decimal(3650), unit="days"),
        Field("interval_months", "Every … months", "integer", min=Decimal(0), max=Decimal(120), unit="months"),
        Field("lead_days", "Prepare ahead", "integer", min=Decimal(0), max=Decimal(365), unit="days", default=14,
              help="The work order is made this many days before the visit is due."),
        Field("preferred", "Preferred technician", "many2one",
              many2one=Many2one(User, f"{PATH}/technicians", where=lambda: User.active == True)),  # noqa: E712
        Field("next_due", "Next visit due", "date", required=True),
        Field("active", "Active", "bool", default=True),
    ),
    rules=(_one_interval, _a_target),
    sections=(
        ("Plan", ("name", "equipment", "contract", "job_type", "active")),
        ("Schedule", ("interval_days", "interval_months", "next_due", "lead_days", "preferred")),
    ),
)

PLANS = Resource(
    path=PATH, table=MaintenancePlan, title="Maintenance plans", singular="Maintenance plan", list=PLAN_LIST,
    form=PLAN_FORM, read=READ, write=WRITE, detail_template="field_service/plan/detail.html",
    slot_target="field_service_maintenance_plan", new_title="New maintenance plan",
)


async def _options(request: Request, field: str, table: Any, label: Any, *extra: Any) -> Template:
    q = str(request.query_params.get("q") or request.query_params.get(f"_q_{field}") or "").strip()[:100]
    query = table.select(table.id, label.as_alias("label"))
    for clause in extra:
        query = query.where(clause)
    if q:
        query = query.where(contains(label, q))
    rows = await query.order_by(label).limit(20).run()
    return await page(request, "core/kit/_options.html", options=[(str(r["id"]), r["label"]) for r in rows],
                      blank=True, select_first=bool(q))


def _quantity(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ".")) if text else Decimal(0)
    except ArithmeticError:
        value = Decimal(0)
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.001")) or value >= 10**11:
        raise InvalidValues({"quantity": _("Enter a quantity above zero with at most 3 decimals.")})
    return value


class PlanController(controller(PLANS)):  # type: ignore[misc]
    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        return await submit(PLANS, request, None, lambda values, _version: plans.create(values))

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        record = await record_of(PLANS, request, record_id)
        return await submit(PLANS, request, record,
                            lambda values, version: plans.update(record_id, values, version=version))

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        record = await record_of(PLANS, request, record_id)
        kit = await PlanKitLine.select(
            PlanKitLine.id, PlanKitLine.version, PlanKitLine.quantity, PlanKitLine.product,
            PlanKitLine.product.code.as_alias("code"), PlanKitLine.product.name.as_alias("name"),
        ).where(PlanKitLine.plan == record_id).order_by(PlanKitLine.id).run()
        visits = await WorkOrder.select(WorkOrder.id, WorkOrder.number, WorkOrder.plan_due, WorkOrder.state,
                                        WorkOrder.kind, WorkOrder.done_at).where(
            WorkOrder.plan == record_id).order_by(WorkOrder.plan_due, ascending=False).limit(100).run()
        products = await Product.select(Product.id, Product.code, Product.name).where(
            Product.kind.is_in(["stockable", "consumable"]) & (Product.active == True)).order_by(  # noqa: E712
            Product.code).limit(300).run()
        url = f"{PATH}/{record_id}"
        title = record["name"]
        ctx = await detail_context(
            request, MaintenancePlan, record, title=title, slot_target=PLANS.slot_target,
            state=(_("Overdue"), "danger") if record["overdue"] else None if record["active"] else (_("Stopped"), "neutral"),
            actions=[Action(_("Edit"), f"{url}/edit", permission=WRITE),
                     Action(_("Prepare due visits"), f"{url}/generate", "post", permission=WRITE)],
            tabs=[Tab("kit", _("Parts kit"), "field_service/plan/_kit.html", len(kit)),
                  Tab("visits", _("Visits"), "field_service/plan/_visits.html", len(visits))])
        currency = await company_currency()
        return await detail_page(
            request, PLANS.detail_template, title=title, breadcrumbs=[(_(PLANS.title), PATH), (title, url)],
            **ctx, res=PLANS, record=record, shown=await displayed(PLANS, record, currency), kit=kit,
            visits=visits, products=products, wo_states=WO_STATES, wo_kinds=WO_KINDS,
            can_write=signed_in(request).can(WRITE))

    @post("/{record_id:int}/kit", permission=WRITE, status_code=303)
    async def add_kit_line(self, request: Request, record_id: int) -> Redirect:
        await record_of(PLANS, request, record_id)
        data = await request.form()
        product, text = str(data.get("product") or ""), str(data.get("quantity") or "").strip()
        try:
            quantity = _quantity(text)
            if not product.isdigit() or not await Product.exists().where(Product.id == int(product)).run():
                raise InvalidValues({"product": _("Choose a product.")})
            await plans.add_kit_line(record_id, int(product), quantity)
        except FieldServiceError as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, _("Part added to the kit."))
        return Redirect(f"{PATH}/{record_id}?tab=kit", status_code=303)

    @post("/{record_id:int}/kit/{line_id:int}/remove", permission=WRITE, status_code=303)
    async def remove_kit_line(self, request: Request, record_id: int, line_id: int, version: int) -> Redirect:
        await record_of(PLANS, request, record_id)
        line = await PlanKitLine.select(PlanKitLine.plan).where(PlanKitLine.id == line_id).first().run()
        try:
            if line is None or line["plan"] != record_id:
                raise RecordNotFound(PlanKitLine, line_id)
            await plans.remove_kit_line(line_id, version=version)
        except (StaleRecordError, RecordNotFound):
            flash(request, _("Someone else changed this kit meanwhile; look again and retry."), "error")
        else:
            flash(request, _("Part removed from the kit."))
        return Redirect(f"{PATH}/{record_id}?tab=kit", status_code=303)

    @post("/{record_id:int}/generate", permission=WRITE, status_code=303)
    async def generate(self, request: Request, record_id: int) -> Redirect:
        await record_of(PLANS, request, record_id)
        result = await plans.generate(plans=[record_id])
        if result.created:
            flash(request, _("%(n)s work order(s) made for due visits.", n=len(result.created)))
        else:
            flash(request, _("No visit is due yet: the next work order is made %(n)s days before the visit.",
                             n=(await plans.get(record_id))["lead_days"]))
        return Redirect(f"{PATH}/{record_id}?tab=visits", status_code=303)

    @get("/job-types", permission=READ)
    async def job_types(self, request: Request) -> Template:
        return await _options(request, "job_type", JobType, JobType.name, JobType.active == True)  # noqa: E712

    @get("/technicians", permission=READ)
    async def technicians(self, request: Request) -> Template:
        return await _options(request, "preferred", User, User.name, User.active == True)  # noqa: E712
