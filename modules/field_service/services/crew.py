"""Who does the job and when: technicians assigned to a work order with their planned
times, scheduling (the lead technician and the order's planned window), check-in and
check-out (actual times)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.auth.models import User
from core.db import records
from core.db.engine import transaction
from core.i18n import _
from modules.field_service.models.work_order import Assignment, WorkOrder
from modules.field_service.services.errors import FieldServiceError, InvalidValues
from modules.field_service.services.lifecycle import at_version, check, check_open, get, label

SCHEDULABLE = ("new", "scheduled", "on_hold")


def _window(start: dt.datetime | None, end: dt.datetime | None) -> None:
    if start is None or end is None:
        return
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("planned times must be timezone-aware")
    if end <= start:
        raise InvalidValues({"planned_end": _("The end must be after the start.")})


async def _user(user: int) -> None:
    if not isinstance(user, int) or not await User.exists().where(User.id == user).run():
        raise InvalidValues({"user": _("Choose a technician.")})


async def _assignment(work_order: int, user: int) -> dict[str, Any] | None:
    return await Assignment.select().where((Assignment.work_order == work_order) & (Assignment.user == user)).first().run()


async def assign(work_order: int, user: int, *, planned_start: dt.datetime | None = None,
                 planned_end: dt.datetime | None = None, lead: bool = False) -> dict[str, Any]:
    """Put a technician on the job (or change their planned times); the lead's replaces
    any other lead."""
    _window(planned_start, planned_end)
    await _user(user)
    async with transaction():
        check_open(await get(work_order))
        if lead:
            for other in await Assignment.select().where((Assignment.work_order == work_order) & (Assignment.lead == True) & (Assignment.user != user)).run():  # noqa: E712
                await records.update(Assignment, other["id"], {"lead": False}, version=other["version"])
        found = await _assignment(work_order, user)
        values: dict[str, Any] = {"planned_start": planned_start, "planned_end": planned_end}
        if lead:
            values["lead"] = True
        if found is None:
            return await records.create(Assignment, {"work_order": work_order, "user": user, **values})
        return await records.update(Assignment, found["id"], values, version=found["version"])


async def unassign(work_order: int, user: int) -> None:
    async with transaction():
        check_open(await get(work_order))
        found = await _assignment(work_order, user)
        if found is not None:
            if found["actual_start"] is not None:
                raise FieldServiceError(_("This technician has checked in on the job already."))
            await records.delete(Assignment, found["id"], version=found["version"])


async def schedule(work_order: int, user: int, start: dt.datetime, end: dt.datetime, *,
                   version: int | None = None, reassign: bool = True) -> dict[str, Any]:
    """Plan the job on `user` from `start` to `end` (timezone-aware): the order gets that
    window and becomes scheduled; `user` becomes its lead technician. With `reassign`, the
    previous lead (who had not checked in) is taken off the job (dragging on the dispatch
    board); without, they stay as a helper."""
    _window(start, end)
    await _user(user)
    async with transaction():
        row = await get(work_order)
        if row["state"] not in SCHEDULABLE:
            check(row, "scheduled")  # the message names the state
        changes: dict[str, Any] = {"scheduled_start": start, "scheduled_end": end, "state": "scheduled"}
        saved = await records.update(WorkOrder, work_order, changes, version=at_version(row, version))
        previous = await Assignment.select().where((Assignment.work_order == work_order) & (Assignment.lead == True) & (Assignment.user != user)).run()  # noqa: E712
        await assign(work_order, user, planned_start=start, planned_end=end, lead=True)
        if reassign:
            for other in previous:
                if other["actual_start"] is None:
                    await records.delete(Assignment, other["id"], version=other["version"] + 1)
    return saved


async def check_in(work_order: int, user: int, at: dt.datetime | None = None) -> dict[str, Any]:
    """The technician arrives: their actual start, and a scheduled (or on hold) order starts."""
    now = at or dt.datetime.now(dt.UTC)
    async with transaction():
        row = await get(work_order)
        found = await _assignment(work_order, user)
        if found is None:
            raise FieldServiceError(_("You are not assigned to %(order)s.", order=label(row)))
        if row["state"] != "in_progress":
            check(row, "in_progress")
            values: dict[str, Any] = {"state": "in_progress"}
            if row["started_at"] is None:
                values["started_at"] = now
            await records.update(WorkOrder, work_order, values, version=row["version"])
        if found["actual_start"] is None or found["actual_end"] is not None:
            await records.update(Assignment, found["id"], {"actual_start": found["actual_start"] or now,
                                                           "actual_end": None}, version=found["version"])
    return await get(work_order)


async def check_out(work_order: int, user: int, at: dt.datetime | None = None, *,
                    log_time: bool = False) -> dict[str, Any]:
    """The technician leaves: their actual end; with `log_time`, the minutes since check-in
    become a work time entry."""
    now = at or dt.datetime.now(dt.UTC)
    async with transaction():
        row = await get(work_order)
        found = await _assignment(work_order, user)
        if found is None or found["actual_start"] is None:
            raise FieldServiceError(_("Check in on %(order)s first.", order=label(row)))
        if now < found["actual_start"]:
            raise InvalidValues({"actual_end": _("The end must be after the start.")})
        saved = await records.update(Assignment, found["id"], {"actual_end": now}, version=found["version"])
        minutes = int((now - found["actual_start"]).total_seconds() // 60)
        if log_time and minutes > 0:
            from modules.field_service.services.parts import add_time

            await add_time(work_order, user, min(minutes, 24 * 60), started_at=found["actual_start"])
    return saved
