"""SLA policies: response and resolution targets per priority, in business hours of a calendar.

The policy for a request is the most specific active one for its priority:
contract > partner > territory > default (all three empty)."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Boolean, ForeignKey, Integer, Numeric, OnDelete, Varchar
from piccolo.table import Table

from core.db.mixins import Audited
from core.partners.models import Partner, Territory
from modules.field_service.models.calendar import Calendar
from modules.field_service.models.contract import Contract

PRIORITIES = ("low", "normal", "high", "urgent")
HOURS = (8, 2)


class SlaPolicy(Audited, Table, tablename="field_service_sla_policy"):
    name = Varchar(length=100)
    priority = Varchar(length=10, default="normal", index=True)
    partner = ForeignKey(Partner, null=True, default=None, on_delete=OnDelete.restrict)
    territory = ForeignKey(Territory, null=True, default=None, on_delete=OnDelete.restrict)
    contract = ForeignKey(Contract, null=True, default=None, on_delete=OnDelete.restrict)
    response_hours = Numeric(digits=HOURS, default=D(8))  # business hours
    resolution_hours = Numeric(digits=HOURS, default=D(40))
    warn_percent = Integer(default=80)  # warn when this share of the target time has passed
    # None: counted around the clock (24/7).
    calendar = ForeignKey(Calendar, null=True, default=None, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
