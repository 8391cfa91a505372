"""Routing rules (kit CRUD): which team or technician new requests go to."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.auth.models import User
from core.i18n import _
from core.partners.models import Territory
from core.products.models import ProductCategory
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from modules.field_service.models.request import KINDS
from modules.field_service.models.routing import METHODS, RoutingRule
from modules.field_service.models.technician import Team
from modules.field_service.services.request import KIND_LABELS
from modules.field_service.services.routing import METHOD_LABELS

READ, WRITE = "field_service.request.read", "field_service.routing.write"
METHOD_CHOICES = tuple((m, METHOD_LABELS[m]) for m in METHODS)


def _who(values: Mapping[str, Any]) -> dict[str, str]:
    if values["team"] is None and values["user"] is None and values["method"] == "manual":
        return {"team": _("A manual rule needs a team or a technician.")}
    if values["user"] is not None and values["method"] != "manual":
        return {"user": _("Round robin and least loaded choose the technician themselves; leave this empty.")}
    return {}


RULES = Resource(
    path="/field-service/routing-rules", table=RoutingRule, title="Routing rules", singular="Routing rule",
    list=ListSpec(
        table=RoutingRule,
        columns=(
            Column("sequence", "Sequence", "number"),
            Column("name", "Name", "link"),
            Column("kind", "Kind", "choice", choices=KIND_LABELS),
            Column("territory_name", "Territory", source=RoutingRule.territory.name),
            Column("category_name", "Equipment category", source=RoutingRule.category.name),
            Column("team_name", "Team", source=RoutingRule.team.name),
            Column("user_name", "Technician", source=RoutingRule.user.name),
            Column("method", "Method", "choice", choices=METHOD_LABELS),
            Column("active", "Active", "bool"),
        ),
        search=("name",),
        filters=(Filter("method", "Method", choices=METHOD_CHOICES), Filter("active", "Active", "bool", default="yes")),
        sort="sequence",
    ),
    form=Form(
        table=RoutingRule,
        fields=(
            Field("name", "Name", required=True),
            Field("sequence", "Sequence", "integer", required=True, min=Decimal(0), max=Decimal(9999), default=10,
                  help="Rules are tried from the lowest sequence up; the first that matches wins."),
            Field("kind", "Kind", "select", choices=tuple((k, KIND_LABELS[k]) for k in KINDS),
                  help="Empty: any kind."),
            Field("territory", "Territory", "many2one", many2one=Many2one(Territory, "/contacts/territories/options"),
                  help="The customer's territory. Empty: anywhere."),
            Field("category", "Equipment category", "many2one",
                  many2one=Many2one(ProductCategory, "/products/categories/options"),
                  help="The category of the machine's product. Empty: any machine."),
            Field("team", "Team", "many2one", many2one=Many2one(Team, "/field-service/teams/options")),
            Field("user", "Technician", "many2one", many2one=Many2one(
                User, "/field-service/technicians/users", where=lambda: User.active == True)),  # noqa: E712
            Field("method", "Method", "select", required=True, choices=METHOD_CHOICES, default="manual",
                  help="Manual: the team (or technician) named. Round robin: the team's technicians in turn. "
                       "Least loaded: the team's technician with the fewest open requests and work orders."),
            Field("active", "Active", "bool", default=True),
        ),
        rules=(_who,),
        sections=(("Matches", ("name", "sequence", "kind", "territory", "category", "active")),
                  ("Goes to", ("team", "user", "method"))),
    ),
    read=READ, write=WRITE, detail_template="field_service/routing_rule/detail.html", new_title="New routing rule",
)

RoutingRuleController = controller(RULES)
