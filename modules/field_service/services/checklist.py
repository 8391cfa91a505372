"""The checklist of a work order: points copied from its job type's quality standard,
checked by the technician (pass/fail, a measurement against its tolerance, a text, a photo).
Every required point must be checked before the work is done."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from core.attachments import service as attachments
from core.db import records
from core.db.context import current_user_id
from core.db.engine import transaction
from core.i18n import _
from modules.field_service.models.work_order import CheckLine
from modules.field_service.services.errors import FieldServiceError, InvalidValues
from modules.field_service.services.lifecycle import check_open, get

TABLE = "field_service_work_order"  # photos are attachments of the work order


def is_done(line: dict[str, Any]) -> bool:
    kind = line["kind"]
    if kind == "passfail":
        return line["passed"] is not None
    if kind == "measure":
        return line["value"] is not None
    if kind == "photo":
        return line["attachment"] is not None
    return bool(str(line["text"] or "").strip())


async def lines(work_order: int) -> list[dict[str, Any]]:
    return await CheckLine.select().where(CheckLine.work_order == work_order).order_by(
        CheckLine.sequence).order_by(CheckLine.id).run()


async def open_points(work_order: int) -> list[str]:
    """Labels of the required points not checked yet."""
    return [ln["label"] for ln in await lines(work_order) if ln["required"] and not is_done(ln)]


def out_of_tolerance(value: Decimal | None, minimum: Decimal | None, maximum: Decimal | None) -> bool:
    if value is None:
        return False
    return (minimum is not None and value < Decimal(minimum)) or (maximum is not None and value > Decimal(maximum))


def _measure(value: Any) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite() or number != number.quantize(Decimal("0.0001")) or abs(number) >= 10 ** 10:
        raise InvalidValues({"value": _("Enter a number with at most 4 decimals.")})
    return number


async def record_check(line_id: int, *, passed: bool | None = None, value: Any = None, text: str | None = None,
                       attachment: int | None = None, version: int | None = None) -> dict[str, Any]:
    """Record the result of one point. A measurement outside its minimum..maximum is
    flagged out of tolerance (it still counts as checked)."""
    async with transaction():
        line = await CheckLine.select().where(CheckLine.id == line_id).first().run()
        if line is None:
            raise FieldServiceError(_("This checklist point does not exist any more."))
        check_open(await get(line["work_order"]))
        changes: dict[str, Any] = {}
        if line["kind"] == "passfail" and passed is not None:
            changes["passed"] = bool(passed)
        if line["kind"] == "measure":
            number = _measure(value)
            changes |= {"value": number, "out_of_tolerance": out_of_tolerance(number, line["minimum"], line["maximum"])}
        if text is not None:
            changes["text"] = text.strip()[:2000]
        if attachment is not None:
            changes["attachment"] = attachment
        if not changes:
            raise InvalidValues({"passed": _("Record a result for this point.")})
        changes |= {"done_by": current_user_id.get(), "done_at": dt.datetime.now(dt.UTC)}
        at = line["version"] if version is None else version
        return await records.update(CheckLine, line_id, changes, version=at)


async def add_check_photo(line_id: int, filename: str, data: bytes, root: Path, *,
                          max_bytes: int = 10 * 1024 * 1024) -> dict[str, Any]:
    """Store a photo (JPEG, PNG, GIF, WebP) as an attachment of the work order and record it
    on the point. Raises AttachmentRefused for anything else."""
    line = await CheckLine.select().where(CheckLine.id == line_id).first().run()
    if line is None:
        raise FieldServiceError(_("This checklist point does not exist any more."))
    check_open(await get(line["work_order"]))
    if not attachments.check(attachments.clean_filename(filename), data, max_bytes).startswith("image/"):
        raise attachments.AttachmentRefused(_("A photo must be a JPEG, PNG, GIF or WebP image."))
    stored = await attachments.add(root, TABLE, line["work_order"], filename, data, max_bytes=max_bytes)
    return await record_check(line_id, attachment=int(stored["id"]))
