"""The dispatch board: work orders by technician and day (or hour), their conflicts, and the
unscheduled work waiting for a slot, most urgent first.

Scheduling from the board goes through the work order service (`work_order.schedule`) after
the eligibility check, exactly as the work order's own form does. Conflicts are flagged,
not refused: overlap with another job of the same technician, outside their working hours,
absent, or an eligibility refusal (a missing skill, another module's objection).

Sized for 200 technicians and half a million work orders: the board shows LANES technicians
a page (a team is about one page), reads only their assignments of the window through the
(user, planned_end) index, flags the cards with no query per card (one question to other
modules per card only when a module subscribes to the eligibility event), and lists at most
CONFLICTS_SHOWN conflicts and UNSCHEDULED_LIMIT waiting orders, each with its plan form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_time
from piccolo.querystring import QueryString

from core import events
from core.auth.current import CurrentUser
from core.auth.rules import restrict, rules_for
from core.db.engine import transaction
from core.i18n import _, locale
from core.registry import Registry
from core.web.kit.calendar import Day, Item, conflicting, days_of
from modules.field_service.models.job_type import JobType
from modules.field_service.models.work_order import Assignment, WorkOrder
from modules.field_service.services import eligibility
from modules.field_service.services import technician as technicians
from modules.field_service.services import work_order as work_orders
from modules.field_service.services.errors import FieldServiceError, InvalidValues, UnknownWorkOrder

VIEWS = ("week", "day")
PRIORITIES = ("urgent", "high", "normal", "low")
PRIORITY_LABELS = {"urgent": "Urgent", "high": "High", "normal": "Normal", "low": "Low"}
KIND_LABELS = {"repair": "Repair", "preventive": "Preventive", "installation": "Installation",
               "inspection": "Inspection", "demonstration": "Demonstration", "recall": "Recall"}
SHOWN_STATES = ("scheduled", "in_progress", "on_hold", "done", "closed")
# The day view's hour columns: 07:00 to 19:00 (board.css styles up to 14 columns).
FIRST_HOUR, HOURS = 7, 12
DEFAULT_MINUTES = 60
UNSCHEDULED_LIMIT = 20
LANES = 10  # technicians per page of the board
CONFLICTS_SHOWN = 20


@dataclass(frozen=True)
class Job:
    """A work order on one technician's row (an assignment), or waiting in the side list."""

    id: int
    number: str
    version: int
    state: str
    kind: str
    priority: str
    customer: str
    city: str
    job_type: int | None
    job_type_name: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    user: int | None = None
    due: dt.datetime | None = None
    sla_state: str = ""
    problems: tuple[str, ...] = ()
    partner: int | None = None  # the customer's row

    @property
    def key(self) -> str:
        return f"{self.id}-{self.user}"

    @property
    def url(self) -> str:
        return f"/field-service/work-orders/{self.id}"

    @property
    def problem_text(self) -> str:
        return " ".join(self.problems)

    @property
    def minutes(self) -> int:
        if self.start and self.end:
            return max(int((self.end - self.start).total_seconds() // 60), 1)
        return DEFAULT_MINUTES


@dataclass(frozen=True)
class Bar:
    job: Job
    col: int
    span: int
    when: str
    continues_before: bool = False
    continues_after: bool = False

    @property
    def css(self) -> str:
        """The card's classes (worked out here: a board draws hundreds of cards)."""
        job = self.job
        tone = " is-conflict" if job.problems else " tone-ok" if job.state in ("done", "closed") else \
            " tone-warn" if job.state == "in_progress" else ""
        return (f"cal-item dispatch-job col-{self.col} span-{self.span}{tone}"
                f"{' continues-before' if self.continues_before else ''}"
                f"{' continues-after' if self.continues_after else ''}")

    @property
    def tip(self) -> str:
        return " · ".join((self.job.number, self.job.customer, *self.job.problems))


@dataclass(frozen=True)
class Column:
    """A column of the grid: a day (week view) or an hour (day view)."""

    date: dt.date
    label: str
    time: str = ""  # "HH:MM" in the day view
    weekend: bool = False
    today: bool = False


@dataclass(frozen=True)
class Lane:
    user: int
    name: str
    bars: tuple[Bar, ...]
    off: frozenset[dt.date]  # days not worked or absent (shaded)
    absent: frozenset[dt.date]


@dataclass(frozen=True)
class Board:
    view: str
    date: dt.date
    first: dt.date
    last: dt.date
    tz: ZoneInfo
    columns: tuple[Column, ...]
    lanes: tuple[Lane, ...]
    unscheduled: tuple[Job, ...]
    unscheduled_count: int
    conflicts: tuple[Job, ...]  # the first CONFLICTS_SHOWN of conflict_count
    technicians: tuple[technicians.Profile, ...]  # the page's lanes: the plan forms offer them
    team: int | None = None
    conflict_count: int = 0
    page: int = 1
    pages: int = 1
    lane_total: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# -- reading ---------------------------------------------------------------------

def window(view: str, date: dt.date) -> tuple[dt.date, dt.date]:
    if view == "day":
        return date, date
    monday = date - dt.timedelta(days=date.weekday())
    return monday, monday + dt.timedelta(days=6)


# The column lists are built once: following Piccolo's foreign keys copies their tables'
# columns (3.5 ms a board for the card's joins), and the built columns are only read.
@lru_cache(maxsize=1)
def _fields() -> tuple[Any, ...]:
    return (WorkOrder.id, WorkOrder.number, WorkOrder.version, WorkOrder.state, WorkOrder.kind,
            WorkOrder.priority, WorkOrder.job_type, WorkOrder.scheduled_start, WorkOrder.scheduled_end,
            WorkOrder.partner.as_alias("partner"),
            WorkOrder.partner.name.as_alias("customer"), WorkOrder.partner.city.as_alias("partner_city"),
            WorkOrder.equipment.city.as_alias("site_city"), WorkOrder.job_type.name.as_alias("job_type_name"),
            WorkOrder.request.resolution_due.as_alias("due"), WorkOrder.request.sla_state.as_alias("sla_state"))


def _job(row: Mapping[str, Any], **extra: Any) -> Job:
    return Job(id=row["id"], number=row["number"], version=row["version"], state=row["state"], kind=row["kind"],
               priority=row["priority"], customer=row["customer"] or "",
               city=row.get("site_city") or row.get("partner_city") or "", job_type=row["job_type"],
               job_type_name=row.get("job_type_name") or "", due=row.get("due"),
               sla_state=row.get("sla_state") or "", partner=row.get("partner"), **extra)


@lru_cache(maxsize=2)
def _card_fields(cities: bool) -> tuple[Any, ...]:
    """A planned card's columns, read from the assignment through its work order (the week
    view shows no city: it spares the equipment join)."""
    wo = Assignment.work_order
    fields: tuple[Any, ...] = (Assignment.user, Assignment.planned_start, Assignment.planned_end, Assignment.work_order.as_alias("id"),
              wo.number.as_alias("number"), wo.version.as_alias("version"), wo.state.as_alias("state"),
              wo.kind.as_alias("kind"), wo.priority.as_alias("priority"), wo.job_type.as_alias("job_type"),
              wo.partner.as_alias("partner"),  # type: ignore[union-attr]
              wo.partner.name.as_alias("customer"))  # type: ignore[union-attr]
    if cities:
        fields += (wo.partner.city.as_alias("partner_city"), wo.equipment.city.as_alias("site_city"))  # type: ignore[union-attr]
    return fields


async def scheduled(first: dt.date, last: dt.date, tz: ZoneInfo, registry: Registry,
                    user: CurrentUser, users: Sequence[int] | None = None, *, cities: bool = True) -> list[Job]:
    """One Job per assignment planned in first..last (the order's time when the assignment has none)."""
    start = dt.datetime.combine(first, dt.time(), tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
    # planned_end > start first: the (user, planned_end) index then reads only the window
    # and what comes after it, never two years of history. One query: the work order's
    # columns come through the join, its record rules as a condition on it.
    query = Assignment.select(*_card_fields(cities)).where(
        (Assignment.planned_end > start) & (Assignment.planned_start < end)  # type: ignore[operator]
        & Assignment.work_order.state.is_in(list(SHOWN_STATES))
    )
    if users is not None:
        query = query.where(Assignment.user.is_in(list(users) or [0]))
    if rules_for(registry, WorkOrder, user):
        query = query.where(Assignment.work_order.is_in(
            restrict(WorkOrder.select(WorkOrder.id), registry, WorkOrder, user)))
    jobs = [_job(a, start=a["planned_start"], end=a["planned_end"], user=a["user"]) for a in await query.run()]
    return sorted(jobs, key=lambda j: (j.start or start, j.number))


# The side list's order in SQL, the same on both engines: orders with an SLA deadline first
# (NULLs sort differently on SQLite and PostgreSQL, hence the explicit flag), earliest first,
# then priority (not alphabetical), then number, or id for those without a deadline.
_DUE = ('(SELECT "r"."resolution_due" FROM "field_service_request" AS "r" '
        'WHERE "r"."id" = "field_service_work_order"."request")')
_URGENCY = (
    QueryString(f"CASE WHEN {_DUE} IS NULL THEN 1 ELSE 0 END"),
    QueryString(_DUE),
    QueryString("CASE \"field_service_work_order\".\"priority\" "
                + " ".join(f"WHEN '{p}' THEN {i}" for i, p in enumerate(PRIORITIES)) + f" ELSE {len(PRIORITIES)} END"),
    QueryString(f'CASE WHEN {_DUE} IS NULL THEN NULL ELSE "field_service_work_order"."number" END'),
)


async def unscheduled(registry: Registry, user: CurrentUser, team: int | None = None,
                      limit: int = UNSCHEDULED_LIMIT) -> tuple[list[Job], int]:
    """Open work without a planned time, by SLA deadline (request resolution_due), then
    priority, then number; and how many there are in all."""
    where = WorkOrder.state.is_in(["new", "on_hold"]) & WorkOrder.scheduled_start.is_null()
    if team is not None:
        where = where & (WorkOrder.team == team)
    # The (state, scheduled_start) index finds the waiting orders (and counts them alone);
    # the ids are ranked without joins, then only the page's orders are read whole.
    count = await restrict(WorkOrder.count().where(where), registry, WorkOrder, user).run()
    if not count:
        return [], 0
    ids = [r["id"] for r in await restrict(WorkOrder.select(WorkOrder.id).where(where), registry, WorkOrder, user)
           .order_by(*_URGENCY).order_by(WorkOrder.id).limit(limit).run()]
    rows = {r["id"]: r for r in await WorkOrder.select(*_fields()).where(WorkOrder.id.is_in(ids or [0])).run()}
    return [_job(rows[i]) for i in ids if i in rows], int(count)


async def _skills(job_types: set[int]) -> dict[int, frozenset[str]]:
    if not job_types:
        return {}
    rows = await JobType.select(JobType.id, JobType.skills).where(JobType.id.is_in(sorted(job_types))).run()
    return {r["id"]: technicians.skill_set(r["skills"]) for r in rows}


@lru_cache(maxsize=4096)
def _clock(loc: str, hour: int, minute: int) -> str:
    return format_time(dt.time(hour, minute), "short", locale=loc)


def _when(job: Job, tz: ZoneInfo) -> str:
    """"08:30–10:00" in the firm's zone (babel's short time, cached: a board has hundreds)."""
    if job.start is None or job.end is None:
        return ""
    loc = str(locale())
    start, end = job.start.astimezone(tz), job.end.astimezone(tz)
    return f"{_clock(loc, start.hour, start.minute)}–{_clock(loc, end.hour, end.minute)}"


async def flag(jobs: Sequence[Job], tz: ZoneInfo, *,
               profiles: Mapping[int, technicians.Profile] | None = None,
               away: Mapping[int, list[dict[str, Any]]] | None = None) -> list[Job]:
    """The jobs with their problems filled in (overlap, hours, absence, eligibility).
    `profiles` and `away` (absences over the jobs' days) save reading them again."""
    if not jobs:
        return []
    items = [Item(id=j.key, title=j.number, start=j.start, end=j.end, person=j.user)  # type: ignore[arg-type]
             for j in jobs if j.start and j.end]
    overlapping = conflicting(items, tz)
    users = {j.user for j in jobs if j.user is not None}
    if profiles is None or not users <= profiles.keys():
        profiles = await technicians.profiles(users)
    if away is None:
        days = [j.start.astimezone(tz).date() for j in jobs if j.start]
        away = await technicians.absences(users, min(days), max(days)) if days else {}
    skills = await _skills({j.job_type for j in jobs if j.job_type is not None})
    # Other modules' objections cost a question per card: skip them when nobody listens.
    asking = bool(await events.subscribers(eligibility.EVENT))
    # A board has hundreds of cards but few (technician, day) pairs: the working hours and
    # the built-in eligibility are worked out once per pair (and job type).
    hours_of: dict[tuple[int, dt.date], tuple[dt.datetime, dt.datetime] | None] = {}
    builtin_of: dict[tuple[int, dt.date, int], list[str]] = {}
    flagged = []
    for job in jobs:
        profile = profiles.get(job.user or 0)
        if job.start is None or job.end is None or profile is None:
            flagged.append(job)
            continue
        problems: list[str] = []
        day = job.start.astimezone(tz).date()
        if job.key in overlapping:
            problems.append(_("Overlaps another job of %(name)s.", name=profile.name))
        pair = (profile.user, day)
        if pair not in hours_of:
            hours_of[pair] = profile.hours_on(day, tz)
        hours = hours_of[pair]
        if hours is not None and (job.start < hours[0] or job.end > hours[1]):
            problems.append(_("Outside the working hours of %(name)s (%(start)s–%(end)s).", name=profile.name,
                              start=profile.day_start, end=profile.day_end))
        key = (profile.user, day, job.job_type or 0)
        if key not in builtin_of:
            builtin_of[key] = eligibility.builtin(profile, day, skills.get(job.job_type or 0, frozenset()),
                                                  technicians.absent_on(away.get(profile.user, []), day))
        problems += builtin_of[key]
        if asking and job.state in ("scheduled", "on_hold"):
            problems += await eligibility.others(profile.user, job.id, day)
        flagged.append(replace(job, problems=tuple(problems)) if problems else job)
    return flagged


def _columns(view: str, first: dt.date, last: dt.date, today: dt.date) -> tuple[Column, ...]:
    if view == "day":
        return tuple(Column(date=first, label=f"{h:02d}:00", time=f"{h:02d}:00", weekend=first.weekday() >= 5,
                            today=first == today) for h in range(FIRST_HOUR, FIRST_HOUR + HOURS))
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return tuple(Column(date=d, label="", weekend=d.weekday() >= 5, today=d == today) for d in days)


def _day_bars(jobs: Sequence[Job], day: dt.date, tz: ZoneInfo) -> tuple[Bar, ...]:
    """Bars on the hour columns of `day` (clipped to FIRST_HOUR..FIRST_HOUR+HOURS)."""
    lo = dt.datetime.combine(day, dt.time(FIRST_HOUR), tz)
    hi = lo + dt.timedelta(hours=HOURS)
    bars = []
    for job in jobs:
        if job.start is None or job.end is None or job.end <= lo or job.start >= hi:
            continue
        start, end = max(job.start, lo), min(job.end, hi)
        col = int((start - lo).total_seconds() // 3600) + 1
        last = int(((end - lo).total_seconds() - 1) // 3600) + 1
        bars.append(Bar(job=job, col=col, span=max(last - col + 1, 1), when=_when(job, tz),
                        continues_before=job.start < lo, continues_after=job.end > hi))
    return tuple(sorted(bars, key=lambda b: (b.col, -b.span, b.job.number)))


def _week_bars(jobs: Sequence[Job], first: dt.date, last: dt.date, tz: ZoneInfo) -> tuple[Bar, ...]:
    """Bars on the day columns first..last (as the kit calendar's `place`, whose per-bar
    time text the board does not use)."""
    bars = []
    for job in jobs:
        if job.start is None or job.end is None:
            continue
        start, end = days_of(Item(id=job.key, title=job.number, start=job.start, end=job.end), tz)
        if end < first or start > last:
            continue
        shown_start, shown_end = max(start, first), min(end, last)
        bars.append(Bar(job=job, col=(shown_start - first).days + 1, span=(shown_end - shown_start).days + 1,
                        when=_when(job, tz), continues_before=start < first, continues_after=end > last))
    return tuple(sorted(bars, key=lambda b: (b.col, -b.span, b.job.number)))


async def board(view: str, date: dt.date, registry: Registry, user: CurrentUser, *, tz: ZoneInfo,
                today: dt.date, team: int | None = None, page: int = 1) -> Board:
    """Everything the dispatch page shows for `view` ("week" or "day") around `date`, for
    page `page` of the technicians (LANES a page)."""
    view = view if view in VIEWS else "week"
    first, last = window(view, date)
    roster = await technicians.roster(team)
    pages = max(1, -(-len(roster) // LANES))
    page = min(max(page, 1), pages)
    shown = roster[(page - 1) * LANES:page * LANES]
    users = [p.user for p in shown]
    found = await scheduled(first, last, tz, registry, user, users, cities=view == "day")
    # Absences over the window and every day a shown job touches (a job may start before it).
    days_touched = [j.start.astimezone(tz).date() for j in found if j.start]
    away = await technicians.absences(users, min([first, *days_touched]), max([last, *days_touched]))
    jobs = await flag(found, tz, profiles={p.user: p for p in shown}, away=away)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    by_user: dict[int | None, list[Job]] = {}
    for j in jobs:
        by_user.setdefault(j.user, []).append(j)
    lanes = []
    for p in shown:
        mine = by_user.get(p.user, [])
        absent = frozenset(d for d in days if technicians.absent_on(away.get(p.user, []), d))
        off = absent | frozenset(d for d in days if not p.works_on(d))
        bars = _day_bars(mine, first, tz) if view == "day" else _week_bars(mine, first, last, tz)
        lanes.append(Lane(user=p.user, name=p.name, bars=bars, off=off, absent=absent))
    waiting, count = await unscheduled(registry, user, team)
    conflicts = [j for j in jobs if j.problems]
    return Board(view=view, date=date, first=first, last=last, tz=tz, columns=_columns(view, first, last, today),
                 lanes=tuple(lanes), unscheduled=tuple(waiting), unscheduled_count=count,
                 conflicts=tuple(conflicts[:CONFLICTS_SHOWN]), technicians=tuple(shown), team=team,
                 conflict_count=len(conflicts), page=page, pages=pages, lane_total=len(roster))


def day_heads(board: Board) -> tuple[Day, ...]:
    return tuple(Day(date=c.date, weekend=c.weekend, today=c.today, outside=False) for c in board.columns)


# -- scheduling ------------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    """What a drop or the side form asks for: the order, the technician, the day and,
    optionally, the time; `from_user` is the technician a card was dragged away from."""

    work_order: int
    user: int
    day: dt.date
    time: str = ""
    version: int | None = None
    from_user: int | None = None


def parse_slot(data: Mapping[str, Any]) -> Slot:
    """The submitted slot, or InvalidValues with a message per field."""
    errors: dict[str, str] = {}

    def integer(name: str, message: str, required: bool = True) -> int | None:
        text = str(data.get(name) or "").strip()
        if not text:
            if required:
                errors[name] = message
            return None
        if not text.isdigit() or len(text) > 9:
            errors[name] = message
            return None
        return int(text)

    work_order = integer("work_order", _("Choose a work order."))
    user = integer("user", _("Choose a technician."))
    version = integer("version", _("Reload the page and try again."), required=False)
    from_user = integer("from_user", _("Choose a technician."), required=False)
    day = None
    try:
        day = dt.date.fromisoformat(str(data.get("day") or "").strip())
    except ValueError:
        errors["day"] = _("Enter a date as YYYY-MM-DD.")
    time = str(data.get("time") or "").strip()
    if time and not technicians.HHMM_RE.match(time):
        errors["time"] = _("Enter a time as HH:MM, e.g. 08:00.")
    if errors:
        raise InvalidValues(errors)
    assert work_order is not None and user is not None and day is not None
    return Slot(work_order=work_order, user=user, day=day, time=time, version=version, from_user=from_user)


async def _duration(row: Mapping[str, Any], from_user: int | None) -> dt.timedelta:
    if from_user is not None:
        a = await Assignment.select(Assignment.planned_start, Assignment.planned_end).where(
            (Assignment.work_order == row["id"]) & (Assignment.user == from_user)).first().run()
        if a and a["planned_start"] and a["planned_end"]:
            return a["planned_end"] - a["planned_start"]
    if row["scheduled_start"] and row["scheduled_end"]:
        return row["scheduled_end"] - row["scheduled_start"]
    if row["job_type"] is not None:
        jt = await JobType.select(JobType.duration_minutes).where(JobType.id == row["job_type"]).first().run()
        if jt and jt["duration_minutes"]:
            return dt.timedelta(minutes=jt["duration_minutes"])
    return dt.timedelta(minutes=DEFAULT_MINUTES)


async def _start(slot: Slot, row: Mapping[str, Any], length: dt.timedelta, tz: ZoneInfo) -> dt.datetime:
    """The slot's time; else the card's own time of day when moved; else the technician's
    first free moment that day (after their last job that ends within their hours)."""
    if slot.time:
        return technicians.at(slot.day, slot.time, tz)
    if slot.from_user is not None and row["scheduled_start"] is not None:
        local = row["scheduled_start"].astimezone(tz)
        return dt.datetime.combine(slot.day, local.time(), tz)
    profile = await technicians.profile(slot.user)
    begin = technicians.at(slot.day, profile.day_start if profile else "08:00", tz)
    close = technicians.at(slot.day, profile.day_end if profile else "17:00", tz)
    taken = await Assignment.select(Assignment.planned_end).where(
        (Assignment.user == slot.user) & (Assignment.work_order != row["id"])
        & Assignment.work_order.state.is_in(list(SHOWN_STATES))
        & (Assignment.planned_start < close) & (Assignment.planned_end > begin)  # type: ignore[operator]
    ).run()
    ends = [t["planned_end"] for t in taken if t["planned_end"] + length <= close]
    return max([begin, *ends])


async def schedule(slot: Slot, registry: Registry, user: CurrentUser, tz: ZoneInfo) -> dict[str, Any]:
    """Plan (or move, or hand over) a work order to `slot.user` on `slot.day`: refused with
    NotEligible when the technician may not do it that day; otherwise through
    `work_order.schedule`, which checks the state and the version."""
    rows = await restrict(WorkOrder.select().where(WorkOrder.id == slot.work_order), registry, WorkOrder,
                          user).run()
    if not rows:
        raise UnknownWorkOrder(slot.work_order)
    row = rows[0]
    if slot.version is not None and slot.version != row["version"]:
        from core.db.records import StaleRecordError

        raise StaleRecordError(WorkOrder, row["id"], slot.version, row["version"])
    await eligibility.ensure(slot.user, row, slot.day)
    length = await _duration(row, slot.from_user)
    start = await _start(slot, row, length, tz)
    async with transaction():
        if slot.from_user is not None and slot.from_user != slot.user:
            # A helper dragged to someone else hands the job over; the lead is replaced by
            # `schedule` itself.
            if not await Assignment.exists().where(
                    (Assignment.work_order == row["id"]) & (Assignment.user == slot.from_user)).run():
                raise FieldServiceError(_("This technician is no longer on %(order)s: reload the board.",
                                          order=row["number"]))
            await work_orders.unassign(row["id"], slot.from_user)
        return await work_orders.schedule(row["id"], slot.user, start, start + length, version=row["version"])
