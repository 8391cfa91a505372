"""Service requests: intake (staff or the public form), assignment, waiting, and what a
request becomes (a work order, a warehouse return) or why it was closed.

States: new -> assigned -> waiting_customer / waiting_parts -> (resume) -> assigned,
and from any open state -> converted or closed. The SLA clock (services/sla.py) starts
at intake, stops while waiting and ends when the request is converted or closed. The
request counts as responded to at the first staff action on it (an assignment by a
person, waiting, converting, closing); routing at intake is not a response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.attachments import service as attachments
from core.db import records, sequence
from core.db.engine import transaction
from core.db.search import contains
from core.i18n import _
from core.partners.models import Partner
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.request import CHANNELS, KINDS, PAUSED_STATES, Request
from modules.field_service.models.sla import PRIORITIES
from modules.field_service.services import routing, sla
from modules.field_service.services.errors import FieldServiceError, InvalidValues, ReasonRequired

SEQUENCE = "field_service.request"
KIND_LABELS = {"repair": "Repair", "maintenance": "Maintenance", "installation": "Installation",
               "demonstration": "Demonstration", "complaint": "Complaint", "warranty": "Warranty claim"}
PRIORITY_LABELS = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
CHANNEL_LABELS = {"phone": "Phone", "email": "E-mail", "web": "Web form", "visit": "Visit", "portal": "Portal"}
STATE_LABELS = {"new": "New", "assigned": "Assigned", "waiting_customer": "Waiting for customer",
                "waiting_parts": "Waiting for parts", "converted": "Converted", "closed": "Closed"}
STATE_TONES = {"new": "neutral", "assigned": "neutral", "waiting_customer": "warn", "waiting_parts": "warn",
               "converted": "ok", "closed": "neutral"}
OPEN_STATES = sla.OPEN_STATES
FIELDS = ("partner", "contact_name", "email", "phone", "equipment", "serial", "kind", "priority", "channel",
          "description")
MAX_FILES = 5


class RequestStateError(FieldServiceError):
    """The request's state does not allow the action."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def label(row: Mapping[str, Any]) -> str:
    return str(row["number"])


async def get(request_id: int) -> dict[str, Any]:
    row = await Request.select().where(Request.id == request_id).first().run()
    if row is None:
        raise FieldServiceError(_("Service request #%(id)s does not exist.", id=request_id))
    return row


def _open(row: Mapping[str, Any]) -> None:
    if row["state"] not in OPEN_STATES:
        raise RequestStateError(_("%(request)s is %(state)s and can no longer change.", request=row["number"],
                                  state=_(STATE_LABELS[row["state"]]).lower()))


def _at(row: Mapping[str, Any], version: int | None) -> int:
    return row["version"] if version is None else version


# -- intake ---------------------------------------------------------------------

async def match_equipment(serial: str, partner: int | None = None) -> dict[str, Any] | None:
    """The active machine with this serial (the customer's, when one is given); None
    when unknown or ambiguous."""
    serial = serial.strip()
    if not serial:
        return None
    rows = await Equipment.select(Equipment.id, Equipment.partner).where(
        (Equipment.serial == serial) & (Equipment.active == True)).limit(10).run()  # noqa: E712
    if partner is not None:
        rows = [r for r in rows if r["partner"] == partner] or rows
    return rows[0] if len(rows) == 1 else None


async def partner_by_email(email: str) -> int | None:
    email = email.strip().lower()
    if not email:
        return None
    rows = await Partner.select(Partner.id, Partner.email).where(contains(Partner.email, email)).limit(20).run()
    same = [r for r in rows if r["email"].strip().lower() == email]
    return int(same[0]["id"]) if len(same) == 1 else None


def check(values: Mapping[str, Any]) -> dict[str, str]:
    """Rules the form cannot say per field: what is needed to reach the customer."""
    errors: dict[str, str] = {}
    if values.get("kind") not in KINDS:
        errors["kind"] = _("Choose one of the options.")
    if values.get("priority") not in PRIORITIES:
        errors["priority"] = _("Choose one of the options.")
    if values.get("channel") not in CHANNELS:
        errors["channel"] = _("Choose one of the options.")
    if not str(values.get("description") or "").strip():
        errors["description"] = _("Describe what the customer needs.")
    if values.get("partner") is None and not (values.get("email") or values.get("phone")):
        errors["email"] = _("Give an e-mail address or a phone number, or choose the customer.")
    return errors


async def create(values: Mapping[str, Any], *, files: Sequence[tuple[str, bytes]] = (),
                 attachments_root: Path | None = None, max_bytes: int = 10 * attachments.MB,
                 route: bool = True, now: dt.datetime | None = None) -> dict[str, Any]:
    """A new request numbered SR/<year>/00001, matched to known equipment by serial, routed
    (unless a team or assignee is given) and on its SLA clock; `files` (name, bytes) are
    attached. Raises InvalidValues; nothing is saved then."""
    now = now or _now()
    data: dict[str, Any] = {k: values.get(k) for k in FIELDS}
    for key in ("contact_name", "email", "phone", "serial", "description"):
        data[key] = str(data[key] or "").strip()
    data["kind"] = data["kind"] or "repair"
    data["priority"] = data["priority"] or "normal"
    data["channel"] = data["channel"] or "phone"
    errors = check(data)
    if len(files) > MAX_FILES:
        errors["files"] = _("Attach at most %(n)s files.", n=MAX_FILES)
    for name, content in files:
        try:
            attachments.check(attachments.clean_filename(name), content, max_bytes)
        except attachments.AttachmentRefused as exc:
            errors["files"] = f"{name}: {exc}"
    if errors:
        raise InvalidValues(errors)
    if data["equipment"] is None and (found := await match_equipment(data["serial"], data["partner"])):
        data["equipment"] = found["id"]
    if data["equipment"] is not None:
        machine = await Equipment.select(Equipment.partner, Equipment.serial).where(
            Equipment.id == data["equipment"]).first().run()
        if machine is None:
            raise InvalidValues({"equipment": _("Choose one of the options.")})
        data["partner"] = data["partner"] if data["partner"] is not None else machine["partner"]
        data["serial"] = data["serial"] or machine["serial"]
    if data["partner"] is None:
        data["partner"] = await partner_by_email(data["email"])
    team, assignee = values.get("team"), values.get("assignee")
    async with transaction():
        if route and team is None and assignee is None:
            found_route = await routing.route(data)
            team, assignee = found_route.team, found_route.user
        clock = await sla.deadlines(await sla.policy_for(data, now.date()), now)
        row = await records.create(Request, {
            **data, **clock, "number": await sequence.next_number(SEQUENCE), "team": team, "assignee": assignee,
            "state": "assigned" if assignee is not None else "new", "sla_state": "ok",
        })
        for name, content in files:
            await attachments.add(attachments_root or Path("var"), Request._meta.tablename, row["id"], name,
                                  content, max_bytes=max_bytes)
    return row


async def update(request_id: int, values: Mapping[str, Any], *, version: int) -> dict[str, Any]:
    """Edit an open request's details; a change of priority, customer or equipment puts it
    on the policy those now call for."""
    data = {k: values[k] for k in FIELDS if k in values}
    for key in ("contact_name", "email", "phone", "serial", "description"):
        if key in data:
            data[key] = str(data[key] or "").strip()
    async with transaction():
        row = await get(request_id)
        _open(row)
        merged = {**row, **data}
        errors = check(merged)
        if errors:
            raise InvalidValues(errors)
        if merged["equipment"] is None and (found := await match_equipment(merged["serial"], merged["partner"])):
            data["equipment"] = merged["equipment"] = found["id"]
        changes = {k: v for k, v in data.items() if row[k] != v}
        if {"priority", "partner", "equipment"} & changes.keys():
            changes.update(await sla.reapply(merged))
        return await records.update(Request, request_id, changes, version=version) if changes else row


# -- the request's life ---------------------------------------------------------

def _responded(row: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    return {"responded_at": now} if row["responded_at"] is None else {}


async def assign(request_id: int, *, user: int | None, team: int | None = None, version: int | None = None,
                 now: dt.datetime | None = None) -> dict[str, Any]:
    """Give the request to a technician (and/or team); a new request becomes assigned."""
    now = now or _now()
    async with transaction():
        row = await get(request_id)
        _open(row)
        if user is None and team is None:
            raise InvalidValues({"assignee": _("Choose a technician or a team.")})
        changes: dict[str, Any] = {"assignee": user, "team": team if team is not None else row["team"],
                                   **_responded(row, now)}
        if row["state"] in ("new", "assigned"):
            changes["state"] = "assigned" if user is not None else "new"
        return await records.update(Request, request_id, changes, version=_at(row, version))


async def wait(request_id: int, state: str, *, version: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Wait for the customer or for parts: the SLA clock stops until `resume`."""
    now = now or _now()
    if state not in PAUSED_STATES:
        raise RequestStateError(_("A request can wait for the customer or for parts only."))
    async with transaction():
        row = await get(request_id)
        _open(row)
        if row["state"] == state:
            return row
        changes = {"state": state, **sla.pause(row, now), **_responded(row, now)}
        return await records.update(Request, request_id, changes, version=_at(row, version))


async def resume(request_id: int, *, version: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """End the wait: the deadlines move on by the business time spent waiting."""
    now = now or _now()
    async with transaction():
        row = await get(request_id)
        if row["state"] not in PAUSED_STATES:
            raise RequestStateError(_("%(request)s is not waiting.", request=row["number"]))
        changes = {"state": "assigned" if row["assignee"] is not None else "new", **await sla.resume(row, now)}
        return await records.update(Request, request_id, changes, version=_at(row, version))


async def _finish(row: Mapping[str, Any], now: dt.datetime, **changes: Any) -> dict[str, Any]:
    """The SLA clock ends: resolved now; a paused clock stays where it stopped."""
    return {**changes, "resolved_at": now, "paused_since": None, **_responded(row, now)}


async def to_work_order(request_id: int, *, version: int | None = None, job_type: int | None = None,
                        now: dt.datetime | None = None) -> dict[str, Any]:
    """Turn the request into a work order (customer, equipment, priority, description and
    assignee carry over); returns the work order."""
    from modules.field_service.services import work_order as work_orders

    now = now or _now()
    async with transaction():
        row = await get(request_id)
        _open(row)
        if version is not None and version != row["version"]:
            raise records.StaleRecordError(Request, request_id, version, row["version"])
        order = await work_orders.create_from_request(request_id, job_type=job_type)
        after = await get(request_id)
        await records.update(Request, request_id, await _finish(row, now), version=after["version"])
    return order


async def to_return(request_id: int, *, version: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Turn the request into a customer return (warehouse RMA) of its machine; returns the RMA."""
    from modules.warehouse.services import rma

    now = now or _now()
    async with transaction():
        row = await get(request_id)
        _open(row)
        if row["partner"] is None:
            raise InvalidValues({"partner": _("Link the request to a customer first.")})
        ret = await rma.create(row["partner"], origin=f"field_service.request:{request_id}",
                               note=f"{row['number']}: {row['description']}")
        if row["equipment"] is not None:
            machine = await Equipment.select(Equipment.product, Equipment.serial).where(
                Equipment.id == row["equipment"]).first().run()
            if machine:
                await rma.add_line(ret["id"], machine["product"], Decimal(1), serial=machine["serial"],
                                   reason=(f"{row['number']} {row['description']}")[:200])
        await records.update(Request, request_id, await _finish(row, now, state="converted", rma=ret["id"]),
                             version=_at(row, version))
    return ret


async def close(request_id: int, reason: str, *, version: int | None = None,
                now: dt.datetime | None = None) -> dict[str, Any]:
    """Close the request without work (answered by phone, duplicate, no longer needed)."""
    now = now or _now()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("Say why the request is closed."))
    async with transaction():
        row = await get(request_id)
        _open(row)
        return await records.update(Request, request_id, await _finish(row, now, state="closed", close_reason=reason),
                                    version=_at(row, version))


def actions(row: Mapping[str, Any]) -> tuple[str, ...]:
    """What can be done with the request now (for the page's buttons)."""
    if row["state"] not in OPEN_STATES:
        return ()
    waiting = row["state"] in PAUSED_STATES
    out = ["assign"]
    out += ["resume"] if waiting else []
    out += [s for s in PAUSED_STATES if s != row["state"]]
    return (*out, "work_order", "return", "close")


async def open_by_sla_state() -> dict[str, int]:
    """How many open requests are on time, at risk and breached (as the job last flagged them)."""
    from piccolo.query.functions.aggregate import Count

    rows = await Request.select(Request.sla_state, Count(Request.id, alias="n")).where(
        Request.state.is_in(list(OPEN_STATES))).group_by(Request.sla_state).run()
    counts = dict.fromkeys(("ok", "warning", "breached"), 0)
    for row in rows:
        counts[row["sla_state"]] = counts.get(row["sla_state"], 0) + row["n"]
    return counts
