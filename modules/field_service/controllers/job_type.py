"""Job types: the kit's list and form, and the job type's page with its checklist template
(the quality standard every work order of the type copies). Points are added, edited,
removed and moved through real forms; htmx swaps only the checklist section."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from core.db.records import StaleRecordError
from core.i18n import _, fmt_number
from core.products.models import Product
from core.web.flash import flash
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from core.web.kit.actions import posted_version
from core.web.kit.detail import Action, detail_context, detail_page
from core.web.kit.forms import initial, submitted, validate
from core.web.kit.records import signed_in
from core.web.kit.resource import company_currency, displayed
from core.web.pages import page, wants_block
from modules.field_service.controllers._saving import record_of, submit
from modules.field_service.models.job_type import CheckTemplate, JobType
from modules.field_service.services import job_type as job_types
from modules.field_service.services.errors import FieldServiceError, InvalidValues

READ, WRITE = "field_service.job_type.read", "field_service.job_type.write"
PATH = "/field-service/job-types"
TEMPLATE = "field_service/job_type/detail.html"
KINDS = tuple(job_types.KIND_LABELS.items())
CHECK_KINDS = tuple(job_types.CHECK_KIND_LABELS.items())

LABOUR = Many2one(Product, "/products/options?active=yes&kind=service",
                  where=lambda: (Product.kind == "service") & (Product.active == True))  # noqa: E712

JOB_TYPES = Resource(
    path=PATH, table=JobType, title="Job types", singular="Job type", detail_template=TEMPLATE,
    new_title="New job type", read=READ, write=WRITE,
    list=ListSpec(
        table=JobType,
        columns=(
            Column("name", "Job type", "link"),
            Column("kind", "Kind", "choice", choices=job_types.KIND_LABELS),
            Column("duration_minutes", "Duration (minutes)"),  # "number" would show 90.00
            Column("skills", "Required skills"),
            Column("labour_name", "Labour article", source=JobType.labour_product.name, shown=False),
            Column("hourly_rate", "Hourly rate", "money"),
            Column("active", "Active", "bool", shown=False),
        ),
        search=("name", "skills"),
        filters=(Filter("kind", "Kind", choices=KINDS), Filter("active", "Active", "bool", default="yes")),
        sort="name",
    ),
    form=Form(
        table=JobType,
        fields=(
            Field("name", "Name", required=True, unique=True),
            Field("kind", "Kind", "select", required=True, choices=KINDS, default="repair",
                  help="The kind of work order this job type is meant for."),
            Field("duration_minutes", "Default duration", "integer", required=True, min=Decimal(1),
                  max=Decimal(job_types.MAX_MINUTES), unit="minutes", default=60,
                  help="Planned on the dispatch board when a work order gets this job type."),
            Field("skills", "Required skills",
                  help="Comma separated, e.g. espresso, grinder. A technician needs all of them."),
            Field("labour_product", "Labour article", "many2one", many2one=LABOUR,
                  help="The service product labour is invoiced as."),
            Field("hourly_rate", "Hourly rate", "money", min=Decimal(0), default=Decimal(0),
                  help="Left at zero, the labour article's sale price is charged per hour."),
            Field("active", "Active", "bool", default=True),
        ),
        sections=(
            ("Job", ("name", "kind", "duration_minutes", "skills", "active")),
            ("Labour", ("labour_product", "hourly_rate")),
        ),
    ),
)

CHECK_FORM = Form(table=CheckTemplate, fields=(
    Field("label", "Point to check", required=True, help="What the technician checks, e.g. Brew pressure."),
    Field("kind", "Kind", "select", required=True, choices=CHECK_KINDS, default="passfail"),
    Field("unit", "Unit", help="Measurements only, e.g. bar, °C, ppm."),
    Field("minimum", "Minimum", "decimal", help="Measurements only: the lowest value within tolerance."),
    Field("maximum", "Maximum", "decimal", help="Measurements only: the highest value within tolerance."),
    Field("required", "Required before the work is done", "bool", default=True),
))


def _number(value: Decimal) -> str:
    """8.5000 -> "8.5" (8,5 in Dutch): the decimals the standard was given with."""
    exponent = int(Decimal(value).normalize().as_tuple().exponent)
    return fmt_number(value, max(0, -exponent))


def tolerance(point: Mapping[str, Any]) -> str:
    """"8.5 – 9.5 bar", "≥ 8.5 bar", "≤ 125 °C"; empty for points that measure nothing."""
    if point["kind"] != "measure":
        return ""
    low, high = point["minimum"], point["maximum"]
    if low is not None and high is not None:
        text = f"{_number(low)} – {_number(high)}"
    else:
        text = f"≥ {_number(low)}" if low is not None else f"≤ {_number(high)}" if high is not None else ""
    return f"{text} {point['unit']}".strip()


async def _check_values(request: Request, data: Any) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = await validate(CHECK_FORM, data, await request.app.state.registry.get(), signed_in(request))
    for bound in ("minimum", "maximum"):  # empty is "no bound", not zero
        if not str(data.get(bound) or "").strip():
            values[bound] = None
    return values, errors


async def job_type_page(request: Request, record_id: int, *, editing: int | None = None,
                        check_raw: Mapping[str, str] | None = None, check_errors: Mapping[str, str] | None = None,
                        notice: tuple[str, str] | None = None, status_code: int = 200) -> Template:
    """The job type's page; htmx requests for its checklist get only the `checklist` block."""
    record = await record_of(JOB_TYPES, request, record_id)
    points = [{**p, "tolerance": tolerance(p)} for p in await job_types.checks(record_id)]
    can_write = signed_in(request).can(WRITE)
    edited = next((p for p in points if p["id"] == editing), None) if can_write else None
    raw = dict(check_raw) if check_raw is not None else initial(CHECK_FORM, edited) if edited else initial(CHECK_FORM)
    url = f"{PATH}/{record_id}"
    context: dict[str, Any] = {"record": record, "points": points, "can_write": can_write, "edited": edited, "check_form": CHECK_FORM,
               "check_raw": raw, "check_errors": check_errors or {}, "notice": notice, "url": url,
               "check_kinds": job_types.CHECK_KIND_LABELS}
    if wants_block(request) and request.headers.get("hx-target") == "job-type-checklist":
        return await page(request, TEMPLATE, block="checklist", status_code=status_code, **context)
    title = record["name"]
    ctx = await detail_context(
        request, JobType, record, title=title,
        state=None if record["active"] else (_("Archived"), "neutral"), choices={"kind": job_types.KIND_LABELS},
        actions=[Action(_("Edit"), f"{url}/edit", permission=WRITE)])
    currency = await company_currency()
    return await detail_page(
        request, TEMPLATE, status_code=status_code, title=title,
        breadcrumbs=[(_(JOB_TYPES.title), PATH), (title, url)],
        **ctx, **context, res=JOB_TYPES, shown=await displayed(JOB_TYPES, record, currency),
        kind_label=job_types.KIND_LABELS.get(record["kind"], record["kind"]))


async def _answer(request: Request, record_id: int, message: str, level: str = "success") -> Template | Redirect:
    if wants_block(request):
        return await job_type_page(request, record_id, notice=(level, message))
    flash(request, message, level)
    return Redirect(f"{PATH}/{record_id}#job-type-checklist", status_code=303)


def _stale() -> str:
    return _("Someone changed this point meanwhile; the checklist shows their version now.")


class JobTypeController(controller(JOB_TYPES)):  # type: ignore[misc]
    """The kit's list, export and form, saved through the service; the page with its checklist."""

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        return await submit(JOB_TYPES, request, None, lambda values, _version: job_types.create(values))

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        record = await record_of(JOB_TYPES, request, record_id)
        return await submit(JOB_TYPES, request, record,
                            lambda values, version: job_types.update(record_id, values, version=version))

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        edit = str(request.query_params.get("edit") or "")
        return await job_type_page(request, record_id, editing=int(edit) if edit.isdigit() else None)

    @post("/{record_id:int}/checks", permission=WRITE, status_code=303)
    async def add_check(self, request: Request, record_id: int) -> Template | Redirect:
        await record_of(JOB_TYPES, request, record_id)
        data = await request.form()
        values, errors = await _check_values(request, data)
        if not errors:
            try:
                await job_types.add_check(record_id, values)
            except InvalidValues as exc:
                errors = exc.errors
        if errors:
            return await job_type_page(request, record_id, check_raw=submitted(CHECK_FORM, data), check_errors=errors,
                                       status_code=200 if wants_block(request) else 400)
        return await _answer(request, record_id, _("Point added to the checklist."))

    @post("/{record_id:int}/checks/{check_id:int}", permission=WRITE, status_code=303)
    async def save_check(self, request: Request, record_id: int, check_id: int) -> Template | Redirect:
        await record_of(JOB_TYPES, request, record_id)
        data = await request.form()
        values, errors = await _check_values(request, data)
        try:
            if not errors:
                await job_types.update_check(record_id, check_id, values, version=posted_version(data, -1))
        except InvalidValues as exc:
            errors = exc.errors
        except StaleRecordError:
            return await _answer(request, record_id, _stale(), "error")
        except FieldServiceError as exc:
            return await _answer(request, record_id, str(exc), "error")
        if errors:
            return await job_type_page(request, record_id, editing=check_id, check_raw=submitted(CHECK_FORM, data),
                                       check_errors=errors, status_code=200 if wants_block(request) else 400)
        return await _answer(request, record_id, _("Checklist point saved."))

    @post("/{record_id:int}/checks/{check_id:int}/remove", permission=WRITE, status_code=303)
    async def remove_check(self, request: Request, record_id: int, check_id: int) -> Template | Redirect:
        await record_of(JOB_TYPES, request, record_id)
        try:
            await job_types.remove_check(record_id, check_id, version=posted_version(await request.form(), -1))
        except StaleRecordError:
            return await _answer(request, record_id, _stale(), "error")
        except FieldServiceError as exc:
            return await _answer(request, record_id, str(exc), "error")
        return await _answer(request, record_id, _("Point removed from the checklist."))

    @post("/{record_id:int}/checks/{check_id:int}/move", permission=WRITE, status_code=303)
    async def move_check(self, request: Request, record_id: int, check_id: int) -> Template | Redirect:
        await record_of(JOB_TYPES, request, record_id)
        data = await request.form()
        try:
            await job_types.move_check(record_id, check_id, str(data.get("direction") or ""), version=posted_version(data, -1))
        except StaleRecordError:
            return await _answer(request, record_id, _stale(), "error")
        except FieldServiceError as exc:
            return await _answer(request, record_id, str(exc), "error")
        return await _answer(request, record_id, _("Checklist order saved."))
