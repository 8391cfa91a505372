"""The work order's states and what every work order service needs to read one.

States: new -> scheduled -> in_progress -> on_hold -> done -> closed, and cancelled.
TRANSITIONS lists every allowed move; anything else is refused naming both states.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.db import records
from core.i18n import _
from modules.field_service.models.work_order import WorkOrder
from modules.field_service.services.errors import (
    FieldServiceError,
    InvalidTransition,
    UnknownWorkOrder,
    state_label,
)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("scheduled", "cancelled"),
    "scheduled": ("in_progress", "new", "on_hold", "cancelled"),
    "in_progress": ("on_hold", "done"),
    "on_hold": ("scheduled", "in_progress", "cancelled"),
    "done": ("closed",),
    "closed": (),
    "cancelled": (),
}
# Where planning, parts and time may still change.
OPEN = ("new", "scheduled", "in_progress", "on_hold")


def origin(work_order: int) -> str:
    """The origin the warehouse and billing know this work order by."""
    return f"field_service.work_order:{work_order}"


def label(row: Mapping[str, Any]) -> str:
    return str(row.get("number") or _("Work order #%(id)s", id=row["id"]))


async def get(work_order: int) -> dict[str, Any]:
    row = await WorkOrder.select().where(WorkOrder.id == work_order).first().run()
    if row is None:
        raise UnknownWorkOrder(work_order)
    return row


def check(row: Mapping[str, Any], target: str) -> None:
    """Raise InvalidTransition unless the work order may go from its state to `target`."""
    allowed = TRANSITIONS.get(row["state"], ())
    if target not in allowed:
        raise InvalidTransition(label(row), row["state"], target, allowed)


def allowed(row: Mapping[str, Any]) -> tuple[str, ...]:
    return TRANSITIONS.get(row["state"], ())


def check_open(row: Mapping[str, Any]) -> None:
    """Refuse changing planning, parts or time of a done, closed or cancelled order."""
    if row["state"] not in OPEN:
        raise FieldServiceError(_("%(order)s is %(state)s: its parts, time and planning can no longer change.",
                                  order=label(row), state=state_label(row["state"])))


def at_version(row: Mapping[str, Any], version: int | None) -> int:
    """The version to write at: the caller's (a stale one is refused) or the current one."""
    if version is not None and version != row["version"]:
        raise records.StaleRecordError(WorkOrder, row["id"], version, row["version"])
    return int(row["version"])
