"""A technician's day: their jobs of one day in order, each with what the phone page needs
(customer, address, checklist, parts, time, signature). Only the technician's own jobs:
`job(user, work_order)` answers None for anyone else's, and the pages turn that into 404.

Everything the page does goes through the work order service (check in/out, checklist,
parts used, time, signature, complete): this file only reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core.partners.models import Partner
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.work_order import Assignment, PartLine, TimeEntry, WorkOrder
from modules.field_service.services import checklist
from modules.field_service.services import parts as part_lines

SHOWN = ("scheduled", "in_progress", "on_hold", "done", "closed")
ACTIVE = ("scheduled", "in_progress", "on_hold")


@dataclass
class Job:
    order: dict[str, Any]
    assignment: dict[str, Any]
    customer: dict[str, Any]
    equipment: dict[str, Any] | None
    address: tuple[str, ...]
    checks: list[dict[str, Any]] = field(default_factory=list)
    parts: list[dict[str, Any]] = field(default_factory=list)
    times: list[dict[str, Any]] = field(default_factory=list)
    van_stock: list[dict[str, Any]] = field(default_factory=list)
    open_points: list[str] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.order["id"])

    @property
    def checked_in(self) -> bool:
        return self.assignment["actual_start"] is not None and self.assignment["actual_end"] is None

    @property
    def can_work(self) -> bool:
        return self.order["state"] in ("in_progress", "on_hold")

    @property
    def minutes(self) -> int:
        return sum(int(t["minutes"]) for t in self.times)


def _bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tz)
    return start, start + dt.timedelta(days=1)


async def jobs_of(user: int, day: dt.date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The user's assignments planned on `day`, plus jobs still in progress from before."""
    start, end = _bounds(day, tz)
    rows = await Assignment.select(
        *Assignment.all_columns(), Assignment.work_order.number.as_alias("number"),
        Assignment.work_order.state.as_alias("state"),
    ).where(
        (Assignment.user == user) & Assignment.work_order.state.is_in(list(SHOWN))
        & (((Assignment.planned_start >= start) & (Assignment.planned_start < end))  # type: ignore[operator]
           | ((Assignment.work_order.state == "in_progress") & (Assignment.planned_start < start)))
    ).run()
    return sorted(rows, key=lambda r: (r["planned_start"] or start, r["number"]))


async def _customer(partner: int) -> dict[str, Any]:
    row = await Partner.select(Partner.id, Partner.name, Partner.street, Partner.postcode, Partner.city,
                               Partner.phone).where(Partner.id == partner).first().run()
    return row or {"id": partner, "name": "", "street": "", "postcode": "", "city": "", "phone": ""}


async def _equipment(equipment: int | None) -> dict[str, Any] | None:
    if equipment is None:
        return None
    return await Equipment.select(
        Equipment.id, Equipment.serial, Equipment.site_name, Equipment.street, Equipment.postcode, Equipment.city,
        Equipment.product.name.as_alias("product_name"),
    ).where(Equipment.id == equipment).first().run()


def _address(customer: dict[str, Any], equipment: dict[str, Any] | None) -> tuple[str, ...]:
    """The site's address when the machine has one, else the customer's."""
    source = equipment if equipment and (equipment.get("street") or equipment.get("city")) else customer
    lines = (source.get("site_name") or "", source.get("street") or "",
             " ".join(x for x in (source.get("postcode") or "", source.get("city") or "") if x))
    return tuple(x for x in lines if x)


async def _van_stock(user: int) -> list[dict[str, Any]]:
    from modules.warehouse.services import van as vans

    van = await part_lines.van_of(user)
    if van is None:
        return []
    return [r for r in await vans.stock(van) if r["on_hand"] > 0]


async def load(user: int, assignment: dict[str, Any], *, full: bool) -> Job:
    order = await WorkOrder.select(
        *WorkOrder.all_columns(), WorkOrder.job_type.name.as_alias("job_type_name"),
    ).where(WorkOrder.id == assignment["work_order"]).first().run()
    assert order is not None
    customer = await _customer(order["partner"])
    equipment = await _equipment(order["equipment"])
    job = Job(order=order, assignment=assignment, customer=customer, equipment=equipment,
              address=_address(customer, equipment))
    if full:
        job.checks = await checklist.lines(job.id)
        job.open_points = [ln["label"] for ln in job.checks if ln["required"] and not checklist.is_done(ln)]
        job.parts = await PartLine.select(
            *PartLine.all_columns(), PartLine.product.code.as_alias("code"), PartLine.product.name.as_alias("name"),
            PartLine.product.unit.as_alias("unit"),
        ).where(PartLine.work_order == job.id).order_by(PartLine.id).run()
        job.times = await TimeEntry.select().where(
            (TimeEntry.work_order == job.id) & (TimeEntry.user == user)).order_by(TimeEntry.id).run()
        job.van_stock = await _van_stock(user) if order["state"] in ACTIVE else []
    return job


async def day(user: int, on: dt.date, tz: ZoneInfo) -> list[Job]:
    """The user's jobs of `on` in order; the active ones with their checklist, parts and time."""
    return [await load(user, a, full=a["state"] in ACTIVE) for a in await jobs_of(user, on, tz)]


async def job(user: int, work_order: int) -> Job | None:
    """One of the user's own jobs, fully loaded; None when they are not on it."""
    assignment = await Assignment.select(
        *Assignment.all_columns(), Assignment.work_order.number.as_alias("number"),
        Assignment.work_order.state.as_alias("state"),
    ).where((Assignment.user == user) & (Assignment.work_order == work_order)).first().run()
    if assignment is None:
        return None
    return await load(user, assignment, full=True)


async def owns_check(user: int, line_id: int) -> int | None:
    """The work order of checklist point `line_id` if the user is on it, else None."""
    from modules.field_service.models.work_order import CheckLine

    row = await CheckLine.select(CheckLine.work_order).where(CheckLine.id == line_id).first().run()
    if row is None:
        return None
    mine = await Assignment.exists().where(
        (Assignment.user == user) & (Assignment.work_order == row["work_order"])).run()
    return int(row["work_order"]) if mine else None


def quantity_text(value: Decimal | None) -> str:
    """2.000 -> "2", 0.500 -> "0.5" (what a technician types back in)."""
    return "" if value is None else format(Decimal(value).normalize(), "f")
