"""Job types and their checklist templates: the firm's quality standard per kind of job.

A work order of a job type gets a copy of the template's points (services/work_order.py),
so changing a standard changes future work orders only. Every change to a point is also
noted in the job type's own history ("Checklist"), so the standard's page shows who
changed it and how."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.db import records
from core.db.audit import AuditEntry
from core.db.context import current_user_id
from core.db.engine import transaction
from core.db.records import RecordNotFound, StaleRecordError
from core.i18n import _
from core.products.models import Product
from modules.field_service.models.job_type import CHECK_KINDS, KINDS, CheckTemplate, JobType
from modules.field_service.services.errors import FieldServiceError, InvalidValues

FIELDS = ("name", "kind", "duration_minutes", "skills", "labour_product", "hourly_rate", "active")
CHECK_FIELDS = ("label", "kind", "unit", "minimum", "maximum", "required")
KIND_LABELS = {"repair": "Repair", "preventive": "Preventive maintenance", "installation": "Installation",
               "inspection": "Inspection", "demonstration": "Demonstration", "recall": "Recall"}
CHECK_KIND_LABELS = {"passfail": "Pass / fail", "measure": "Measurement", "text": "Text", "photo": "Photo"}
MAX_MINUTES = 7 * 24 * 60  # a week: anything longer is a project, not a job
STEP = 10  # sequence numbers leave room between points


class UnknownJobType(FieldServiceError):
    def __init__(self, job_type_id: int) -> None:
        super().__init__(_("Job type #%(id)s does not exist.", id=job_type_id))


class UnknownCheck(FieldServiceError):
    def __init__(self) -> None:
        super().__init__(_("This checklist point does not exist any more."))


def skill_text(text: str | None) -> str:
    """" Espresso,grinder , espresso" -> "espresso, grinder": lower case, each once, in order."""
    seen: dict[str, None] = {}
    for s in (text or "").split(","):
        if s.strip():
            seen.setdefault(" ".join(s.split()).lower())
    return ", ".join(seen)


async def get(job_type_id: int) -> dict[str, Any]:
    row = await JobType.select().where(JobType.id == job_type_id).first().run()
    if row is None:
        raise UnknownJobType(job_type_id)
    return row


def _check(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = _("This field is required.")
    if values.get("kind") not in KINDS:
        errors["kind"] = _("Choose one of the options.")
    minutes = values.get("duration_minutes")
    if not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES:
        errors["duration_minutes"] = _("A duration above 0, at most %(n)s minutes.", n=MAX_MINUTES)
    if Decimal(values.get("hourly_rate") or 0) < 0:
        errors["hourly_rate"] = _("At least %(n)s.", n=0)
    return errors


async def _check_unique(values: Mapping[str, Any], job_type_id: int | None) -> dict[str, str]:
    query = JobType.exists().where(JobType.name == values["name"])
    if job_type_id is not None:
        query = query.where(JobType.id != job_type_id)
    return {"name": _("Another job type already has this name.")} if await query.run() else {}


async def _check_product(values: Mapping[str, Any]) -> dict[str, str]:
    product = values.get("labour_product")
    if product is None:
        return {}
    row = await Product.select(Product.kind).where(Product.id == product).first().run()
    if row is None:
        return {"labour_product": _("Choose one of the options.")}
    if row["kind"] != "service":
        return {"labour_product": _("The labour article must be a service product.")}
    return {}


async def _valid(values: Mapping[str, Any], job_type_id: int | None) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k in FIELDS}
    data["name"] = " ".join(str(data.get("name") or "").split())
    if "skills" in data:
        data["skills"] = skill_text(data["skills"])
    errors = _check(data)
    if not errors:
        errors = {**await _check_unique(data, job_type_id), **await _check_product(data)}
    if errors:
        raise InvalidValues(errors)
    return data


async def create(values: Mapping[str, Any]) -> dict[str, Any]:
    """A job type (no checklist yet). Raises InvalidValues."""
    async with transaction():
        return await records.create(JobType, await _valid(values, None))


async def update(job_type_id: int, values: Mapping[str, Any], *, version: int) -> dict[str, Any]:
    """Raises InvalidValues, or StaleRecordError when someone saved since `version`."""
    async with transaction():
        old = await get(job_type_id)
        data = await _valid({**{k: old[k] for k in FIELDS}, **values}, job_type_id)
        return await records.update(JobType, job_type_id, data, version=version)


# The checklist template: the points a work order of this job type must check.

async def checks(job_type_id: int) -> list[dict[str, Any]]:
    return await CheckTemplate.select().where(CheckTemplate.job_type == job_type_id).order_by(
        CheckTemplate.sequence).order_by(CheckTemplate.id).run()


def check_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with a point: a measurement needs a unit and a tolerance with min <= max."""
    errors: dict[str, str] = {}
    if not str(values.get("label") or "").strip():
        errors["label"] = _("This field is required.")
    kind = values.get("kind")
    if kind not in CHECK_KINDS:
        errors["kind"] = _("Choose one of the options.")
    if kind != "measure":
        return errors
    low, high = values.get("minimum"), values.get("maximum")
    if not str(values.get("unit") or "").strip():
        errors["unit"] = _("A measurement needs a unit, e.g. bar or °C.")
    if low is None and high is None:
        errors["minimum"] = _("A measurement needs a tolerance: give a minimum, a maximum or both.")
    elif low is not None and high is not None and low > high:
        errors["maximum"] = _("The maximum cannot be below the minimum.")
    return errors


def _cleaned(values: Mapping[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k in CHECK_FIELDS}
    data["label"] = " ".join(str(data.get("label") or "").split())
    data["unit"] = str(data.get("unit") or "").strip()
    data["required"] = bool(data.get("required"))
    if data.get("kind") != "measure":  # only a measurement has a unit and a tolerance
        data.update(unit="", minimum=None, maximum=None)
    if errors := check_errors(data):
        raise InvalidValues(errors)
    return data


def describe(check: Mapping[str, Any]) -> str:
    """One point as text for the job type's history: "Brew pressure (measure, 8.5..9.5 bar)"."""
    kind = str(check["kind"])
    if kind == "measure":
        low = "" if check["minimum"] is None else f"{Decimal(check['minimum']).normalize():f}"
        high = "" if check["maximum"] is None else f"{Decimal(check['maximum']).normalize():f}"
        kind = f"{kind}, {low}..{high} {check['unit']}".rstrip()
    optional = "" if check["required"] else ", optional"
    return f"{check['label']} ({kind}{optional})"


async def _note(job_type_id: int, old: str | None, new: str | None) -> None:
    """A change to the standard, in the job type's history (same transaction as the change)."""
    await AuditEntry.insert(AuditEntry(user_id=current_user_id.get(), table_name=JobType._meta.tablename,
                                       record_id=job_type_id, action="write", field="checklist",
                                       old=old, new=new)).run()


async def _check_of(job_type_id: int, check_id: int) -> dict[str, Any]:
    row = await CheckTemplate.select().where(
        (CheckTemplate.id == check_id) & (CheckTemplate.job_type == job_type_id)).first().run()
    if row is None:
        raise UnknownCheck()
    return row


async def add_check(job_type_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """A point at the end of the checklist. Raises InvalidValues."""
    data = _cleaned(values)
    async with transaction():
        await get(job_type_id)
        last = await CheckTemplate.select(CheckTemplate.sequence).where(
            CheckTemplate.job_type == job_type_id).order_by(CheckTemplate.sequence, ascending=False).first().run()
        row = await records.create(CheckTemplate, {**data, "job_type": job_type_id,
                                                   "sequence": (last["sequence"] if last else 0) + STEP})
        await _note(job_type_id, None, describe(row))
    return row


async def update_check(job_type_id: int, check_id: int, values: Mapping[str, Any], *,
                       version: int) -> dict[str, Any]:
    """Raises InvalidValues, UnknownCheck, or StaleRecordError when changed since `version`."""
    data = _cleaned(values)
    async with transaction():
        old = await _check_of(job_type_id, check_id)
        row = await records.update(CheckTemplate, check_id, data, version=version)
        if describe(old) != describe(row):
            await _note(job_type_id, describe(old), describe(row))
    return row


async def remove_check(job_type_id: int, check_id: int, *, version: int) -> None:
    """Raises UnknownCheck, or StaleRecordError when changed since `version`. Work orders
    made earlier keep their copy of the point."""
    async with transaction():
        old = await _check_of(job_type_id, check_id)
        try:
            await records.delete(CheckTemplate, check_id, version=version)
        except RecordNotFound:
            raise UnknownCheck() from None
        await _note(job_type_id, describe(old), None)


async def move_check(job_type_id: int, check_id: int, direction: str, *, version: int) -> list[dict[str, Any]]:
    """Move a point one place up or down; the points are renumbered 10, 20, 30, ...
    Raises UnknownCheck, or StaleRecordError when the point changed since `version`."""
    if direction not in ("up", "down"):
        raise FieldServiceError(_("Move a point up or down."))
    async with transaction():
        moved = await _check_of(job_type_id, check_id)
        if moved["version"] != version:
            raise StaleRecordError(CheckTemplate, check_id, version, moved["version"])
        points = await checks(job_type_id)
        at = next(i for i, p in enumerate(points) if p["id"] == check_id)
        to = at - 1 if direction == "up" else at + 1
        if not 0 <= to < len(points):
            return points  # already first (or last): nothing to do
        points[at], points[to] = points[to], points[at]
        for n, point in enumerate(points, 1):
            if point["sequence"] != n * STEP:
                await records.update(CheckTemplate, point["id"], {"sequence": n * STEP}, version=point["version"])
        await _note(job_type_id, f"{moved['label']} (#{at + 1})", f"{moved['label']} (#{to + 1})")
        return await checks(job_type_id)
