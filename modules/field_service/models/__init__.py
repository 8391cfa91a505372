"""Field service tables, one file per concept (lines live with their header).

Changes against the shared brief's data model (docs for the other field-service helpers):
- Contract.start/end are `start_date`/`end_date` (END is an SQL keyword); Absence likewise.
- SlaPolicy.calendar may be empty: the targets then count around the clock.
- JobType has `active`; TimeEntry has `note`.
- WorkOrder has `contract` (the contract whose coverage applies, copied from the equipment)
  and `team` (for dispatch).
- PartLine.reserved is the quantity reserved in the warehouse (not a flag), and PartLine has
  `lot` (warehouse_lot id) for lot/serial-tracked parts.
- Required foreign keys are NOT NULL (`null=False`); optional ones are `null=True, default=None`.
- CHECK and multi-column UNIQUE constraints are declared on the tables for reading and added
  by the hand-written migration migrations/field_service/*_000000.py.
"""

from modules.field_service.models.calendar import Calendar, Holiday
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.job_type import CheckTemplate, JobType
from modules.field_service.models.leak import Leak
from modules.field_service.models.plan import MaintenancePlan, PlanKitLine
from modules.field_service.models.request import Request
from modules.field_service.models.routing import RoutingRule
from modules.field_service.models.sla import SlaPolicy
from modules.field_service.models.technician import Absence, Team, Technician
from modules.field_service.models.work_order import (
    Assignment,
    CheckLine,
    PartLine,
    TimeEntry,
    WorkOrder,
)

# In dependency order (referenced tables first).
TABLES = (
    Calendar,
    Holiday,
    Contract,
    SlaPolicy,
    Equipment,
    Team,
    Technician,
    Absence,
    JobType,
    CheckTemplate,
    Request,
    RoutingRule,
    MaintenancePlan,
    PlanKitLine,
    WorkOrder,
    Assignment,
    CheckLine,
    PartLine,
    TimeEntry,
    Leak,
)

__all__ = [t.__name__ for t in TABLES] + ["TABLES"]
