"""Work orders and their lines: technicians (assignments), checklist, parts and time.

Lines live with their header. Stock and billing records are referred to by id (a
warehouse location, an invoice, an attachment): those belong to other modules or to
core and are reached only through their services."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from core.auth.models import User
from core.db.mixins import Audited
from core.partners.models import Partner
from core.products.models import Product
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.job_type import JobType
from modules.field_service.models.plan import MaintenancePlan
from modules.field_service.models.request import Request
from modules.field_service.models.technician import Team

KINDS = ("repair", "preventive", "installation", "inspection", "demonstration", "recall")
STATES = ("new", "scheduled", "in_progress", "on_hold", "done", "closed", "cancelled")
BILLING_STATES = ("to_bill", "billed", "not_billable")
COVERAGES = ("covered", "partly", "chargeable")
TIME_KINDS = ("work", "travel")
QTY = (14, 3)
MONEY = (12, 2)
PRICE = (12, 4)
PERCENT = (5, 2)


class WorkOrder(Audited, Table, tablename="field_service_work_order"):
    number = Varchar(length=30, unique=True)  # WO/2026/00001, sequence "field_service.work_order"
    request = ForeignKey(Request, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    partner = ForeignKey(Partner, null=False, on_delete=OnDelete.restrict, index=True)
    equipment = ForeignKey(
        Equipment, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    # The contract whose coverage applies (copied from the equipment when the order is made).
    contract = ForeignKey(Contract, null=True, default=None, on_delete=OnDelete.restrict)
    kind = Varchar(length=20, default="repair", index=True)
    job_type = ForeignKey(JobType, null=True, default=None, on_delete=OnDelete.restrict)
    priority = Varchar(length=10, default="normal")
    state = Varchar(length=20, default="new", index=True)
    team = ForeignKey(Team, null=True, default=None, on_delete=OnDelete.restrict)
    description = Text(default="")
    scheduled_start = Timestamptz(null=True, default=None, index=True)
    scheduled_end = Timestamptz(null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None, index=True)
    closed_at = Timestamptz(null=True, default=None)
    # The warehouse_location id parts come from (the technician's van or a shelf).
    stock_location = Integer(null=True, default=None)
    billing_state = Varchar(length=20, default="to_bill", index=True)
    not_billable_reason = Text(default="")
    invoice = Integer(null=True, default=None, index=True)  # billing_invoice id
    recall_of: ForeignKey = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)
    root_cause = Text(default="")
    hold_reason = Text(default="")
    cancel_reason = Text(default="")
    work_done = Text(default="")
    signature_attachment = Integer(null=True, default=None)  # core_attachment id (PNG)
    signed_by = Varchar(length=200, default="")
    signed_at = Timestamptz(null=True, default=None)
    plan = ForeignKey(
        MaintenancePlan, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    plan_due = Date(null=True, default=None)
    report_sent_at = Timestamptz(null=True, default=None)


class Assignment(Audited, Table, tablename="field_service_assignment"):
    """A technician on a work order, with planned and actual (check-in/check-out) times."""

    work_order = ForeignKey(WorkOrder, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, null=False, on_delete=OnDelete.restrict, index=True)
    planned_start = Timestamptz(null=True, default=None, index=True)
    planned_end = Timestamptz(null=True, default=None)
    actual_start = Timestamptz(null=True, default=None)
    actual_end = Timestamptz(null=True, default=None)
    lead = Boolean(default=False)


class CheckLine(Audited, Table, tablename="field_service_check_line"):
    """One point of the checklist, copied from the job type's CheckTemplate, and its result."""

    work_order = ForeignKey(WorkOrder, null=False, on_delete=OnDelete.cascade, index=True)
    sequence = Integer(default=10)
    label = Varchar(length=200)
    kind = Varchar(length=10, default="passfail")
    unit = Varchar(length=20, default="")
    minimum = Numeric(digits=(14, 4), null=True, default=None)
    maximum = Numeric(digits=(14, 4), null=True, default=None)
    required = Boolean(default=True)
    passed = Boolean(null=True, default=None)  # passfail; None: not yet checked
    value = Numeric(digits=(14, 4), null=True, default=None)  # measure
    text = Text(default="")  # text, or a remark on any kind
    attachment = Integer(null=True, default=None)  # photo: core_attachment id
    out_of_tolerance = Boolean(default=False)
    done_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    done_at = Timestamptz(null=True, default=None)


class PartLine(Audited, Table, tablename="field_service_part_line"):
    """A part planned for and/or used on the job, priced by coverage (services.coverage)."""

    work_order = ForeignKey(WorkOrder, null=False, on_delete=OnDelete.cascade, index=True)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.restrict, index=True)
    planned = Numeric(digits=QTY, default=D(0))
    used = Numeric(digits=QTY, default=D(0))
    location = Integer(null=True, default=None)  # warehouse_location id it is taken from
    lot = Integer(null=True, default=None)  # warehouse_lot id, for lot/serial-tracked parts
    # Quantity reserved in the warehouse for this line (the brief's `reserved` flag, as an amount).
    reserved = Numeric(digits=QTY, default=D(0))
    consumed = Boolean(default=False)  # stock taken on completion (exactly once)
    coverage = Varchar(length=10, default="chargeable")
    coverage_reason = Varchar(length=300, default="")
    covered_percent = Numeric(digits=PERCENT, default=D(0))
    unit_price = Numeric(digits=PRICE, default=D(0))
    amount = Numeric(digits=MONEY, default=D(0))  # what the customer is charged
    override_reason = Text(default="")  # set when a manager overrode the coverage
    invoiced = Boolean(default=False)


class TimeEntry(Audited, Table, tablename="field_service_time_entry"):
    """Work or travel time of one technician, priced by coverage like a part."""

    work_order = ForeignKey(WorkOrder, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, null=False, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=10, default="work")
    started_at = Timestamptz(null=True, default=None)
    minutes = Integer(default=0)
    billable = Boolean(default=True)
    note = Varchar(length=300, default="")
    coverage = Varchar(length=10, default="chargeable")
    coverage_reason = Varchar(length=300, default="")
    covered_percent = Numeric(digits=PERCENT, default=D(0))
    rate = Numeric(digits=MONEY, default=D(0))  # per hour
    amount = Numeric(digits=MONEY, default=D(0))  # what the customer is charged
    override_reason = Text(default="")
    invoiced = Boolean(default=False)
