"""Preventive maintenance plans: a visit every N days or N months to one machine or to the
machines of a contract, prepared `lead_days` ahead with its parts kit reserved.

`generate(today)` (the daily job) makes the work order of every visit whose due date minus
the lead days has come: exactly once, even when two runs overlap. Each visit is one
transaction that re-reads the plan, creates the work order (UNIQUE(plan, plan_due) in the
database is the final word: the loser of a race gets a unique violation and rolls back
whole), reserves the kit through the work order parts service and advances `next_due`.
Then it marks overdue plans: a visit whose due date passed while its work order is open.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Max

from core.db import records
from core.db.engine import is_sqlite, transaction
from core.i18n import _
from core.web.kit.calendar import firm_timezone
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.plan import MaintenancePlan, PlanKitLine
from modules.field_service.models.work_order import WorkOrder
from modules.field_service.services import work_order as work_orders
from modules.field_service.services.equipment import today as firm_today
from modules.field_service.services.errors import FieldServiceError, InvalidValues
from modules.field_service.services.parts import van_of
from modules.warehouse.services.errors import WarehouseError

log = logging.getLogger(__name__)

FIELDS = ("name", "equipment", "contract", "job_type", "interval_days", "interval_months", "lead_days",
          "preferred", "next_due", "active")
OPEN_STATES = ("new", "scheduled", "in_progress", "on_hold")
DONE_STATES = ("done", "closed")
# A plan far behind (the job did not run for months) catches up this many visits per run.
MAX_PER_RUN = 12


@dataclass
class Generated:
    created: list[int] = field(default_factory=list)  # work order ids
    # (work order id, product id): kit lines planned without a reservation (no stock, no van).
    unreserved: list[tuple[int, int]] = field(default_factory=list)
    overdue: int = 0  # plans overdue after the run


# -- Dates -------------------------------------------------------------------------------------

def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: dt.date, months: int, anchor_day: int | None = None) -> dt.date:
    """`day` plus `months`, on `anchor_day` (default: day's own day of the month) or the
    month's last day when the month is shorter: 31 Jan + 1 = 28 Feb; + 1 again, anchored on
    the 31st, = 31 Mar."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(anchor_day or day.day, last_day(year, month)))


def following(plan: Mapping[str, Any], due: dt.date, anchor_day: int | None = None) -> dt.date:
    """The due date after `due`."""
    if plan.get("interval_days"):
        return due + dt.timedelta(days=int(plan["interval_days"]))
    return add_months(due, int(plan["interval_months"]), anchor_day)


async def _anchor_day(plan_id: int, due: dt.date) -> int:
    """The day of the month a month plan aims at. A due date on a month's last day may have
    been cut short (31st -> 28 Feb): the series' first visit tells the intended day."""
    if due.day != last_day(due.year, due.month):
        return due.day
    first = await WorkOrder.select(WorkOrder.plan_due).where(WorkOrder.plan == plan_id).order_by(
        WorkOrder.plan_due).first().run()
    return max(due.day, first["plan_due"].day) if first and first["plan_due"] else due.day


def prepare_on(plan: Mapping[str, Any], due: dt.date) -> dt.date:
    """The day the visit due on `due` gets its work order."""
    return due - dt.timedelta(days=int(plan["lead_days"] or 0))


# -- Plans -------------------------------------------------------------------------------------

def _check(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if values.get("equipment") is None and values.get("contract") is None:
        errors["equipment"] = _("Choose the machine or the contract this plan maintains.")
    days, months = values.get("interval_days"), values.get("interval_months")
    if bool(days) == bool(months):
        errors["interval_days"] = _("Give the interval in days or in months (one of the two).")
    elif (days or months or 0) < 0:
        errors["interval_days" if days else "interval_months"] = _("At least %(n)s.", n=1)
    if (values.get("lead_days") or 0) < 0:
        errors["lead_days"] = _("At least %(n)s.", n=0)
    return errors


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k in FIELDS}
    for name in ("interval_days", "interval_months"):
        if name in data and not data[name]:
            data[name] = None  # the form's 0 means "not this one"
    return data


async def _same_customer(values: Mapping[str, Any]) -> dict[str, str]:
    if values.get("equipment") is None or values.get("contract") is None:
        return {}
    eq = await Equipment.select(Equipment.partner).where(Equipment.id == values["equipment"]).first().run()
    co = await Contract.select(Contract.partner).where(Contract.id == values["contract"]).first().run()
    if eq and co and eq["partner"] != co["partner"]:
        return {"contract": _("This contract belongs to another customer.")}
    return {}


async def create(values: Mapping[str, Any]) -> dict[str, Any]:
    data = _clean(values)
    if errors := _check(data) | await _same_customer(data):
        raise InvalidValues(errors)
    return await records.create(MaintenancePlan, data)


async def update(plan_id: int, values: Mapping[str, Any], *, version: int) -> dict[str, Any]:
    async with transaction():
        old = await get(plan_id)
        data = _clean(values)
        merged = {**old, **data}
        if errors := _check(merged) | await _same_customer(merged):
            raise InvalidValues(errors)
        return await records.update(MaintenancePlan, plan_id, data, version=version)


async def get(plan_id: int) -> dict[str, Any]:
    row = await MaintenancePlan.select().where(MaintenancePlan.id == plan_id).first().run()
    if row is None:
        raise FieldServiceError(_("Maintenance plan #%(id)s does not exist.", id=plan_id))
    return row


async def add_kit_line(plan_id: int, product: int, quantity: Decimal) -> dict[str, Any]:
    if quantity <= 0:
        raise InvalidValues({"quantity": _("The quantity must be above zero.")})
    await get(plan_id)
    return await records.create(PlanKitLine, {"plan": plan_id, "product": product, "quantity": quantity})


async def remove_kit_line(line_id: int, *, version: int) -> None:
    await records.delete(PlanKitLine, line_id, version=version)


# -- The generator -----------------------------------------------------------------------------

def _ready(day: dt.date) -> Any:
    """Plans whose next visit's preparation day (next_due - lead_days) has come, in SQL."""
    if is_sqlite():
        return WhereRaw("date(\"next_due\", '-' || \"lead_days\" || ' days') <= {}", day.isoformat())
    return WhereRaw('"next_due" - "lead_days" <= {}', day)


async def _description(plan: Mapping[str, Any]) -> str:
    lines = [_("Preventive maintenance: %(plan)s", plan=plan["name"])]
    if plan["equipment"] is None and plan["contract"] is not None:
        machines = await Equipment.select(Equipment.serial, Equipment.product.name.as_alias("product")).where(
            (Equipment.contract == plan["contract"]) & (Equipment.active == True)).order_by(  # noqa: E712
            Equipment.serial).run()
        lines += [f"- {m['product']} {m['serial']}" for m in machines]
    return "\n".join(lines)


async def _partner(plan: Mapping[str, Any]) -> int:
    if plan["equipment"] is not None:
        row = await Equipment.select(Equipment.partner).where(Equipment.id == plan["equipment"]).first().run()
    else:
        row = await Contract.select(Contract.partner).where(Contract.id == plan["contract"]).first().run()
    if row is None:
        raise FieldServiceError(_("Maintenance plan %(plan)s has no customer.", plan=plan["name"]))
    return int(row["partner"])


async def _reserve_kit(txn: Any, work_order: int, plan_id: int) -> tuple[int, ...]:
    """Plan the kit on the work order, reserved from its parts location (the preferred
    technician's van) where there is stock; a line that cannot be reserved is planned
    unreserved (the technician or the warehouse sees it short) instead of failing the visit.
    Returns the products left unreserved."""
    short: list[int] = []
    for line in await PlanKitLine.select().where(PlanKitLine.plan == plan_id).order_by(PlanKitLine.id).run():
        point = await txn.savepoint()
        try:
            await work_orders.add_part(work_order, line["product"], Decimal(line["quantity"]))
            await point.release()
        except (WarehouseError, InvalidValues):
            await point.rollback_to()
            await work_orders.add_part(work_order, line["product"], Decimal(line["quantity"]), reserve=False)
            short.append(line["product"])
    return tuple(short)


@dataclass(frozen=True)
class Visit:
    """What one visit's transaction did."""

    next_due: dt.date
    work_order: int | None  # None: the work order existed already
    unreserved: tuple[int, ...] = ()  # kit products planned without a reservation


async def _visit(plan_id: int, due: dt.date) -> Visit | None:
    """Make the work order of the plan's visit due on `due` and advance the plan; None when
    another run got there first (nothing changed here)."""
    try:
        async with transaction() as txn:
            plan = await get(plan_id)
            if plan["next_due"] != due or not plan["active"]:
                return None  # advanced (or stopped) meanwhile
            made = await WorkOrder.exists().where((WorkOrder.plan == plan_id) & (WorkOrder.plan_due == due)).run()
            wo_id: int | None = None
            short: tuple[int, ...] = ()
            if not made:
                van = await van_of(plan["preferred"]) if plan["preferred"] else None
                wo = await work_orders.create_work_order(
                    await _partner(plan), equipment=plan["equipment"], kind="preventive", job_type=plan["job_type"],
                    description=await _description(plan), stock_location=van, plan=plan_id, plan_due=due,
                    contract=plan["contract"])
                wo_id = int(wo["id"])
                if plan["preferred"]:
                    await work_orders.assign(wo_id, plan["preferred"], lead=True)
                short = await _reserve_kit(txn, wo_id, plan_id)
            nxt = following(plan, due, await _anchor_day(plan_id, due) if plan["interval_months"] else None)
            await records.update(MaintenancePlan, plan_id, {"next_due": nxt}, version=plan["version"])
            return Visit(nxt, wo_id, short)
    except records.DuplicateValue:  # the work order's UNIQUE(plan, plan_due), through records.create
        return None  # a concurrent run made this visit's work order; everything here rolled back
    except records.StaleRecordError:
        return None  # a concurrent run (or an edit) changed the plan first


async def generate(today: dt.date | None = None, plans: Sequence[int] | None = None) -> Generated:
    """Create the due preventive work orders (each visit once), then mark overdue plans."""
    day = today or await firm_today()
    found = Generated()
    query = MaintenancePlan.select(MaintenancePlan.id, MaintenancePlan.next_due, MaintenancePlan.lead_days).where(
        (MaintenancePlan.active == True) & _ready(day))  # noqa: E712
    if plans is not None:
        query = query.where(MaintenancePlan.id.is_in(list(plans) or [0]))
    for row in await query.order_by(MaintenancePlan.next_due).order_by(MaintenancePlan.id).run():
        due = row["next_due"]
        for _visit_no in range(MAX_PER_RUN):
            try:
                visit = await _visit(row["id"], due)
            except FieldServiceError as exc:  # one plan that cannot make its order must not stop the others
                log.warning("maintenance plan %s: %s", row["id"], exc)
                break
            if visit is None:
                break
            if visit.work_order is not None:
                found.created.append(visit.work_order)
                found.unreserved += [(visit.work_order, p) for p in visit.unreserved]
            due = visit.next_due
            if prepare_on(row, due) > day:
                break
    found.overdue = await mark_overdue(day)
    return found


def _instant(value: Any) -> dt.datetime:
    """An aggregate's timestamp (SQLite hands back the stored text)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def mark_overdue(day: dt.date) -> int:
    """Flag plans with a visit due before `day` whose work order is still open, clear the flag
    on the others, and record the day of each plan's last finished visit; returns how many
    plans are overdue. Derived values: written in bulk, without a version bump, so an edit
    form open on a plan is not made stale by the nightly job."""
    late = WorkOrder.select(WorkOrder.plan).where(
        WorkOrder.plan.is_not_null() & (WorkOrder.plan_due < day) & WorkOrder.state.is_in(list(OPEN_STATES)))
    async with transaction():
        await MaintenancePlan.update({MaintenancePlan.overdue: True}).where(
            MaintenancePlan.id.is_in(late) & (MaintenancePlan.overdue == False)).run()  # noqa: E712
        await MaintenancePlan.update({MaintenancePlan.overdue: False}).where(
            MaintenancePlan.id.not_in(late) & (MaintenancePlan.overdue == True)).run()  # noqa: E712
        zone = await firm_timezone()
        done = await WorkOrder.select(WorkOrder.plan, Max(WorkOrder.done_at, alias="last")).where(
            WorkOrder.plan.is_not_null() & WorkOrder.state.is_in(list(DONE_STATES))
            & WorkOrder.done_at.is_not_null()).group_by(WorkOrder.plan).run()
        last = {r["plan"]: _instant(r["last"]).astimezone(zone).date() for r in done if r["last"]}
        if last:
            known = await MaintenancePlan.select(MaintenancePlan.id, MaintenancePlan.last_done).where(
                MaintenancePlan.id.is_in(list(last))).run()
            for row in known:
                if row["last_done"] != last[row["id"]]:
                    await MaintenancePlan.update({MaintenancePlan.last_done: last[row["id"]]}).where(
                        MaintenancePlan.id == row["id"]).run()
    return await MaintenancePlan.count().where(MaintenancePlan.overdue == True).run()  # noqa: E712
