"""Figures for the field service dashboard tiles: today's schedule load per technician, the
first-time-fix rate and the value of work not billed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from modules.field_service.models.work_order import Assignment, PartLine, TimeEntry, WorkOrder
from modules.field_service.services import leak
from modules.field_service.services import technician as technicians

ZERO = Decimal(0)
FTF_DAYS, RECALL_DAYS = 90, 30


@dataclass(frozen=True)
class Load:
    user: int
    name: str
    planned: Decimal  # hours planned on the day
    available: Decimal  # working hours that day (0: day off or absent)
    absent: bool

    @property
    def percent(self) -> int:
        return int(self.planned * 100 / self.available) if self.available else (100 if self.planned else 0)


def _hours(seconds: float) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("0.1"))


async def schedule_load(day: dt.date, tz: ZoneInfo) -> list[Load]:
    """Planned against available hours per active technician on `day` (firm's time zone):
    assignments of open orders, clipped to the day."""
    crew = await technicians.roster()
    start = dt.datetime.combine(day, dt.time(0), tz)
    end = start + dt.timedelta(days=1)
    planned: dict[int, float] = defaultdict(float)
    for a in await Assignment.select(Assignment.user, Assignment.planned_start, Assignment.planned_end).where(
            (Assignment.planned_start < end) & (Assignment.planned_end > start)
            & Assignment.work_order.state.is_in(["new", "scheduled", "in_progress", "on_hold", "done"])).run():
        lo, hi = max(a["planned_start"], start), min(a["planned_end"], end)
        planned[a["user"]] += max(0.0, (hi - lo).total_seconds())
    away = await technicians.absences([p.user for p in crew], day, day)
    loads = []
    for p in crew:
        absent = technicians.absent_on(away.get(p.user, []), day) is not None
        hours = p.hours_on(day, tz)
        available = _hours((hours[1] - hours[0]).total_seconds()) if hours and not absent else ZERO
        loads.append(Load(p.user, p.name, _hours(planned.get(p.user, 0.0)), available, absent))
    return loads


@dataclass(frozen=True)
class FirstTimeFix:
    done: int
    recalled: int

    @property
    def rate(self) -> int | None:
        return round((self.done - self.recalled) * 100 / self.done) if self.done else None


async def first_time_fix(now: dt.datetime | None = None) -> FirstTimeFix:
    """Of the work orders done in the last 90 days, the share with no recall within 30 days."""
    now = now or dt.datetime.now(dt.UTC)
    done = await WorkOrder.select(WorkOrder.id, WorkOrder.done_at).where(
        WorkOrder.state.is_in(["done", "closed"]) & (WorkOrder.done_at >= now - dt.timedelta(days=FTF_DAYS))
        & (WorkOrder.done_at <= now)).run()
    finished = {r["id"]: r["done_at"] for r in done}
    recalled = set()
    if finished:
        for r in await WorkOrder.select(WorkOrder.recall_of, WorkOrder.created_at).where(
                WorkOrder.recall_of.is_in(list(finished)) & (WorkOrder.state != "cancelled")).run():
            if r["created_at"] - finished[r["recall_of"]] <= dt.timedelta(days=RECALL_DAYS):
                recalled.add(r["recall_of"])
    return FirstTimeFix(done=len(finished), recalled=len(recalled))


@dataclass(frozen=True)
class Unbilled:
    to_bill: Decimal  # done work waiting for its invoice
    orders: int
    leaks: Decimal  # other open findings (parts, labour, expired cover)
    leak_count: int

    @property
    def total(self) -> Decimal:
        return self.to_bill + self.leaks


async def unbilled() -> Unbilled:
    """Done work not billed yet (what its lines charge) plus the other open lost-revenue findings."""
    ids = [r["id"] for r in await WorkOrder.select(WorkOrder.id).where(
        WorkOrder.state.is_in(["done", "closed"]) & (WorkOrder.billing_state == "to_bill")
        & WorkOrder.invoice.is_null()).run()]
    value = ZERO
    if ids:
        for p in await PartLine.select(PartLine.amount).where(PartLine.work_order.is_in(ids) & (PartLine.used > 0)).run():
            value += Decimal(p["amount"])
        for t in await TimeEntry.select(TimeEntry.amount).where(
                TimeEntry.work_order.is_in(ids) & (TimeEntry.billable == True)).run():  # noqa: E712
            value += Decimal(t["amount"])
    others = {k: v for k, v in (await leak.open_totals()).items() if k != "unbilled_work"}
    return Unbilled(to_bill=value, orders=len(ids), leaks=sum((v for _n, v in others.values()), ZERO),
                    leak_count=sum(n for n, _v in others.values()))
