"""SLA clocks on service requests: choosing the policy, deadlines, pauses, warnings and breaches.

Deadlines count in business hours of the policy's calendar (services/calendar.py). In a
waiting state the clock stops (`paused_since`); on resume both deadlines move on by the
business time spent waiting. `check(now)` (every five minutes) warns once when a
target's remaining time falls to (100 - warn_percent)% of it, and marks a breach once
when a deadline passes: each flag is set by a conditional UPDATE (`... WHERE warned_at
IS NULL`) in the same transaction as the mail it causes, so a second or concurrent
run finds nothing left to flag and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.auth.models import Role, User, UserRole
from core.db.engine import transaction
from core.i18n import LANGUAGES
from core.mail import service as mail
from core.partners.models import Partner
from core.web.kit.calendar import firm_timezone
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.request import Request
from modules.field_service.models.sla import SlaPolicy
from modules.field_service.models.technician import Team
from modules.field_service.services import calendar as cal
from modules.field_service.services.calendar import WorkingTime
from modules.field_service.services.equipment import base_url

OPEN_STATES = ("new", "assigned", "waiting_customer", "waiting_parts")
WARNING_MAIL, BREACH_MAIL = "field_service.sla_warning", "field_service.sla_breach"
SLA_STATE_LABELS = {"ok": "On time", "warning": "At risk", "breached": "Breached"}
SLA_TONES = {"ok": "ok", "warning": "warn", "breached": "danger"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- choosing the policy --------------------------------------------------------

async def contract_of(partner: int | None, equipment: int | None, on: dt.date) -> int | None:
    """The active contract that applies: the equipment's, else the customer's newest."""
    running = (Contract.state == "active") & (Contract.start_date <= on) & (Contract.end_date >= on)
    if equipment is not None:
        row = await Equipment.select(Equipment.contract).where(Equipment.id == equipment).first().run()
        if row and row["contract"] is not None and await Contract.exists().where(
                running & (Contract.id == row["contract"])).run():
            return int(row["contract"])
    if partner is None:
        return None
    row = await Contract.select(Contract.id).where(running & (Contract.partner == partner)).order_by(
        Contract.start_date, ascending=False).first().run()
    return int(row["id"]) if row else None


async def choose(priority: str, *, partner: int | None = None, territory: int | None = None,
                 contract: int | None = None) -> dict[str, Any] | None:
    """The most specific active policy for the priority: one whose every set condition
    matches, ranked contract > partner > territory > default (none set)."""
    rows = await SlaPolicy.select().where((SlaPolicy.priority == priority) & (SlaPolicy.active == True)).order_by(  # noqa: E712
        SlaPolicy.id).run()
    given = {"contract": contract, "partner": partner, "territory": territory}
    best, best_rank = None, -1
    for row in rows:
        if any(row[k] is not None and row[k] != given[k] for k in given):
            continue
        rank = 4 * (row["contract"] is not None) + 2 * (row["partner"] is not None) + (row["territory"] is not None)
        if rank > best_rank:
            best, best_rank = row, rank
    return best


async def policy_for(values: Mapping[str, Any], today: dt.date | None = None) -> dict[str, Any] | None:
    """The policy of a request given its priority, partner and equipment."""
    partner = values.get("partner")
    territory = None
    if partner is not None:
        row = await Partner.select(Partner.territory).where(Partner.id == partner).first().run()
        territory = row["territory"] if row else None
    contract = await contract_of(partner, values.get("equipment"), today or _now().date())
    return await choose(values.get("priority") or "normal", partner=partner, territory=territory, contract=contract)


async def working_time(policy: Mapping[str, Any] | None) -> WorkingTime:
    return await cal.load(policy["calendar"] if policy else None)


# -- deadlines ------------------------------------------------------------------

async def deadlines(policy: Mapping[str, Any] | None, start: dt.datetime) -> dict[str, Any]:
    """The SLA columns of a request whose clock starts at `start`."""
    if policy is None:
        return {"sla": None, "response_due": None, "resolution_due": None}
    wt = await working_time(policy)
    return {"sla": policy["id"], "response_due": cal.add_business_hours(wt, start, policy["response_hours"]),
            "resolution_due": cal.add_business_hours(wt, start, policy["resolution_hours"])}


async def policy(policy_id: int | None) -> dict[str, Any] | None:
    if policy_id is None:
        return None
    return await SlaPolicy.select().where(SlaPolicy.id == policy_id).first().run()


async def reapply(req: Mapping[str, Any]) -> dict[str, Any]:
    """Changes that put a request on the policy its current values call for (after an edit
    of priority, customer or equipment). Time already spent waiting stays added: the
    new deadlines move on by the same business time the old ones had moved."""
    new = await policy_for(req, req["created_at"].date())
    if (new["id"] if new else None) == req["sla"]:
        return {}
    old = await policy(req["sla"])
    shift = 0.0
    if old is not None and req["resolution_due"] is not None:
        wt = await working_time(old)
        nominal = cal.add_business_hours(wt, req["created_at"], old["resolution_hours"])
        shift = cal.business_seconds_between(wt, nominal, req["resolution_due"])
    changes = await deadlines(new, req["created_at"])
    if new is not None and shift:
        wt = await working_time(new)
        hours = Decimal(shift) / 3600
        changes["response_due"] = cal.add_business_hours(wt, changes["response_due"], hours)
        changes["resolution_due"] = cal.add_business_hours(wt, changes["resolution_due"], hours)
    if req["breached_at"] is None:
        changes.update(sla_state="ok", warned_at=None)
    return changes


def pause(req: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Changes that stop the clock (entering a waiting state); nothing if it stopped already."""
    return {} if req["paused_since"] is not None else {"paused_since": now}


async def resume(req: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Changes that restart the clock: open deadlines move on by the business time waited."""
    if req["paused_since"] is None:
        return {}
    changes: dict[str, Any] = {"paused_since": None}
    pol = await policy(req["sla"])
    if pol is None:
        return changes
    wt = await working_time(pol)
    waited = Decimal(cal.business_seconds_between(wt, req["paused_since"], now)) / 3600
    if not waited:
        return changes
    for due, done in (("response_due", "responded_at"), ("resolution_due", "resolved_at")):
        if req[due] is not None and req[done] is None:
            changes[due] = cal.add_business_hours(wt, req[due], waited)
    # The deadline moved away: warn again when it comes near again.
    if req["breached_at"] is None and req["warned_at"] is not None and not _warn_due(wt, pol, {**req, **changes}, now):
        changes.update(sla_state="ok", warned_at=None)
    return changes


def _target(req: Mapping[str, Any], pol: Mapping[str, Any]) -> tuple[dt.datetime | None, Decimal]:
    """The running target: the response deadline until responded, then the resolution's."""
    if req["responded_at"] is None and req["response_due"] is not None:
        return req["response_due"], Decimal(pol["response_hours"])
    return req["resolution_due"], Decimal(pol["resolution_hours"])


def _warn_due(wt: WorkingTime, pol: Mapping[str, Any], req: Mapping[str, Any], now: dt.datetime) -> bool:
    due, hours = _target(req, pol)
    if due is None:
        return False
    left = Decimal(cal.business_seconds_between(wt, now, due)) / 3600
    return left <= hours * (100 - Decimal(pol["warn_percent"])) / 100


def _breached(req: Mapping[str, Any], now: dt.datetime) -> bool:
    if req["responded_at"] is None and req["response_due"] is not None and req["response_due"] <= now:
        return True
    return req["resolution_due"] is not None and req["resolution_due"] <= now


def state_at(wt: WorkingTime, pol: Mapping[str, Any], req: Mapping[str, Any], now: dt.datetime) -> str:
    """ok / warning / breached as the request stands at `now` (for pages; the job stores it)."""
    if req["breached_at"] is not None or _breached(req, now):
        return "breached"
    return "warning" if _warn_due(wt, pol, req, now) else "ok"


# -- the job --------------------------------------------------------------------

async def check(now: dt.datetime | None = None) -> dict[str, int]:
    """Warn about requests near a deadline and mark breached ones, each once; returns counts."""
    now = now or _now()
    rows = await Request.select().where(
        Request.state.is_in(list(OPEN_STATES)) & Request.paused_since.is_null() & Request.sla.is_not_null()
        & Request.breached_at.is_null()).order_by(Request.id).run()
    policies: dict[int, dict[str, Any]] = {}
    times: dict[int, WorkingTime] = {}
    tz = await firm_timezone()
    todo: list[tuple[Mapping[str, Any], str]] = []
    for req in rows:
        if req["sla"] not in policies:
            pol = await policy(req["sla"])
            if pol is None:
                continue
            policies[req["sla"]] = pol
            times[req["sla"]] = await cal.load(pol["calendar"], tz)
        pol, wt = policies[req["sla"]], times[req["sla"]]
        if _breached(req, now):
            todo.append((req, "breached"))
        elif req["warned_at"] is None and _warn_due(wt, pol, req, now):
            todo.append((req, "warning"))
    counts = {"warned": 0, "breached": 0, "mails": 0}
    run = Run(base=await base_url()) if todo else None
    # FLAG_BATCH flags and their mails a transaction: one commit each, not one per request,
    # yet short enough not to hold other writers back on SQLite; the batch's mails are
    # stored and queued together (mail.send_many).
    for i in range(0, len(todo), FLAG_BATCH):
        async with transaction():
            outgoing: list[mail.Outgoing] = []
            for due, what in todo[i:i + FLAG_BATCH]:
                if await _flag(due, what, now):
                    counts["breached" if what == "breached" else "warned"] += 1
                    outgoing += await messages(due, what, run)
            await mail.send_many(outgoing)
            counts["mails"] += len(outgoing)
    return counts


FLAG_BATCH = 50


@dataclass
class Run:
    """What one run of the check looks up once: the address links start with, and the
    recipients per (assignee, team)."""

    base: str
    people: dict[tuple[Any, Any], list[dict[str, Any]]] = field(default_factory=dict)


async def _flag(req: Mapping[str, Any], what: str, now: dt.datetime) -> bool:
    """Set the flag if nobody did yet (the caller's transaction then mails about it)."""
    column = Request.breached_at if what == "breached" else Request.warned_at
    won = await Request.update({column: now, Request.sla_state: what}).where(
        (Request.id == req["id"]) & column.is_null() & Request.paused_since.is_null()
        & Request.state.is_in(list(OPEN_STATES))).returning(Request.id).run()
    return bool(won)


async def recipients(req: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The assignee and the team's manager; the managers when the request has neither."""
    ids = [req["assignee"]] if req["assignee"] is not None else []
    if req["team"] is not None:
        team = await Team.select(Team.manager).where(Team.id == req["team"]).first().run()
        if team and team["manager"] is not None:
            ids.append(team["manager"])
    query = User.select(User.id, User.name, User.login, User.email, User.language).where(
        (User.active == True) & (User.email != ""))  # noqa: E712
    if ids:
        return await query.where(User.id.is_in(list(dict.fromkeys(ids)))).order_by(User.id).run()
    managers = UserRole.select(UserRole.user).where(UserRole.role.is_in(
        Role.select(Role.id).where(Role.name == "manager")))
    return await query.where(User.id.is_in(managers)).order_by(User.id).run()


async def messages(req: Mapping[str, Any], what: str, run: Run | None = None) -> list[mail.Outgoing]:
    """The mails to the recipients (`run` keeps what does not change over one run of the job)."""
    run = run or Run(base=await base_url())
    key = (req["assignee"], req["team"])
    if key not in run.people:
        run.people[key] = await recipients(req)
    people = run.people[key]
    response = req["responded_at"] is None and req["response_due"] is not None
    context = {"number": req["number"], "description": req["description"][:300],
               "due": req["response_due"] if response else req["resolution_due"],
               "target": "response" if response else "resolution", "contact": req["contact_name"],
               "url": f"{run.base}/field-service/requests/{req['id']}"}  # a mail needs the host too
    template = BREACH_MAIL if what == "breached" else WARNING_MAIL
    # The user's own language when set (spares looking it up); else its fallbacks.
    return [mail.Outgoing(person["email"], template, {**context, "recipient_name": person["name"] or person["login"]},
                          user_id=person["id"],
                          language=person.get("language") if person.get("language") in LANGUAGES else None,
                          related=(Request._meta.tablename, req["id"]))
            for person in people]
