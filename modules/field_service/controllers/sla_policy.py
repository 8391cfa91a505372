"""SLA policies (kit CRUD): response and resolution targets per priority, for everyone,
a territory, a customer or a contract."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.partners.models import Partner, Territory
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from modules.field_service.models.calendar import Calendar
from modules.field_service.models.contract import Contract
from modules.field_service.models.sla import PRIORITIES, SlaPolicy
from modules.field_service.services.request import PRIORITY_LABELS

READ, WRITE = "field_service.request.read", "field_service.sla.write"
PRIORITY_CHOICES = tuple((p, PRIORITY_LABELS[p]) for p in PRIORITIES)


def _consistent(values: Mapping[str, Any]) -> dict[str, str]:
    from core.i18n import _

    if values["resolution_hours"] < values["response_hours"]:
        return {"resolution_hours": _("The resolution target cannot come before the response target.")}
    return {}


POLICIES = Resource(
    path="/field-service/sla-policies", table=SlaPolicy, title="SLA policies", singular="SLA policy",
    list=ListSpec(
        table=SlaPolicy,
        columns=(
            Column("name", "Name", "link"),
            Column("priority", "Priority", "choice", choices=PRIORITY_LABELS),
            Column("contract_number", "Contract", source=SlaPolicy.contract.number),
            Column("partner_name", "Customer", source=SlaPolicy.partner.name),
            Column("territory_name", "Territory", source=SlaPolicy.territory.name),
            Column("response_hours", "Response (hours)", "number"),
            Column("resolution_hours", "Resolution (hours)", "number"),
            Column("calendar_name", "Calendar", source=SlaPolicy.calendar.name),
            Column("active", "Active", "bool"),
        ),
        search=("name", "partner.name", "contract.number"),
        filters=(Filter("priority", "Priority", choices=PRIORITY_CHOICES),
                 Filter("active", "Active", "bool", default="yes")),
        sort="name",
    ),
    form=Form(
        table=SlaPolicy,
        fields=(
            Field("name", "Name", required=True),
            Field("priority", "Priority", "select", required=True, choices=PRIORITY_CHOICES, default="normal"),
            Field("contract", "Contract", "many2one", many2one=Many2one(
                Contract, "/field-service/contracts/options", label="number"),
                help="Applies to requests under this contract; the most specific policy wins."),
            Field("partner", "Customer", "many2one", many2one=Many2one(
                Partner, "/contacts/partners/options?customer=yes", where=lambda: Partner.is_customer == True)),  # noqa: E712
            Field("territory", "Territory", "many2one", many2one=Many2one(Territory, "/contacts/territories/options")),
            Field("response_hours", "Response target", "decimal", required=True, min=Decimal("0.25"),
                  max=Decimal(9999), unit="business hours", default=Decimal(8)),
            Field("resolution_hours", "Resolution target", "decimal", required=True, min=Decimal("0.25"),
                  max=Decimal(9999), unit="business hours", default=Decimal(40)),
            Field("warn_percent", "Warn at", "integer", required=True, min=Decimal(1), max=Decimal(99),
                  unit="% of the time gone", default=80),
            Field("calendar", "Working calendar", "many2one", many2one=Many2one(
                Calendar, "/field-service/calendars/options"), help="Empty: counted around the clock."),
            Field("active", "Active", "bool", default=True),
        ),
        rules=(_consistent,),
        sections=(("Applies to", ("name", "priority", "contract", "partner", "territory", "active")),
                  ("Targets", ("response_hours", "resolution_hours", "warn_percent", "calendar"))),
    ),
    read=READ, write=WRITE, detail_template="field_service/sla_policy/detail.html", new_title="New SLA policy",
)

SlaPolicyController = controller(POLICIES)
