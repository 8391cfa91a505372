"""Routing rules: who gets a new request, by kind, territory and equipment category.
The first active rule (by sequence) that matches wins."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Varchar
from piccolo.table import Table

from core.auth.models import User
from core.db.mixins import Audited
from core.partners.models import Territory
from core.products.models import ProductCategory
from modules.field_service.models.technician import Team

METHODS = ("manual", "round_robin", "least_loaded")


class RoutingRule(Audited, Table, tablename="field_service_routing_rule"):
    sequence = Integer(default=10, index=True)
    name = Varchar(length=100)
    kind = Varchar(length=20, default="")  # a request kind; "" matches any
    territory = ForeignKey(Territory, null=True, default=None, on_delete=OnDelete.restrict)
    category = ForeignKey(ProductCategory, null=True, default=None, on_delete=OnDelete.restrict)
    team = ForeignKey(Team, null=True, default=None, on_delete=OnDelete.restrict)
    user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    method = Varchar(length=20, default="manual")
    last_user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)  # round robin
    active = Boolean(default=True)
