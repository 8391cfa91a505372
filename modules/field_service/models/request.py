"""Service requests (intake): what a customer asked for, its SLA clock, and what it became."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.auth.models import User
from core.db.mixins import Audited
from core.partners.models import Partner
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.sla import SlaPolicy
from modules.field_service.models.technician import Team

KINDS = ("repair", "maintenance", "installation", "demonstration", "complaint", "warranty")
CHANNELS = ("phone", "email", "web", "visit", "portal")
STATES = ("new", "assigned", "waiting_customer", "waiting_parts", "converted", "closed")
PAUSED_STATES = ("waiting_customer", "waiting_parts")  # the SLA clock stops here
SLA_STATES = ("ok", "warning", "breached")


class Request(Audited, Table, tablename="field_service_request"):
    number = Varchar(length=30, unique=True)  # SR/2026/00001, sequence "field_service.request"
    partner = ForeignKey(Partner, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    # As given on the form (a web request may come from someone not yet a partner).
    contact_name = Varchar(length=200, default="")
    email = Varchar(length=200, default="")
    phone = Varchar(length=50, default="")
    equipment = ForeignKey(
        Equipment, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    serial = Varchar(length=100, default="")  # as typed by the customer
    kind = Varchar(length=20, default="repair")
    priority = Varchar(length=10, default="normal")
    channel = Varchar(length=10, default="phone")
    description = Text(default="")
    state = Varchar(length=20, default="new", index=True)
    team = ForeignKey(Team, null=True, default=None, on_delete=OnDelete.restrict)
    assignee = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    sla = ForeignKey(SlaPolicy, null=True, default=None, on_delete=OnDelete.restrict)
    response_due = Timestamptz(null=True, default=None)
    resolution_due = Timestamptz(null=True, default=None, index=True)
    responded_at = Timestamptz(null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    paused_since = Timestamptz(null=True, default=None)  # set while in a PAUSED_STATES state
    sla_state = Varchar(length=10, default="ok", index=True)
    warned_at = Timestamptz(null=True, default=None)
    breached_at = Timestamptz(null=True, default=None)
    close_reason = Text(default="")
    # Ids, not foreign keys: the work order points back here with a real foreign key,
    # and the RMA belongs to the warehouse module.
    work_order = Integer(null=True, default=None)
    rma = Integer(null=True, default=None)  # warehouse_rma id
