"""Who sees which work orders: technicians only those they are assigned to.

Roles the rule does not mention (manager, dispatcher) see every work order, so a
technician who is also a dispatcher sees them all (core.auth.rules)."""

from __future__ import annotations

from typing import Any

from core.modules.manifest import RecordRule
from modules.field_service.models.work_order import Assignment, WorkOrder


def own_work_orders(user: int) -> Any:
    """Work orders the user is assigned to."""
    return WorkOrder.id.is_in(Assignment.select(Assignment.work_order).where(Assignment.user == user))


RULES = (RecordRule("technicians see only their own work orders", WorkOrder, ("technician",), own_work_orders),)
