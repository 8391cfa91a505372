"""Work order pages: the kit's list and header form, the work order page with its tabs
(checklist, parts, time, technicians) and the actions allowed in its state.

Every route reads the order through the user's record rules first (a technician gets 404
for an order they are not on), then calls a service; forms post and redirect back to the
tab they came from, so everything works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.attachments.models import Attachment
from core.attachments.service import AttachmentRefused, storage_root
from core.auth.current import CurrentUser
from core.auth.models import User
from core.db.records import StaleRecordError
from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.registry import Registry
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller, crud
from core.web.kit.actions import posted_version, redirect_with, who
from core.web.kit.calendar import firm_timezone
from core.web.kit.detail import Action, Tab, detail_context, detail_page
from core.web.kit.forms import initial, submitted, validate
from core.web.kit.resource import displayed, fetch
from core.web.pages import page
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.job_type import JobType
from modules.field_service.models.work_order import (
    KINDS,
    STATES,
    Assignment,
    CheckLine,
    PartLine,
    TimeEntry,
    WorkOrder,
)
from modules.field_service.services import billing, coverage, eligibility, parts
from modules.field_service.services import work_order as work_orders
from modules.field_service.services.errors import STATE_LABELS, FieldServiceError, InvalidValues
from modules.field_service.services.lifecycle import allowed
from modules.warehouse.models.location import Location
from modules.warehouse.services.errors import WarehouseError

READ, WRITE = "field_service.work_order.read", "field_service.work_order.write"
PRICE = "field_service.work_order.price"
PATH = "/field-service/work-orders"
TEMPLATE = "field_service/work_order/detail.html"
STATE_TONES = {"new": "neutral", "scheduled": "neutral", "in_progress": "warn", "on_hold": "warn", "done": "ok",
               "closed": "ok", "cancelled": "danger"}
BADGES = {"in_progress": "warn", "on_hold": "warn", "done": "ok", "closed": "ok", "cancelled": "danger"}
KIND_LABELS = {"repair": "Repair", "preventive": "Preventive maintenance", "installation": "Installation",
               "inspection": "Inspection", "demonstration": "Demonstration", "recall": "Recall"}
PRIORITY_LABELS = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
BILLING_LABELS = {"to_bill": "To bill", "billed": "Billed", "not_billable": "Not billable"}
COVERAGE_LABELS = {"covered": "Covered", "partly": "Partly covered", "chargeable": "Chargeable"}
# The button of each move; hold and cancel ask for a reason on a page of their own.
MOVES = {"scheduled": "Back to scheduled", "in_progress": "Start work", "new": "Unschedule", "on_hold": "Put on hold",
         "done": "Mark done", "closed": "Close", "cancelled": "Cancel work order"}
WITH_REASON = ("on_hold", "cancelled")
PICK = f"{PATH}/pick"


class AssignedTo:
    """The Technician filter's source: orders the chosen user is assigned to."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, value: object) -> Any:  # type: ignore[override]
        return WorkOrder.id.is_in(Assignment.select(Assignment.work_order).where(Assignment.user == value))


CUSTOMERS = Many2one(Partner, "/contacts/partners/options?customer=yes", where=lambda: Partner.is_customer == True)  # noqa: E712
MACHINES = Many2one(Equipment, f"{PICK}/equipment", label="serial", where=lambda: Equipment.active == True)  # noqa: E712
JOB_TYPES = Many2one(JobType, f"{PICK}/job-types", where=lambda: JobType.active == True)  # noqa: E712
PARTS = Many2one(Product, "/products/options?active=yes", where=lambda: Product.kind != "service")
PEOPLE = Many2one(User, f"{PICK}/users", where=lambda: User.active == True)  # noqa: E712

WORK_ORDERS = Resource(
    path=PATH, table=WorkOrder, title="Work orders", singular="Work order", label="number",
    list=ListSpec(
        table=WorkOrder,
        columns=(
            Column("number", "Number", "link"),
            Column("partner_name", "Customer", source=WorkOrder.partner.name),
            Column("serial", "Equipment", source=WorkOrder.equipment.serial),
            Column("kind", "Kind", "choice", choices=KIND_LABELS),
            Column("state", "State", "badge", choices=STATE_LABELS, badges=BADGES),
            Column("priority", "Priority", "choice", choices=PRIORITY_LABELS),
            Column("scheduled_start", "Planned", "datetime"),
            Column("done_at", "Done", "datetime", shown=False),
            Column("billing_state", "Billing", "choice", choices=BILLING_LABELS, shown=False),
            Column("city", "City", source=WorkOrder.partner.city, shown=False),
        ),
        search=("number", "partner.name", "equipment.serial", "description"),
        filters=(
            Filter("state", "State", choices=tuple((s, STATE_LABELS[s]) for s in STATES)),
            Filter("kind", "Kind", choices=tuple((k, KIND_LABELS[k]) for k in KINDS)),
            Filter("technician", "Technician", "many2one", table=User, source=AssignedTo()),
            Filter("billing_state", "Billing", choices=tuple(BILLING_LABELS.items())),
        ),
        sort="number", dir="desc",
    ),
    form=Form(
        table=WorkOrder,
        fields=(
            Field("partner", "Customer", "many2one", required=True, many2one=CUSTOMERS),
            Field("equipment", "Equipment", "many2one", many2one=MACHINES,
                  help="Its warranty and contract decide what the customer pays."),
            Field("kind", "Kind", "select", required=True, choices=tuple(KIND_LABELS.items()), default="repair"),
            Field("job_type", "Job type", "many2one", many2one=JOB_TYPES,
                  help="Brings the checklist, the duration and the hourly rate."),
            Field("priority", "Priority", "select", required=True, choices=tuple(PRIORITY_LABELS.items()),
                  default="normal"),
            Field("description", "Description", "textarea"),
        ),
    ),
    read=READ, write=WRITE, detail_template=TEMPLATE, new_title="New work order",
)

PART_FORM = Form(table=PartLine, fields=(
    Field("product", "Part", "many2one", required=True, many2one=PARTS),
    Field("planned", "Quantity", "quantity", required=True, default=Decimal(1)),
))
TIME_FORM = Form(table=TimeEntry, fields=(
    Field("user", "Technician", "many2one", required=True, many2one=PEOPLE),
    Field("kind", "Kind", "select", required=True, choices=(("work", "Work"), ("travel", "Travel")), default="work"),
    Field("minutes", "Minutes", "integer", required=True, min=Decimal(1), max=Decimal(1440)),
    Field("billable", "Billable", "bool", default=True),
    Field("note", "Note"),
))
CREW_FORM = Form(table=Assignment, fields=(
    Field("user", "Technician", "many2one", required=True, many2one=PEOPLE),
))


async def _order(request: Request, work_order: int) -> dict[str, Any]:
    """The work order through the user's record rules, or 404."""
    registry, user = await who(request)
    record = await fetch(WORK_ORDERS, work_order, registry, user)
    if record is None:
        raise NotFoundException()
    return record


def _url(work_order: int, tab: str = "") -> str:
    return f"{PATH}/{work_order}" + (f"?tab={tab}" if tab else "")


async def _act(request: Request, work_order: int, tab: str, action: Callable[[], Awaitable[Any]],
               done: str) -> Redirect:
    """Run a service call and go back to the tab, with its message or the refusal."""
    try:
        await action()
    except InvalidValues as exc:
        return redirect_with(request, _url(work_order, tab), str(exc), "error")
    except (FieldServiceError, WarehouseError, AttachmentRefused) as exc:
        return redirect_with(request, _url(work_order, tab), str(exc), "error")
    except StaleRecordError:
        return redirect_with(request, _url(work_order, tab),
                     _("Someone changed this work order meanwhile; check it and try again."), "error")
    return redirect_with(request, _url(work_order, tab), done)


def _actions(order: Mapping[str, Any]) -> list[Action]:
    url, version = f"{PATH}/{order['id']}", order["version"]
    found = [Action(_("Edit"), f"{url}/edit", permission=WRITE)] if order["state"] not in ("closed", "cancelled") else []
    for target in allowed(order):
        label = _(MOVES[target])
        tone = "primary" if target in ("in_progress", "done", "scheduled") else "danger" if target == "cancelled" \
            else "neutral"
        if target in WITH_REASON:
            found.append(Action(label, f"{url}/state/{target}", tone=tone, permission=WRITE))
        elif target != "scheduled" or order["scheduled_start"] is not None:
            found.append(Action(label, f"{url}/state/{target}?version={version}", "post", tone, permission=WRITE))
    if order["state"] in ("done", "closed") and order["billing_state"] == "to_bill":
        found += [Action(_("Create invoice"), f"{url}/bill?version={version}", "post", "primary", permission=PRICE),
                  Action(_("Not billable"), f"{url}/not-billable", permission=PRICE)]
    if order["invoice"]:
        found.append(Action(_("Invoice"), f"/billing/invoices/{order['invoice']}"))
    if order["state"] in ("done", "closed"):
        found.append(Action(_("New recall"), f"{url}/recall", permission=WRITE))
    return found


async def _tabs_data(order: Mapping[str, Any]) -> dict[str, Any]:
    wo = order["id"]
    points = await CheckLine.select().where(CheckLine.work_order == wo).order_by(CheckLine.sequence).order_by(
        CheckLine.id).run()
    part_lines = await PartLine.select(*PartLine._meta.columns, PartLine.product.name.as_alias("product_name"),
                                       PartLine.product.code.as_alias("product_code")).where(
        PartLine.work_order == wo).order_by(PartLine.id).run()
    times = await TimeEntry.select(*TimeEntry._meta.columns, TimeEntry.user.name.as_alias("user_name")).where(
        TimeEntry.work_order == wo).order_by(TimeEntry.id).run()
    crew = await Assignment.select(*Assignment._meta.columns, Assignment.user.name.as_alias("user_name")).where(
        Assignment.work_order == wo).order_by(Assignment.lead, ascending=False).order_by(Assignment.id).run()
    return {"points": points, "part_lines": part_lines, "times": times, "crew": crew,
            "parts_total": sum((Decimal(p["amount"]) for p in part_lines), Decimal(0)),
            "time_total": sum((Decimal(t["amount"]) for t in times), Decimal(0)),
            "open": order["state"] in ("new", "scheduled", "in_progress", "on_hold")}


async def order_page(request: Request, work_order: int) -> Template:
    order = await _order(request, work_order)
    registry, user = await who(request)
    data = await _tabs_data(order)
    tabs = (Tab("checklist", _("Checklist"), "field_service/work_order/_checklist.html", len(data["points"])),
            Tab("parts", _("Parts"), "field_service/work_order/_parts.html", len(data["part_lines"])),
            Tab("time", _("Time"), "field_service/work_order/_time.html", len(data["times"])),
            Tab("technicians", _("Technicians"), "field_service/work_order/_crew.html", len(data["crew"])))
    title = work_orders.label(order)
    ctx = await detail_context(request, WorkOrder, order, title=title, tabs=tabs, actions=_actions(order),
                               state=(_(STATE_LABELS[order["state"]]), STATE_TONES[order["state"]]),
                               choices={"kind": KIND_LABELS, "priority": PRIORITY_LABELS, "state": STATE_LABELS,
                                        "billing_state": BILLING_LABELS},
                               references={"stock_location": Location, "signature_attachment": Attachment})
    partner = await Partner.select().where(Partner.id == order["partner"]).first().run()
    machine = await Equipment.select(*Equipment._meta.columns, Equipment.product.name.as_alias("product_name")).where(
        Equipment.id == order["equipment"]).first().run() if order["equipment"] else None
    forms = {"part_raw": initial(PART_FORM), "time_raw": {**initial(TIME_FORM), "user": str(user.id)},
             "crew_raw": initial(CREW_FORM)}
    return await detail_page(
        request, TEMPLATE, title=title, breadcrumbs=[(_(WORK_ORDERS.title), PATH), (title, f"{PATH}/{work_order}")],
        **{**ctx, **data, **forms, "order": order, "record": order, "res": WORK_ORDERS, "partner": partner or {},
           "machine": machine, "url": f"{PATH}/{work_order}", "currency": "EUR", "user_id": user.id,
           "can_write": user.can(WRITE), "can_price": user.can(PRICE),
           "shown": await displayed(WORK_ORDERS, order, "EUR"), "kind_labels": KIND_LABELS,
           "priority_labels": PRIORITY_LABELS, "billing_labels": BILLING_LABELS, "coverage_labels": COVERAGE_LABELS,
           "tz": await firm_timezone(), "part_form": PART_FORM, "time_form": TIME_FORM, "crew_form": CREW_FORM,
           "options": await _options(registry, user, forms)},
    )


async def _options(registry: Registry, user: CurrentUser, forms: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    from core.web.kit.forms import many2one_options

    return {"product": await many2one_options(PART_FORM.field("product"), registry, user),
            "user": await many2one_options(TIME_FORM.field("user"), registry, user,
                                           selected=forms["time_raw"].get("user", ""))}


async def _local(text: str) -> dt.datetime:
    """A datetime-local input (the firm's time zone) as an aware datetime."""
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=await firm_timezone()) if value.tzinfo is None else value


def _line_of(table: Any, line_id: int, work_order: int) -> Awaitable[bool]:
    return table.exists().where((table.id == line_id) & (table.work_order == work_order)).run()


class WorkOrderController(controller(WORK_ORDERS)):  # type: ignore[misc]
    """The kit's list, export and form, with the work order page, its tabs and actions."""

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        data = await request.form()
        if data.get("_search"):
            return await crud.save_new(WORK_ORDERS, request)
        registry, user = await who(request)
        values, errors = await validate(WORK_ORDERS.form, data, registry, user)
        if not errors:
            try:
                row = await work_orders.create_work_order(values.pop("partner"), **values)
                return redirect_with(request, f"{PATH}/{row['id']}", _("Work order created."))
            except InvalidValues as exc:
                errors = exc.errors
        return await crud.form_page(WORK_ORDERS, request, record=None, raw=submitted(WORK_ORDERS.form, data),
                                    errors=errors, status_code=400)

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await order_page(request, record_id)

    @get("/{record_id:int}/edit", permission=WRITE)
    async def edit(self, request: Request, record_id: int) -> Template:
        order = await _order(request, record_id)
        return await crud.form_page(WORK_ORDERS, request, record=order, raw=initial(WORK_ORDERS.form, order), errors={})

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        order = await _order(request, record_id)
        data = await request.form()
        if data.get("_search"):
            return await crud.save_edit(WORK_ORDERS, request, record_id)
        registry, user = await who(request)
        values, errors = await validate(WORK_ORDERS.form, data, registry, user, record_id)
        version = posted_version(data) or -1
        stale = False
        if not errors:
            if values.pop("partner") != order["partner"]:
                errors = {"partner": _("The customer of a work order cannot change; make a new one.")}
            else:
                try:
                    await work_orders.update(record_id, values, version=version)
                    return redirect_with(request, f"{PATH}/{record_id}", _("Work order saved."))
                except InvalidValues as exc:
                    errors = exc.errors
                except StaleRecordError:
                    stale = True
                except FieldServiceError as exc:
                    return redirect_with(request, f"{PATH}/{record_id}", str(exc), "error")
        return await crud.form_page(WORK_ORDERS, request, record={**order, "version": version},
                                    raw=submitted(WORK_ORDERS.form, data), errors=errors,
                                    status_code=409 if stale else 400, stale=stale)

    @post("/{record_id:int}/state/{target:str}", permission=WRITE, status_code=303)
    async def move(self, request: Request, record_id: int, target: str) -> Redirect:
        await _order(request, record_id)
        data = await request.form()
        seen = posted_version(data) or posted_version(request.query_params)
        if target not in MOVES:
            raise NotFoundException()
        return await _act(request, record_id, "", lambda: work_orders.transition(
            record_id, target, version=seen, reason=str(data.get("reason") or "")),
            _("Work order is now %(state)s.", state=_(STATE_LABELS[target]).lower()))

    @get("/{record_id:int}/state/{target:str}", permission=WRITE)
    async def reason_form(self, request: Request, record_id: int, target: str) -> Template:
        order = await _order(request, record_id)
        if target not in WITH_REASON:
            raise NotFoundException()
        title = _(MOVES[target])
        return await page(request, "field_service/work_order/reason.html", title=title, order=order,
                          action=f"{PATH}/{record_id}/state/{target}", button=title, url=f"{PATH}/{record_id}",
                          breadcrumbs=[(_(WORK_ORDERS.title), PATH), (work_orders.label(order), f"{PATH}/{record_id}")])

    @post("/{record_id:int}/checks/{line_id:int}", permission=WRITE, status_code=303)
    async def check_point(self, request: Request, record_id: int, line_id: int) -> Redirect:
        await _order(request, record_id)
        if not await _line_of(CheckLine, line_id, record_id):
            raise NotFoundException()
        data = await request.form()
        photo = data.get("photo")
        if isinstance(photo, UploadFile) and photo.filename:
            content = await photo.read()
            root = storage_root(request.app.state.settings.var_dir)
            limit = request.app.state.settings.attachments.max_mb * 1024 * 1024
            return await _act(request, record_id, "checklist", lambda: work_orders.add_check_photo(
                line_id, photo.filename, content, root, max_bytes=limit), _("Photo added."))
        passed = {"pass": True, "fail": False}.get(str(data.get("passed") or ""))
        text = data.get("text")
        return await _act(request, record_id, "checklist", lambda: work_orders.record_check(
            line_id, passed=passed, value=data.get("value"), text=None if text is None else str(text),
            version=posted_version(data)), _("Checklist point recorded."))

    @post("/{record_id:int}/parts", permission=WRITE, status_code=303)
    async def add_part(self, request: Request, record_id: int) -> Redirect:
        await _order(request, record_id)
        data = await request.form()
        registry, user = await who(request)
        values, errors = await validate(PART_FORM, data, registry, user)
        if errors:
            return redirect_with(request, _url(record_id, "parts"), " ".join(errors.values()), "error")
        reserve = str(data.get("reserve") or "") != "no"
        return await _act(request, record_id, "parts", lambda: work_orders.add_part(
            record_id, values["product"], values["planned"], reserve=reserve), _("Part planned."))

    @post("/{record_id:int}/parts/{line_id:int}/used", permission=WRITE, status_code=303)
    async def part_used(self, request: Request, record_id: int, line_id: int) -> Redirect:
        await _order(request, record_id)
        line = await PartLine.select().where((PartLine.id == line_id) & (PartLine.work_order == record_id)).first().run()
        if line is None:
            raise NotFoundException()
        data = await request.form()
        return await _act(request, record_id, "parts", lambda: work_orders.use_part(
            record_id, line["product"], str(data.get("used") or "")), _("Parts used recorded."))

    @post("/{record_id:int}/parts/{line_id:int}/remove", permission=WRITE, status_code=303)
    async def remove_part(self, request: Request, record_id: int, line_id: int) -> Redirect:
        await _order(request, record_id)
        if not await _line_of(PartLine, line_id, record_id):
            raise NotFoundException()
        data = await request.form()
        return await _act(request, record_id, "parts", lambda: work_orders.remove_part(
            line_id, version=posted_version(data) or -1), _("Part removed."))

    @post("/{record_id:int}/time", permission=WRITE, status_code=303)
    async def add_time(self, request: Request, record_id: int) -> Redirect:
        await _order(request, record_id)
        data = await request.form()
        registry, user = await who(request)
        values, errors = await validate(TIME_FORM, data, registry, user)
        if errors:
            return redirect_with(request, _url(record_id, "time"), " ".join(errors.values()), "error")
        return await _act(request, record_id, "time", lambda: work_orders.add_time(
            record_id, values["user"], values["minutes"], kind=values["kind"], billable=bool(values["billable"]),
            note=values.get("note") or ""), _("Time logged."))

    @post("/{record_id:int}/time/{entry_id:int}/remove", permission=WRITE, status_code=303)
    async def remove_time(self, request: Request, record_id: int, entry_id: int) -> Redirect:
        await _order(request, record_id)
        if not await _line_of(TimeEntry, entry_id, record_id):
            raise NotFoundException()
        data = await request.form()
        return await _act(request, record_id, "time", lambda: parts.remove_time(
            entry_id, version=posted_version(data) or -1), _("Time entry removed."))

    @post("/{record_id:int}/crew", permission=WRITE, status_code=303)
    async def crew(self, request: Request, record_id: int) -> Redirect:
        await _order(request, record_id)
        data = await request.form()
        registry, user = await who(request)
        values, errors = await validate(CREW_FORM, data, registry, user)
        if errors:
            return redirect_with(request, _url(record_id, "technicians"), " ".join(errors.values()), "error")
        try:
            start = await _local(str(data.get("start") or "")) if data.get("start") else None
            end = await _local(str(data.get("end") or "")) if data.get("end") else None
        except ValueError:
            return redirect_with(request, _url(record_id, "technicians"), _("Enter the planned times as date and time."),
                         "error")
        lead = str(data.get("lead") or "") == "yes"
        if lead and start and end:
            return await _act(request, record_id, "technicians", lambda: _eligible_then(
                values["user"], record_id, start, lambda: work_orders.schedule(record_id, values["user"], start, end)),
                _("Work order scheduled."))
        return await _act(request, record_id, "technicians", lambda: _eligible_then(
            values["user"], record_id, start, lambda: work_orders.assign(
                record_id, values["user"], planned_start=start, planned_end=end, lead=lead)),
            _("Technician added."))

    @post("/{record_id:int}/crew/{user_id:int}/remove", permission=WRITE, status_code=303)
    async def uncrew(self, request: Request, record_id: int, user_id: int) -> Redirect:
        await _order(request, record_id)
        return await _act(request, record_id, "technicians", lambda: work_orders.unassign(record_id, user_id),
                          _("Technician taken off the job."))

    @post("/{record_id:int}/check-in", permission=WRITE, status_code=303)
    async def check_in(self, request: Request, record_id: int) -> Redirect:
        await _order(request, record_id)
        _registry, user = await who(request)
        return await _act(request, record_id, "technicians", lambda: work_orders.check_in(record_id, user.id),
                          _("Checked in."))

    @post("/{record_id:int}/check-out", permission=WRITE, status_code=303)
    async def check_out(self, request: Request, record_id: int) -> Redirect:
        await _order(request, record_id)
        _registry, user = await who(request)
        data = await request.form()
        return await _act(request, record_id, "technicians", lambda: work_orders.check_out(
            record_id, user.id, log_time=str(data.get("log_time") or "") == "yes"), _("Checked out."))

    @post("/{record_id:int}/sign", permission=WRITE, status_code=303)
    async def sign(self, request: Request, record_id: int) -> Redirect:
        await _order(request, record_id)
        data = await request.form()
        root = storage_root(request.app.state.settings.var_dir)
        return await _act(request, record_id, "", lambda: work_orders.sign(
            record_id, str(data.get("signature") or ""), str(data.get("signed_by") or ""), root),
            _("Signature saved."))

    @post("/{record_id:int}/bill", permission=PRICE, status_code=303)
    async def bill(self, request: Request, record_id: int) -> Redirect:
        await _order(request, record_id)
        seen = posted_version(request.query_params)
        return await _act(request, record_id, "", lambda: billing.bill(record_id, version=seen),
                          _("Draft invoice created."))

    @get("/{record_id:int}/not-billable", permission=PRICE)
    async def not_billable_form(self, request: Request, record_id: int) -> Template:
        order = await _order(request, record_id)
        title = _("Not billable")
        return await page(request, "field_service/work_order/reason.html", title=title, order=order,
                          action=f"{PATH}/{record_id}/not-billable", button=title, url=f"{PATH}/{record_id}",
                          breadcrumbs=[(_(WORK_ORDERS.title), PATH), (work_orders.label(order), f"{PATH}/{record_id}")])

    @post("/{record_id:int}/not-billable", permission=PRICE, status_code=303)
    async def not_billable(self, request: Request, record_id: int) -> Redirect:
        await _order(request, record_id)
        data = await request.form()
        return await _act(request, record_id, "", lambda: billing.mark_not_billable(
            record_id, str(data.get("reason") or ""), version=posted_version(data)), _("Marked not billable."))

    @post("/{record_id:int}/{kind:str}/{line_id:int}/override", permission=PRICE, status_code=303)
    async def override(self, request: Request, record_id: int, kind: str, line_id: int) -> Redirect:
        await _order(request, record_id)
        tables: dict[str, type[PartLine] | type[TimeEntry]] = {"parts": PartLine, "time": TimeEntry}
        table = tables.get(kind)
        if table is None or not await _line_of(table, line_id, record_id):
            raise NotFoundException()
        data = await request.form()
        return await _act(request, record_id, kind, lambda: coverage.override(
            table, line_id, str(data.get("coverage") or ""), str(data.get("covered_percent") or "0"),
            str(data.get("reason") or ""), version=posted_version(data) or -1), _("Coverage overridden."))

    @get("/{record_id:int}/recall", permission=WRITE)
    async def recall_form(self, request: Request, record_id: int) -> Template:
        order = await _order(request, record_id)
        title = _("New recall")
        return await page(request, "field_service/work_order/reason.html", title=title, order=order,
                          action=f"{PATH}/{record_id}/recall", button=_("Create recall"), url=f"{PATH}/{record_id}",
                          reason_label=_("Root cause"),
                          breadcrumbs=[(_(WORK_ORDERS.title), PATH), (work_orders.label(order), f"{PATH}/{record_id}")])

    @post("/{record_id:int}/recall", permission=WRITE, status_code=303)
    async def recall(self, request: Request, record_id: int) -> Redirect:
        order = await _order(request, record_id)
        data = await request.form()
        try:
            row = await work_orders.create_work_order(
                order["partner"], equipment=order["equipment"], kind="recall", job_type=order["job_type"],
                priority="high", recall_of=record_id, root_cause=str(data.get("reason") or ""),
                description=_("Recall of %(order)s", order=order["number"]))
        except FieldServiceError as exc:
            return redirect_with(request, f"{PATH}/{record_id}/recall", str(exc), "error")
        return redirect_with(request, f"{PATH}/{row['id']}", _("Recall work order created."))

    @get("/pick/{what:str}", permission=READ)
    async def pick(self, request: Request, what: str) -> Template:
        """Options for the pickers of this module's forms (equipment, job types, people)."""
        from core.web.kit.forms import many2one_options

        field = {"equipment": WORK_ORDERS.form.field("equipment"), "job-types": WORK_ORDERS.form.field("job_type"),
                 "users": TIME_FORM.field("user")}.get(what)
        if field is None:
            raise NotFoundException()
        registry, user = await who(request)
        q = str(request.query_params.get("q") or request.query_params.get(f"_q_{field.name}") or "")[:100]
        found = await many2one_options(field, registry, user, q=q)
        return await page(request, "core/kit/_options.html", options=found, blank=True, select_first=bool(q))


async def _eligible_then(user: int, work_order: int, start: dt.datetime | None,
                         then: Callable[[], Awaitable[Any]]) -> Any:
    """Planning a technician from the work order page obeys the same eligibility rules as
    the dispatch board (absence, working days, skills, other modules' objections)."""
    if start is not None:
        await eligibility.ensure(user, work_order, start.astimezone(await firm_timezone()).date())
    return await then()
