"""May this technician do this work order on this day? The field service eligibility hook.

`refusals(user, work_order, day)` returns the reasons against (empty: eligible). Built in:
the technician is absent, the day is not one of their working days, or they lack a skill
the job type requires. Other modules add their own reasons by subscribing to the event
EVENT (declared in the manifest), e.g. staff training refusing a technician whose
certification has expired:

    Subscriber("field_service.eligibility", handler)
    async def handler(user: int, work_order: int, day: dt.date) -> str | list[str] | None: ...

A handler answers None (or an empty list) when it has no objection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from core import events
from core.i18n import _, fmt_date
from modules.field_service.models.job_type import JobType
from modules.field_service.models.work_order import WorkOrder
from modules.field_service.services import technician as technicians
from modules.field_service.services.errors import FieldServiceError, UnknownWorkOrder

EVENT = "field_service.eligibility"


class NotEligible(FieldServiceError):
    """The technician may not do the work order on that day; `reasons` says why."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons))


def builtin(profile: technicians.Profile, day: dt.date, required: Iterable[str],
            absence: Mapping[str, Any] | None) -> list[str]:
    """The module's own reasons (no database: the board checks many cards at once)."""
    found = []
    if absence is not None:
        reason = str(absence.get("reason") or "").strip()
        found.append(_("%(name)s is absent on %(day)s (%(reason)s).", name=profile.name, day=fmt_date(day),
                       reason=reason) if reason else
                     _("%(name)s is absent on %(day)s.", name=profile.name, day=fmt_date(day)))
    elif not profile.works_on(day):
        found.append(_("%(day)s is not a working day of %(name)s.", day=fmt_date(day), name=profile.name))
    missing = sorted(set(required) - profile.skills)
    if missing:
        found.append(_("%(name)s lacks the skills %(skills)s.", name=profile.name, skills=", ".join(missing)))
    return found


async def required_skills(work_order: Mapping[str, Any]) -> frozenset[str]:
    if work_order.get("job_type") is None:
        return frozenset()
    row = await JobType.select(JobType.skills).where(JobType.id == work_order["job_type"]).first().run()
    return technicians.skill_set(row["skills"] if row else "")


def _flat(answers: list[Any]) -> list[str]:
    found: list[str] = []
    for answer in answers:
        if isinstance(answer, str):
            found.append(answer)
        elif answer:
            found.extend(str(a) for a in answer if a)
    return found


async def others(user: int, work_order: int, day: dt.date) -> list[str]:
    """Reasons other modules give (the EVENT question)."""
    return _flat(await events.ask(EVENT, user=user, work_order=work_order, day=day))


async def refusals(user: int, work_order: int | Mapping[str, Any], day: dt.date) -> list[str]:
    """Every reason why `user` may not do `work_order` (an id or its row) on `day`."""
    row = work_order if isinstance(work_order, Mapping) else \
        await WorkOrder.select(WorkOrder.id, WorkOrder.job_type).where(WorkOrder.id == work_order).first().run()
    if row is None:
        raise UnknownWorkOrder(int(work_order))  # type: ignore[arg-type]
    profile = await technicians.profile(user)
    if profile is None:
        return [_("User #%(id)s does not exist.", id=user)]
    found = builtin(profile, day, await required_skills(row), await technicians.absence_on(user, day))
    return found + await others(user, int(row["id"]), day)


async def ensure(user: int, work_order: int | Mapping[str, Any], day: dt.date) -> None:
    """Raise NotEligible with every reason, if there is one."""
    reasons = await refusals(user, work_order, day)
    if reasons:
        raise NotEligible(reasons)
