"""Work orders: the service API the pages, the other field-service areas and jobs call.

    from modules.field_service.services import work_order as work_orders

    wo = await work_orders.create_work_order(partner_id, equipment=eq_id, job_type=jt_id)
    wo = await work_orders.schedule(wo["id"], technician_user_id, start, end)
    await work_orders.add_part(wo["id"], product_id, Decimal(2))        # reserved from the van
    await work_orders.check_in(wo["id"], technician_user_id)            # -> in progress
    await work_orders.record_check(line_id, passed=True)
    await work_orders.use_part(wo["id"], product_id, Decimal(2))
    await work_orders.add_time(wo["id"], technician_user_id, 45)
    await work_orders.sign(wo["id"], "data:image/png;base64,...", "J. de Vries", attachments_root)
    await work_orders.complete(wo["id"])                                # consumes the parts, once

States (TRANSITIONS): new -> scheduled -> in_progress -> on_hold -> done -> closed, and
cancelled. `transition` refuses every other move with a message naming both states.
Going `done` (`complete`) needs a complete checklist and no short part; it consumes the
used parts from the warehouse exactly once (the state change is claimed first with the
record's version, so a second, concurrent completion finds it done and changes nothing),
gives back unused reservations and prices every line (services.coverage).

Parts, the checklist, assignments and time live in `services/parts.py`,
`services/checklist.py` and `services/crew.py`; they are re-exported here.
Every change goes through `core.db.records` (optimistic locking, audit log): pass the
`version` the user saw to refuse acting on a record someone changed meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.db import records, sequence
from core.db.engine import transaction
from core.i18n import _
from core.partners.models import Partner
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.job_type import CheckTemplate, JobType
from modules.field_service.models.request import Request
from modules.field_service.models.work_order import KINDS, CheckLine, PartLine, WorkOrder
from modules.field_service.services import coverage, parts
from modules.field_service.services.checklist import add_check_photo, open_points, record_check
from modules.field_service.services.crew import assign, check_in, check_out, schedule, unassign
from modules.field_service.services.errors import (
    ChecklistIncomplete,
    FieldServiceError,
    InvalidValues,
    ReasonRequired,
)
from modules.field_service.services.lifecycle import (
    TRANSITIONS,
    at_version,
    check,
    check_open,
    get,
    label,
    origin,
)
from modules.field_service.services.parts import add_part, add_time, remove_part, use_part
from modules.field_service.services.signature import sign

__all__ = [
    "SEQUENCE", "TRANSITIONS", "add_check_photo", "add_part", "add_time", "assign", "check_in", "check_out",
    "complete", "create_from_request", "create_work_order", "get", "label", "origin", "record_check",
    "remove_part", "schedule", "sign", "transition", "unassign", "update", "use_part",
]

SEQUENCE = "field_service.work_order"
# A request's kind -> the kind of work order it becomes.
REQUEST_KINDS = {"repair": "repair", "maintenance": "preventive", "installation": "installation",
                 "demonstration": "demonstration", "complaint": "inspection", "warranty": "repair"}
EDITABLE = ("description", "priority", "kind", "job_type", "equipment", "stock_location", "team", "work_done")


async def _exists(table: Any, record_id: Any) -> bool:
    return isinstance(record_id, int) and bool(await table.exists().where(table.id == record_id).run())


async def _validate(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if "kind" in values and values["kind"] not in KINDS:
        errors["kind"] = _("Choose a kind of work.")
    if "priority" in values and values["priority"] not in ("low", "normal", "high", "urgent"):
        errors["priority"] = _("Choose a priority.")
    for name, table, message in (("partner", Partner, _("Choose a customer.")),
                                 ("equipment", Equipment, _("This equipment does not exist.")),
                                 ("job_type", JobType, _("This job type does not exist.")),
                                 ("recall_of", WorkOrder, _("The original work order does not exist."))):
        if values.get(name) is not None and not await _exists(table, values[name]):
            errors[name] = message
    if values.get("kind") == "recall":
        if values.get("recall_of") is None:
            errors["recall_of"] = _("A recall names the work order it repeats.")
        if not str(values.get("root_cause") or "").strip():
            errors["root_cause"] = _("Say what went wrong the first time (root cause).")
    if errors:
        raise InvalidValues(errors)
    return values


async def create_work_order(partner: int | None = None, *, equipment: int | None = None,
                            kind: str = "repair", job_type: int | None = None, priority: str = "normal",
                            description: str = "", request: int | None = None, stock_location: int | None = None,
                            team: int | None = None, recall_of: int | None = None, root_cause: str = "",
                            plan: int | None = None, plan_due: dt.date | None = None,
                            contract: int | None = None) -> dict[str, Any]:
    """A new work order (state new) numbered WO/<year>/00001, with the checklist of its job
    type. The customer defaults to the equipment's, the contract to the equipment's.
    Raises InvalidValues (a message per field)."""
    eq = None
    if equipment is not None:
        eq = await Equipment.select().where(Equipment.id == equipment).first().run()
    partner = partner if partner is not None else (eq["partner"] if eq else None)
    values = await _validate({
        "partner": partner, "equipment": equipment, "kind": kind, "job_type": job_type, "priority": priority,
        "description": (description or "").strip(), "request": request, "stock_location": stock_location,
        "team": team, "recall_of": recall_of, "root_cause": (root_cause or "").strip(), "plan": plan,
        "plan_due": plan_due, "contract": contract if contract is not None else (eq["contract"] if eq else None),
    })
    if partner is None:
        raise InvalidValues({"partner": _("Choose a customer.")})
    async with transaction():
        row = await records.create(WorkOrder, {**values, "number": await sequence.next_number(SEQUENCE)})
        await _copy_checklist(row["id"], job_type)
    return row


async def _copy_checklist(work_order: int, job_type: int | None) -> None:
    if job_type is None:
        return
    for t in await CheckTemplate.select().where(CheckTemplate.job_type == job_type).order_by(
            CheckTemplate.sequence).order_by(CheckTemplate.id).run():
        await records.create(CheckLine, {"work_order": work_order, **{k: t[k] for k in (
            "sequence", "label", "kind", "unit", "minimum", "maximum", "required")}})


async def create_from_request(request_id: int, *, job_type: int | None = None, kind: str | None = None,
                              stock_location: int | None = None) -> dict[str, Any]:
    """Turn a service request into a work order: its customer, equipment, priority and
    description carry over, and the request becomes `converted` pointing at the order."""
    async with transaction():
        req = await Request.select().where(Request.id == request_id).first().run()
        if req is None:
            raise FieldServiceError(_("Service request #%(id)s does not exist.", id=request_id))
        if req["work_order"] is not None or req["state"] in ("converted", "closed"):
            raise FieldServiceError(_("%(request)s is %(state)s already.", request=req["number"],
                                      state=_("converted") if req["state"] == "converted" else _("closed")))
        if req["partner"] is None and req["equipment"] is None:
            raise InvalidValues({"partner": _("Link the request to a customer first.")})
        text = "\n\n".join(x for x in (req["description"], _("Requested by %(name)s", name=req["contact_name"])
                                       if req["contact_name"] else "") if x)
        row = await create_work_order(
            req["partner"], equipment=req["equipment"], kind=kind or REQUEST_KINDS.get(req["kind"], "repair"),
            job_type=job_type, priority=req["priority"], description=text, request=request_id,
            stock_location=stock_location, team=req["team"])
        await records.update(Request, request_id, {"state": "converted", "work_order": row["id"]},
                             version=req["version"])
        if req["assignee"] is not None:
            await assign(row["id"], req["assignee"], lead=True)
            row = await get(row["id"])
    return row


async def update(work_order: int, changes: Mapping[str, Any], *, version: int) -> dict[str, Any]:
    """Edit the header (description, priority, kind, job type, equipment, parts location, team,
    work done) while the order is not done, closed or cancelled."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    async with transaction():
        row = await get(work_order)
        if row["state"] in ("closed", "cancelled") or set(changes) - {"work_done"}:
            check_open(row)
        values = await _validate(dict(changes))
        saved = await records.update(WorkOrder, work_order, values, version=at_version(row, version))
        changed_type = "job_type" in values and values["job_type"] != row["job_type"]
        if changed_type and not await CheckLine.exists().where(CheckLine.work_order == work_order).run():
            await _copy_checklist(work_order, values["job_type"])
        if {"equipment", "job_type"} & set(values):
            await coverage.price_work_order(work_order)
    return saved


async def transition(work_order: int, to: str, *, version: int | None = None, reason: str = "",
                     at: dt.datetime | None = None) -> dict[str, Any]:
    """Move the work order to state `to` (see TRANSITIONS). `reason` is required to put it on
    hold or cancel it. `done` does what `complete` does (checklist, parts, consumption,
    pricing) but refuses an order that is done already; `complete` returns it unchanged."""
    if to == "done":
        return await _complete(work_order, version, None, at, strict=True)
    now = at or dt.datetime.now(dt.UTC)
    async with transaction():
        row = await get(work_order)
        check(row, to)
        values: dict[str, Any] = {"state": to}
        if to == "scheduled" and row["scheduled_start"] is None:
            raise FieldServiceError(_("%(order)s has no planned time yet: schedule it on a technician.",
                                      order=label(row)))
        if to == "new":
            values |= {"scheduled_start": None, "scheduled_end": None}
        if to == "in_progress" and row["started_at"] is None:
            values["started_at"] = now
        if to == "on_hold":
            if not reason.strip():
                raise ReasonRequired(_("Say why %(order)s is on hold.", order=label(row)))
            values["hold_reason"] = reason.strip()
        if to == "cancelled":
            if not reason.strip():
                raise ReasonRequired(_("Say why %(order)s is cancelled.", order=label(row)))
            values |= {"cancel_reason": reason.strip(), "billing_state": "not_billable",
                       "not_billable_reason": _("Cancelled")}
            await parts.release_all(work_order)
        if to == "closed":
            values["closed_at"] = now
        return await records.update(WorkOrder, work_order, values, version=at_version(row, version))


async def complete(work_order: int, *, version: int | None = None, work_done: str | None = None,
                   at: dt.datetime | None = None) -> dict[str, Any]:
    """Mark the work done: refused while a required checklist point is open or a part is
    short. Consumes the used parts (from their line's location, else the order's) and gives
    back unused reservations, exactly once: completing an order that is done already (a
    double submit, two devices) returns it unchanged. Then prices every line."""
    try:
        return await _complete(work_order, version, work_done, at)
    except records.StaleRecordError:
        row = await get(work_order)
        if row["state"] in ("done", "closed"):
            return row  # completed by the other request meanwhile: the effect of one
        raise


async def _complete(work_order: int, version: int | None, work_done: str | None,
                    at: dt.datetime | None, *, strict: bool = False) -> dict[str, Any]:
    async with transaction():
        row = await get(work_order)
        if row["state"] in ("done", "closed") and not strict:
            return row
        check(row, "done")
        missing = await open_points(work_order)
        if missing:
            raise ChecklistIncomplete(label(row), missing)
        await parts.check_not_short(row, label(row))
        values: dict[str, Any] = {"state": "done", "done_at": at or dt.datetime.now(dt.UTC)}
        if work_done is not None:
            values["work_done"] = work_done.strip()
        # Claim the state change first: a concurrent completion waits here, then finds
        # the version moved on and rolls back before touching stock.
        saved = await records.update(WorkOrder, work_order, values, version=at_version(row, version))
        await parts.consume_all(saved)
        await coverage.price_work_order(work_order)
        # The customer gets the service report by mail once this commits (helper L's job).
        from modules.field_service.services import service_report

        await service_report.queue(work_order)
        if not await _chargeable(work_order):
            saved = await records.update(WorkOrder, work_order, {
                "billing_state": "not_billable",
                "not_billable_reason": _("Nothing to charge: covered by warranty or contract, or not billable"),
            }, version=saved["version"])
    return saved


async def _chargeable(work_order: int) -> bool:
    from modules.field_service.models.work_order import TimeEntry

    part = await PartLine.exists().where((PartLine.work_order == work_order) & (PartLine.amount > 0)).run()
    return part or await TimeEntry.exists().where((TimeEntry.work_order == work_order) & (TimeEntry.amount > 0)).run()

