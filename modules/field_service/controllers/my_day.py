""""My day" (/field-service/my-day): a technician's jobs of today on a phone, and per job check
in/out, the checklist, parts used, time, the customer's signature and completion.

Every action is a plain form POST answered with a redirect back to the job (htmx swaps the
job's block instead). Only the technician's own jobs: anyone else's answers 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.attachments import service as attachments
from core.db.records import StaleRecordError
from core.i18n import _
from core.web.flash import flash
from core.web.kit.actions import posted_version
from core.web.kit.calendar import firm_timezone
from core.web.kit.records import signed_in
from core.web.pages import page, wants_block
from modules.field_service.services import my_day
from modules.field_service.services import work_order as work_orders
from modules.field_service.services.errors import FieldServiceError, InvalidValues
from modules.warehouse.services.errors import WarehouseError

READ = "field_service.my_day.read"
WRITE = "field_service.work_order.write"
PATH = "/field-service/my-day"
TEMPLATE, JOB_TEMPLATE = "field_service/my_day/day.html", "field_service/my_day/job.html"
STATE_LABELS = {"scheduled": "Scheduled", "in_progress": "In progress", "on_hold": "On hold", "done": "Done",
                "closed": "Closed"}
Action = Callable[[int, int, Mapping[str, Any]], Awaitable[str]]


def _day(params: Mapping[str, Any], today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(str(params.get("date") or ""))
    except ValueError:
        return today


async def _job_or_404(request: Request, work_order: int) -> my_day.Job:
    job = await my_day.job(signed_in(request).id, work_order)
    if job is None:
        raise NotFoundException()
    return job


async def _job_page(request: Request, work_order: int, *, message: str = "", tone: str = "success",
                    errors: Mapping[str, str] | None = None, status_code: int = 200) -> Template:
    job = await _job_or_404(request, work_order)
    tz = await firm_timezone()
    return await page(request, JOB_TEMPLATE, block="job", status_code=status_code, title=job.order["number"],
                      breadcrumbs=[(_("My day"), PATH), (job.order["number"], f"{PATH}/{work_order}")],
                      job=job, tz_name=str(tz.key), message=message, tone=tone, errors=errors or {},
                      state_labels=STATE_LABELS, qty=my_day.quantity_text, max_mb=_max_mb(request))


def _max_mb(request: Request) -> int:
    return int(request.app.state.settings.attachments.max_mb)


async def _act(request: Request, work_order: int, action: Action, anchor: str = "") -> Template | Redirect:
    """Run `action(user, work_order, form)` on one of the user's own jobs; its message is
    flashed (or shown in the swapped block); a refusal re-renders the job with it (400)."""
    user = signed_in(request)
    await _job_or_404(request, work_order)
    data = await request.form()
    try:
        message = await action(user.id, work_order, data)
    except InvalidValues as error:
        return await _job_page(request, work_order, message=str(error), tone="error", errors=error.errors,
                               status_code=400)
    except StaleRecordError:
        return await _job_page(request, work_order, tone="error", status_code=409, message=_(
            "Someone changed this job meanwhile: here it is as it is now. Try again."))
    except (FieldServiceError, WarehouseError, attachments.AttachmentRefused) as error:
        return await _job_page(request, work_order, message=str(error), tone="error", status_code=400)
    if wants_block(request):
        return await _job_page(request, work_order, message=message)
    flash(request, message)
    return Redirect(f"{PATH}/{work_order}{anchor}", status_code=303)


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def _minutes(data: Mapping[str, Any]) -> int:
    text = _text(data, "minutes")
    if not text.isdigit() or len(text) > 5:
        raise InvalidValues({"minutes": _("Enter the minutes as a whole number, e.g. 45.")})
    return int(text)


def _id(data: Mapping[str, Any], name: str, message: str) -> int:
    text = _text(data, name)
    if not text.isdigit() or len(text) > 9:
        raise InvalidValues({name: message})
    return int(text)


# -- actions: (user, work order, form) -> message ----------------------------------

async def _check_in(user: int, wo: int, data: Mapping[str, Any]) -> str:
    row = await work_orders.check_in(wo, user)
    return _("Checked in on %(order)s.", order=row["number"])


async def _check_out(user: int, wo: int, data: Mapping[str, Any]) -> str:
    await work_orders.check_out(wo, user, log_time=True)
    return _("Checked out; the time since check-in is logged.")


def _check(line: int) -> Action:
    async def act(user: int, wo: int, data: Mapping[str, Any]) -> str:
        if await my_day.owns_check(user, line) != wo:
            raise NotFoundException()
        passed_text = _text(data, "passed")
        passed = {"yes": True, "no": False}.get(passed_text)
        value = data.get("value") if "value" in data else None
        text = data.get("text") if isinstance(data.get("text"), str) else None
        saved = await work_orders.record_check(line, passed=passed, value=value, text=text, version=posted_version(data))
        if saved.get("out_of_tolerance"):
            return _("Recorded: %(point)s is out of tolerance.", point=saved["label"])
        return _("Recorded: %(point)s.", point=saved["label"])
    return act


def _photo(line: int, root: Any, max_mb: int) -> Action:
    async def act(user: int, wo: int, data: Mapping[str, Any]) -> str:
        if await my_day.owns_check(user, line) != wo:
            raise NotFoundException()
        upload = data.get("photo")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidValues({"photo": _("Choose a photo to upload.")})
        saved = await work_orders.add_check_photo(line, upload.filename, await upload.read(), root,
                                                  max_bytes=max_mb * attachments.MB)
        return _("Photo added to %(point)s.", point=saved["label"])
    return act


async def _part(user: int, wo: int, data: Mapping[str, Any]) -> str:
    product = _id(data, "product", _("Choose a part."))
    await work_orders.use_part(wo, product, _text(data, "used") or "0")
    return _("Parts used recorded.")


async def _time(user: int, wo: int, data: Mapping[str, Any]) -> str:
    kind = _text(data, "kind") or "work"
    await work_orders.add_time(wo, user, _minutes(data), kind=kind, note=_text(data, "note")[:300])
    return _("Time logged.")


def _sign(root: Any) -> Action:
    async def act(user: int, wo: int, data: Mapping[str, Any]) -> str:
        await work_orders.sign(wo, _text(data, "signature"), _text(data, "signed_by"), root, version=posted_version(data))
        return _("Signature saved.")
    return act


async def _complete(user: int, wo: int, data: Mapping[str, Any]) -> str:
    work_done = data.get("work_done")
    row = await work_orders.complete(wo, version=posted_version(data),
                                     work_done=work_done if isinstance(work_done, str) else None)
    return _("%(order)s is done. Thank you!", order=row["number"])


def _root(request: Request) -> Any:
    return attachments.storage_root(request.app.state.settings.var_dir)


class MyDayController(Controller):
    path = PATH

    @get("/", permission=READ)
    async def day(self, request: Request) -> Template:
        tz = await firm_timezone()
        today = dt.datetime.now(tz).date()
        on = _day(request.query_params, today)
        jobs = await my_day.day(signed_in(request).id, on, tz)
        step = dt.timedelta(days=1)
        return await page(request, TEMPLATE, title=_("My day"), jobs=jobs, on=on, today=today, tz_name=str(tz.key),
                          previous=f"{PATH}?date={(on - step).isoformat()}",
                          next=f"{PATH}?date={(on + step).isoformat()}", state_labels=STATE_LABELS)

    @get("/{work_order:int}", permission=READ)
    async def job(self, request: Request, work_order: int) -> Template:
        return await _job_page(request, work_order)

    @post("/{work_order:int}/check-in", permission=WRITE, status_code=303)
    async def check_in(self, request: Request, work_order: int) -> Template | Redirect:
        return await _act(request, work_order, _check_in)

    @post("/{work_order:int}/check-out", permission=WRITE, status_code=303)
    async def check_out(self, request: Request, work_order: int) -> Template | Redirect:
        return await _act(request, work_order, _check_out, "#time")

    @post("/{work_order:int}/checks/{line:int}", permission=WRITE, status_code=303)
    async def check(self, request: Request, work_order: int, line: int) -> Template | Redirect:
        return await _act(request, work_order, _check(line), f"#check-{line}")

    @post("/{work_order:int}/checks/{line:int}/photo", permission=WRITE, status_code=303)
    async def photo(self, request: Request, work_order: int, line: int) -> Template | Redirect:
        return await _act(request, work_order, _photo(line, _root(request), _max_mb(request)), f"#check-{line}")

    @post("/{work_order:int}/parts", permission=WRITE, status_code=303)
    async def part(self, request: Request, work_order: int) -> Template | Redirect:
        return await _act(request, work_order, _part, "#parts")

    @post("/{work_order:int}/time", permission=WRITE, status_code=303)
    async def time(self, request: Request, work_order: int) -> Template | Redirect:
        return await _act(request, work_order, _time, "#time")

    @post("/{work_order:int}/sign", permission=WRITE, status_code=303)
    async def sign(self, request: Request, work_order: int) -> Template | Redirect:
        return await _act(request, work_order, _sign(_root(request)), "#signature")

    @post("/{work_order:int}/complete", permission=WRITE, status_code=303)
    async def complete(self, request: Request, work_order: int) -> Template | Redirect:
        return await _act(request, work_order, _complete)
