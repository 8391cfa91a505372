"""Service contracts: list, detail (terms, covered machines, maintenance plans, activate and
cancel), form. Numbers come from the sequence when the contract is created."""

from __future__ import annotations

from decimal import Decimal

from litestar import Request, get, post
from litestar.response import Redirect, Template

from core.db.records import StaleRecordError
from core.i18n import _
from core.partners.models import Partner
from core.web.flash import flash
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from core.web.kit.detail import Action, Tab, detail_context, detail_page
from core.web.kit.resource import company_currency, displayed
from modules.field_service.controllers._saving import record_of, submit
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.plan import MaintenancePlan
from modules.field_service.services import contract as contracts
from modules.field_service.services.errors import FieldServiceError

READ, WRITE = "field_service.contract.read", "field_service.contract.write"
PATH = "/field-service/contracts"
STATE_TONES = {"draft": "neutral", "active": "ok", "expired": "warn", "cancelled": "danger"}

CONTRACT_LIST = ListSpec(
    table=Contract,
    columns=(
        Column("number", "Number", "link"),
        Column("partner_name", "Customer", source=Contract.partner.name),
        Column("name", "Description"),
        Column("start_date", "Start", "date"),
        Column("end_date", "End", "date"),
        Column("state", "State", "badge", choices=contracts.STATE_LABELS, badges=STATE_TONES),
        Column("parts_coverage", "Parts covered (%)", "number"),
        Column("labour_coverage", "Labour covered (%)", "number"),
        Column("yearly_price", "Yearly price", "money", shown=False),
    ),
    search=("number", "name", "partner.name"),
    filters=(
        Filter("state", "State", choices=tuple(contracts.STATE_LABELS.items())),
        Filter("partner", "Customer", "many2one", table=Partner),
    ),
    sort="number",
    dir="desc",
)

CONTRACT_FORM = Form(
    table=Contract,
    fields=(
        Field("partner", "Customer", "many2one", required=True,
              many2one=Many2one(Partner, "/contacts/partners/options")),
        Field("name", "Description", help="E.g. Full service, 2 visits a year."),
        Field("start_date", "Start", "date", required=True),
        Field("end_date", "End", "date", required=True, help="The last day the contract covers."),
        Field("parts_coverage", "Parts covered", "decimal", min=Decimal(0), max=Decimal(100), unit="%",
              default=Decimal(0)),
        Field("labour_coverage", "Labour covered", "decimal", min=Decimal(0), max=Decimal(100), unit="%",
              default=Decimal(0)),
        Field("travel_covered", "Travel covered", "bool"),
        Field("visits_per_year", "Visits per year", "integer", min=Decimal(0), max=Decimal(52), default=0),
        Field("yearly_price", "Yearly price", "money", min=Decimal(0), default=Decimal(0)),
        Field("notes", "Notes", "textarea"),
    ),
    rules=(lambda v: {"end_date": _("The contract cannot end before it starts.")}
           if v.get("start_date") and v.get("end_date") and v["end_date"] < v["start_date"] else {},),
    sections=(
        ("Contract", ("partner", "name", "start_date", "end_date")),
        ("Coverage", ("parts_coverage", "labour_coverage", "travel_covered", "visits_per_year")),
        ("Price", ("yearly_price", "notes")),
    ),
)

CONTRACTS = Resource(
    path=PATH, table=Contract, title="Service contracts", singular="Service contract", list=CONTRACT_LIST,
    form=CONTRACT_FORM, read=READ, write=WRITE, detail_template="field_service/contract/detail.html",
    label="number", slot_target="field_service_contract", new_title="New service contract",
)


class ContractController(controller(CONTRACTS)):  # type: ignore[misc]
    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        return await submit(CONTRACTS, request, None, lambda values, _version: contracts.create(values))

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        record = await record_of(CONTRACTS, request, record_id)
        return await submit(CONTRACTS, request, record,
                            lambda values, version: contracts.update(record_id, values, version=version))

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        record = await record_of(CONTRACTS, request, record_id)
        machines = await Equipment.select(
            Equipment.id, Equipment.serial, Equipment.product.name.as_alias("product_name"), Equipment.site_name,
            Equipment.city, Equipment.condition, Equipment.active,
        ).where(Equipment.contract == record_id).order_by(Equipment.serial).limit(500).run()
        plans = await MaintenancePlan.select(
            MaintenancePlan.id, MaintenancePlan.name, MaintenancePlan.next_due, MaintenancePlan.overdue,
            MaintenancePlan.active, MaintenancePlan.equipment.serial.as_alias("serial"),
        ).where((MaintenancePlan.contract == record_id) | MaintenancePlan.equipment.is_in(
            Equipment.select(Equipment.id).where(Equipment.contract == record_id))).order_by(
            MaintenancePlan.next_due).limit(200).run()
        url = f"{PATH}/{record_id}"
        actions = []
        if record["state"] in ("draft", "active"):
            actions.append(Action(_("Edit"), f"{url}/edit", permission=WRITE))
        if record["state"] == "draft":
            actions.append(Action(_("Activate"), f"{url}/state?to=active&version={record['version']}", "post",
                                  tone="primary", permission=WRITE))
        if record["state"] in ("draft", "active"):
            actions.append(Action(_("Cancel contract"), f"{url}/state?to=cancelled&version={record['version']}",
                                  "post", tone="danger", permission=WRITE,
                                  confirm=_("Cancel this contract? Its machines are no longer covered.")))
        title = record["number"]
        ctx = await detail_context(
            request, Contract, record, title=title, actions=actions, slot_target=CONTRACTS.slot_target,
            state=(_(contracts.STATE_LABELS[record["state"]]), STATE_TONES[record["state"]]),
            choices={"state": contracts.STATE_LABELS},
            tabs=[Tab("equipment", _("Covered equipment"), "field_service/contract/_equipment.html", len(machines)),
                  Tab("plans", _("Maintenance plans"), "field_service/contract/_plans.html", len(plans))])
        currency = await company_currency()
        from modules.field_service.controllers.equipment import CONDITION_TONES, CONDITIONS

        return await detail_page(
            request, CONTRACTS.detail_template, title=title, breadcrumbs=[(_(CONTRACTS.title), PATH), (title, url)],
            **ctx, res=CONTRACTS, record=record, shown=await displayed(CONTRACTS, record, currency),
            currency=currency, machines=machines, plans=plans, conditions=CONDITIONS, condition_tones=CONDITION_TONES)

    @post("/{record_id:int}/state", permission=WRITE, status_code=303)
    async def change_state(self, request: Request, record_id: int, to: str, version: int) -> Redirect:
        await record_of(CONTRACTS, request, record_id)
        try:
            row = await contracts.change_state(record_id, to, version=version)
        except StaleRecordError:
            flash(request, _("Someone else changed this contract meanwhile; look again and retry."), "error")
        except FieldServiceError as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, _("Contract %(number)s is now %(state)s.", number=row["number"],
                             state=_(contracts.STATE_LABELS[row["state"]]).lower()))
        return Redirect(f"{PATH}/{record_id}", status_code=303)
