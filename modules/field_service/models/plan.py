"""Preventive maintenance plans (per equipment or per contract) and the parts kit each visit needs."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Numeric, OnDelete, Varchar
from piccolo.table import Table

from core.auth.models import User
from core.db.mixins import Audited
from core.products.models import Product
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.job_type import JobType


class MaintenancePlan(Audited, Table, tablename="field_service_maintenance_plan"):
    name = Varchar(length=200)
    equipment = ForeignKey(
        Equipment, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    contract = ForeignKey(
        Contract, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    job_type = ForeignKey(JobType, null=False, on_delete=OnDelete.restrict)
    interval_days = Integer(null=True, default=None)  # exactly one of the two intervals
    interval_months = Integer(null=True, default=None)
    lead_days = Integer(default=14)  # create the work order this many days before it is due
    preferred = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    next_due = Date(index=True)
    last_done = Date(null=True, default=None)
    overdue = Boolean(default=False)
    active = Boolean(default=True)


class PlanKitLine(Audited, Table, tablename="field_service_plan_kit_line"):
    plan = ForeignKey(MaintenancePlan, null=False, on_delete=OnDelete.cascade, index=True)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.restrict)
    quantity = Numeric(digits=(14, 3), default=D(1))
