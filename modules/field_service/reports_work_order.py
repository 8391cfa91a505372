"""A work order's printed documents, bound to `field_service_work_order` (so the work order
page gets Print buttons and technicians print only their own orders):

- the service report for the customer: work done, checklist results with measurements and
  flags, parts, time, technicians and the customer's signature (mailed on completion);
- the repair form for the workshop: the fault, the unit, parts and checks to do;
- the maintenance record of a preventive visit: the checklist and the next due date.

The signature is a stored attachment; it is embedded as a data: URI, since WeasyPrint may
fetch nothing but the app's own static files.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.attachments import service as attachments
from core.attachments.models import Attachment
from core.auth.models import User
from core.i18n import _
from core.modules.manifest import Report
from core.partners.models import Partner
from core.reports.render import partner_language
from core.web.kit.calendar import firm_timezone
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.job_type import JobType
from modules.field_service.models.plan import MaintenancePlan
from modules.field_service.models.work_order import (
    Assignment,
    CheckLine,
    PartLine,
    TimeEntry,
    WorkOrder,
)

READ = "field_service.work_order.read"
MODEL = WorkOrder._meta.tablename
KIND_LABELS = {"repair": "Repair work", "preventive": "Preventive maintenance", "installation": "Installation",
               "inspection": "Inspection", "demonstration": "Demonstration", "recall": "Recall"}
COVERAGE_LABELS = {"covered": "Covered", "partly": "Partly covered", "chargeable": "Chargeable"}


def var_dir() -> Path | None:
    """Where attachments are stored: the configured process's var/ (servers and workers
    configure the job system with their settings at start)."""
    from core.jobs import broker

    try:
        return broker.current().settings.var_dir
    except Exception:  # noqa: BLE001 - no settings: the report shows the signer's name only
        return None


async def signature_uri(attachment_id: int | None) -> str:
    """The signature PNG as a data: URI, or "" when there is none or its bytes are gone."""
    if not attachment_id:
        return ""
    row = await Attachment.select().where(Attachment.id == attachment_id).first().run()
    root = var_dir()
    if row is None or root is None or not str(row["content_type"]).startswith("image/"):
        return ""
    try:
        data = attachments.stored_file(attachments.storage_root(root), row).read_bytes()
    except (attachments.AttachmentMissing, OSError, ValueError):
        return ""
    return f"data:{row['content_type']};base64,{base64.b64encode(data).decode()}"


def _local(value: dt.datetime | None, zone: Any) -> dt.datetime | None:
    return value.astimezone(zone) if value else None


def _names(rows: list[dict[str, Any]]) -> dict[int, str]:
    return {u["id"]: u["name"] or u["login"] for u in rows}


async def _checks(work_order: int) -> list[dict[str, Any]]:
    rows = await CheckLine.select().where(CheckLine.work_order == work_order).order_by(
        CheckLine.sequence).order_by(CheckLine.id).run()
    for r in rows:
        if r["kind"] == "passfail":
            r["result"] = "pass" if r["passed"] else "fail" if r["passed"] is False else "open"
        elif r["kind"] == "measure":
            r["result"] = "open" if r["value"] is None else "out" if r["out_of_tolerance"] else "pass"
        else:
            done = bool(r["text"] or r["attachment"] or r["done_at"])
            r["result"] = "done" if done else "open"
    return rows


async def document(record_id: int | None) -> dict[str, Any]:
    if record_id is None:
        raise LookupError("a work order report needs a work order")
    order = await WorkOrder.select().where(WorkOrder.id == record_id).first().run()
    if order is None:
        raise LookupError(f"work order #{record_id} does not exist")
    zone = await firm_timezone()
    partner = await Partner.select().where(Partner.id == order["partner"]).first().run() or {}
    equipment = None
    if order["equipment"]:
        equipment = await Equipment.select(
            *Equipment._meta.columns, Equipment.product.code.as_alias("product_code"),
            Equipment.product.name.as_alias("product_name")).where(Equipment.id == order["equipment"]).first().run()
    job_type = await JobType.select(JobType.name).where(JobType.id == order["job_type"]).first().run() \
        if order["job_type"] else None
    parts = await PartLine.select(*PartLine._meta.columns, PartLine.product.code.as_alias("code"),
                                  PartLine.product.name.as_alias("name"), PartLine.product.unit.as_alias("unit_name")
                                  ).where(PartLine.work_order == record_id).order_by(PartLine.id).run()
    for p in parts:
        p["needed"] = max(Decimal(p["planned"]), Decimal(p["used"]))
    times = await TimeEntry.select().where(TimeEntry.work_order == record_id).order_by(
        TimeEntry.started_at).order_by(TimeEntry.id).run()
    crew = await Assignment.select().where(Assignment.work_order == record_id).order_by(
        Assignment.lead, ascending=False).order_by(Assignment.id).run()
    user_ids = {r["user"] for r in [*times, *crew]}
    names = _names(await User.select(User.id, User.name, User.login).where(User.id.is_in(list(user_ids) or [0])).run())
    for t in times:
        t["who"] = names.get(t["user"], "")
        t["started_local"] = _local(t["started_at"], zone)
    for a in crew:
        a["who"] = names.get(a["user"], "")
        a["start_local"] = _local(a["actual_start"] or a["planned_start"], zone)
        a["end_local"] = _local(a["actual_end"] or a["planned_end"], zone)
    checks = await _checks(record_id)
    plan = await MaintenancePlan.select(MaintenancePlan.name, MaintenancePlan.next_due).where(
        MaintenancePlan.id == order["plan"]).first().run() if order["plan"] else None
    if plan is None and order["equipment"]:
        plan = await MaintenancePlan.select(MaintenancePlan.name, MaintenancePlan.next_due).where(
            (MaintenancePlan.equipment == order["equipment"]) & (MaintenancePlan.active == True)  # noqa: E712
        ).order_by(MaintenancePlan.next_due).first().run()
    work_minutes = sum(t["minutes"] for t in times if t["kind"] == "work")
    travel_minutes = sum(t["minutes"] for t in times if t["kind"] == "travel")
    charged = sum((Decimal(p["amount"]) for p in parts if Decimal(p["used"]) > 0), Decimal(0)) + \
        sum((Decimal(t["amount"]) for t in times if t["billable"]), Decimal(0))
    return {
        "order": order, "partner": partner, "equipment": equipment, "job_type": job_type,
        "kind_label": _(KIND_LABELS.get(order["kind"]) or str(order["kind"])), "coverage_labels": COVERAGE_LABELS,
        "parts": [p for p in parts if Decimal(p["used"]) > 0 or Decimal(p["planned"]) > 0], "times": times,
        "crew": crew, "checks": checks, "flags": [c for c in checks if c["result"] in ("fail", "out")],
        "plan": plan, "work_minutes": work_minutes, "travel_minutes": travel_minutes, "charged": charged,
        "done_local": _local(order["done_at"], zone), "signed_local": _local(order["signed_at"], zone),
        "scheduled_local": _local(order["scheduled_start"], zone), "zone": str(zone),
        "signature": await signature_uri(order["signature_attachment"]),
        "slug": str(order["number"]).replace("/", "-"),
    }


SERVICE_REPORT = Report(
    name="field_service_service_report", title="Service report", template="field_service/reports/service_report.html",
    context=document, permission=READ, model=MODEL, filename="service-report-{slug}.pdf",
    language=partner_language(WorkOrder))
REPAIR_FORM = Report(
    name="field_service_repair_form", title="Repair form", template="field_service/reports/repair_form.html",
    context=document, permission=READ, model=MODEL, filename="repair-form-{slug}.pdf",
    language=partner_language(WorkOrder))
MAINTENANCE_RECORD = Report(
    name="field_service_maintenance_record", title="Maintenance record",
    template="field_service/reports/maintenance_record.html", context=document, permission=READ, model=MODEL,
    filename="maintenance-record-{slug}.pdf", language=partner_language(WorkOrder))
REPORTS = (SERVICE_REPORT, REPAIR_FORM, MAINTENANCE_RECORD)
