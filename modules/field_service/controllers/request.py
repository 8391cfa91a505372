"""Service requests for staff: the kit's list and form, the request page with its SLA
deadlines and actions (assign, wait, resume, convert, close), and the dashboard tile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.auth.models import User
from core.db.records import StaleRecordError
from core.i18n import _
from core.partners.models import Partner
from core.web import charts
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller, crud
from core.web.kit.actions import posted_version, redirect_with
from core.web.kit.detail import Action, detail_context, detail_page
from core.web.kit.forms import initial, submitted, validate
from core.web.kit.records import signed_in
from core.web.kit.resource import displayed, fetch
from core.web.pages import page
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.request import CHANNELS, KINDS, PAUSED_STATES, SLA_STATES, STATES
from modules.field_service.models.request import Request as ServiceRequest
from modules.field_service.models.sla import PRIORITIES
from modules.field_service.models.technician import Team, Technician
from modules.field_service.services import request as requests
from modules.field_service.services import sla
from modules.field_service.services.errors import FieldServiceError, InvalidValues

READ, WRITE = "field_service.request.read", "field_service.request.write"
PATH = "/field-service/requests"
TEMPLATE = "field_service/request/detail.html"
PRIORITY_BADGES = {"low": "neutral", "normal": "neutral", "high": "warn", "urgent": "danger"}
SLA_BADGES = {"ok": "ok", "warning": "warn", "breached": "danger"}


def _choices(labels: Mapping[str, str], keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((k, labels[k]) for k in keys)


class OpenRequests:
    """The Open filter's source: the kit compares `source == value`."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, value: object) -> Any:  # type: ignore[override]
        states = requests.OPEN_STATES if value == "yes" else ("converted", "closed")
        return ServiceRequest.state.is_in(list(states))


REQUESTS = Resource(
    path=PATH, table=ServiceRequest, title="Service requests", singular="Service request", label="number",
    list=ListSpec(
        table=ServiceRequest,
        columns=(
            Column("number", "Number", "link"),
            Column("partner_name", "Customer", source=ServiceRequest.partner.name),
            Column("contact_name", "Contact"),
            Column("kind", "Kind", "choice", choices=requests.KIND_LABELS),
            Column("priority", "Priority", "badge", choices=requests.PRIORITY_LABELS, badges=PRIORITY_BADGES),
            Column("state", "State", "badge", choices=requests.STATE_LABELS, badges=requests.STATE_TONES),
            Column("sla_state", "SLA", "badge", choices=sla.SLA_STATE_LABELS, badges=SLA_BADGES),
            Column("response_due", "Response due", "datetime", shown=False),
            Column("resolution_due", "Resolution due", "datetime"),
            Column("assignee_name", "Assigned to", source=ServiceRequest.assignee.name),
            Column("team_name", "Team", source=ServiceRequest.team.name, shown=False),
            Column("serial", "Serial number", shown=False),
            Column("channel", "Channel", "choice", choices=requests.CHANNEL_LABELS, shown=False),
            Column("created_at", "Received", "datetime", shown=False),
        ),
        search=("number", "contact_name", "email", "serial", "partner.name", "description"),
        filters=(
            Filter("open", "Open", choices=(("yes", "Open"), ("no", "Finished")), source=OpenRequests(),
                   default="yes"),
            Filter("state", "State", choices=_choices(requests.STATE_LABELS, STATES)),
            Filter("kind", "Kind", choices=_choices(requests.KIND_LABELS, KINDS)),
            Filter("priority", "Priority", choices=_choices(requests.PRIORITY_LABELS, PRIORITIES)),
            Filter("sla_state", "SLA", choices=_choices(sla.SLA_STATE_LABELS, SLA_STATES)),
            Filter("assignee", "Assigned to", "many2one", table=User),
        ),
        sort="resolution_due",
    ),
    form=Form(
        table=ServiceRequest,
        fields=(
            Field("partner", "Customer", "many2one", many2one=Many2one(
                Partner, "/contacts/partners/options?customer=yes", where=lambda: Partner.is_customer == True),  # noqa: E712
                help="Left empty: found from the equipment or the e-mail address, if known."),
            Field("contact_name", "Contact", help="Who called or wrote."),
            Field("email", "E-mail", "email"),
            Field("phone", "Phone", "phone"),
            Field("equipment", "Equipment", "many2one", many2one=Many2one(
                Equipment, "/field-service/equipment/options", label="serial")),
            Field("serial", "Serial number", help="As the customer gave it; matched to the equipment if known."),
            Field("kind", "Kind", "select", required=True, choices=_choices(requests.KIND_LABELS, KINDS),
                  default="repair"),
            Field("priority", "Priority", "select", required=True,
                  choices=_choices(requests.PRIORITY_LABELS, PRIORITIES), default="normal"),
            Field("channel", "Channel", "select", required=True,
                  choices=_choices(requests.CHANNEL_LABELS, CHANNELS), default="phone"),
            Field("description", "Description", "textarea", required=True),
        ),
        sections=(("Customer", ("partner", "contact_name", "email", "phone")),
                  ("Machine", ("equipment", "serial")),
                  ("Request", ("kind", "priority", "channel", "description"))),
    ),
    read=READ, write=WRITE, detail_template=TEMPLATE, new_title="New service request",
)


async def _request(request: Request, request_id: int) -> dict[str, Any]:
    record = await fetch(REQUESTS, request_id, await request.app.state.registry.get(), signed_in(request))
    if record is None:
        raise NotFoundException()
    return record


def _actions(row: Mapping[str, Any]) -> list[Action]:
    url, version = f"{PATH}/{row['id']}", row["version"]
    can = requests.actions(row)
    out = [Action(_("Edit"), f"{url}/edit", permission=WRITE)] if can else []
    if "assign" in can:
        out.append(Action(_("Assign"), f"{url}/assign", permission=WRITE))
    if "resume" in can:
        out.append(Action(_("Resume"), f"{url}/resume?version={version}", "post", "primary", permission=WRITE))
    if "waiting_customer" in can:
        out.append(Action(_("Wait for customer"), f"{url}/wait?state=waiting_customer&version={version}", "post",
                          permission=WRITE))
    if "waiting_parts" in can:
        out.append(Action(_("Wait for parts"), f"{url}/wait?state=waiting_parts&version={version}", "post",
                          permission=WRITE))
    if "work_order" in can:
        out.append(Action(_("Make a work order"), f"{url}/work-order?version={version}", "post", "primary",
                          permission=WRITE, confirm=_("Turn this request into a work order?")))
    if "return" in can:
        out.append(Action(_("Make a return"), f"{url}/return?version={version}", "post", permission=WRITE,
                          confirm=_("Turn this request into a customer return (RMA)?")))
    if "close" in can:
        out.append(Action(_("Close"), f"{url}/close", tone="danger", permission=WRITE))
    return out


async def deadlines(row: Mapping[str, Any]) -> dict[str, Any]:
    """The SLA panel: each deadline with its tone (live for an open, running clock)."""
    pol = await sla.policy(row["sla"])
    state = row["sla_state"]
    if pol is not None and row["state"] in requests.OPEN_STATES and row["paused_since"] is None:
        state = sla.state_at(await sla.working_time(pol), pol, row, sla._now())
    tone = SLA_BADGES[state]
    return {
        "policy": pol, "sla_state": state, "sla_label": sla.SLA_STATE_LABELS[state], "paused": row["paused_since"],
        "response_tone": "ok" if row["responded_at"] and (not row["response_due"] or row["responded_at"] <= row[
            "response_due"]) else ("danger" if row["responded_at"] else tone),
        "resolution_tone": "ok" if row["resolved_at"] and (not row["resolution_due"] or row["resolved_at"] <= row[
            "resolution_due"]) else ("danger" if row["resolved_at"] else tone),
    }


async def _names(row: Mapping[str, Any]) -> dict[str, str]:
    out = {"assignee": "", "team": ""}
    if row["assignee"] is not None:
        user = await User.select(User.name, User.login).where(User.id == row["assignee"]).first().run()
        out["assignee"] = (user["name"] or user["login"]) if user else ""
    if row["team"] is not None:
        team = await Team.select(Team.name).where(Team.id == row["team"]).first().run()
        out["team"] = team["name"] if team else ""
    return out


async def request_page(request: Request, request_id: int) -> Template:
    row = await _request(request, request_id)
    title = requests.label(row)
    ctx = await detail_context(request, ServiceRequest, row, title=title, actions=_actions(row),
                               state=(_(requests.STATE_LABELS[row["state"]]), requests.STATE_TONES[row["state"]]),
                               choices={"kind": requests.KIND_LABELS, "priority": requests.PRIORITY_LABELS,
                                        "channel": requests.CHANNEL_LABELS, "state": requests.STATE_LABELS,
                                        "sla_state": sla.SLA_STATE_LABELS})
    currency = "EUR"
    return await detail_page(
        request, TEMPLATE, title=title, breadcrumbs=[(_(REQUESTS.title), PATH), (title, f"{PATH}/{request_id}")],
        **{**ctx, "res": REQUESTS, "record": row, "shown": await displayed(REQUESTS, row, currency),
           "sla": await deadlines(row), "names": await _names(row),
           "labels": requests.STATE_LABELS},
    )


async def technicians() -> list[dict[str, Any]]:
    return await Technician.select(Technician.user.as_alias("id"), Technician.user.name.as_alias("name"),
                                   Technician.team).where(Technician.active == True).order_by(  # noqa: E712
        Technician.user.name).run()


async def _assign_form(request: Request, row: Mapping[str, Any], raw: Mapping[str, Any],
                       errors: Mapping[str, str] | None = None) -> Template:
    title = _("Assign %(request)s", request=row["number"])
    teams = await Team.select(Team.id, Team.name).order_by(Team.name).run()
    url = f"{PATH}/{row['id']}"
    return await page(request, "field_service/request/assign.html", status_code=400 if errors else 200, title=title,
                      breadcrumbs=[(_(REQUESTS.title), PATH), (row["number"], url), (title, f"{url}/assign")],
                      record=row, raw=raw, errors=errors or {}, teams=teams, people=await technicians(), url=url)


async def _close_form(request: Request, row: Mapping[str, Any], raw: Mapping[str, Any], error: str = "") -> Template:
    title = _("Close %(request)s", request=row["number"])
    url = f"{PATH}/{row['id']}"
    return await page(request, "field_service/request/close.html", status_code=400 if error else 200, title=title,
                      breadcrumbs=[(_(REQUESTS.title), PATH), (row["number"], url), (title, f"{url}/close")],
                      record=row, raw=raw, error=error, url=url)


def _id(text: Any) -> int | None:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


async def _act(request: Request, request_id: int, action: Any, done: str) -> Redirect:
    url = f"{PATH}/{request_id}"
    try:
        await action()
    except InvalidValues as exc:
        return redirect_with(request, url, str(exc), "error")
    except FieldServiceError as exc:
        return redirect_with(request, url, str(exc), "error")
    except StaleRecordError:
        return redirect_with(request, url, _("Someone changed this request meanwhile; check it and try again."), "error")
    return redirect_with(request, url, done)


def _query_version(request: Request) -> int | None:
    text = request.query_params.get("version") or ""
    return int(text) if text.isdigit() else None


class RequestController(controller(REQUESTS)):  # type: ignore[misc]
    """The kit's list, export and form, with the request page and its actions."""

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        data = await request.form()
        if data.get("_search"):
            return await crud.save_new(REQUESTS, request)  # the picker's search without JavaScript
        user = signed_in(request)
        values, errors = await validate(REQUESTS.form, data, await request.app.state.registry.get(), user)
        if not errors:
            try:
                row = await requests.create(values)
                return redirect_with(request, f"{PATH}/{row['id']}", _("Request %(number)s received.", number=row["number"]))
            except InvalidValues as exc:
                errors = exc.errors
        return await crud.form_page(REQUESTS, request, record=None, raw=submitted(REQUESTS.form, data),
                                    errors=errors, status_code=400)

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await request_page(request, record_id)

    @get("/{record_id:int}/edit", permission=WRITE)
    async def edit(self, request: Request, record_id: int) -> Template | Redirect:
        row = await _request(request, record_id)
        if row["state"] not in requests.OPEN_STATES:
            return redirect_with(request, f"{PATH}/{record_id}", _("A finished request can no longer change."), "error")
        return await crud.form_page(REQUESTS, request, record=row, raw=initial(REQUESTS.form, row), errors={})

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        row = await _request(request, record_id)
        data = await request.form()
        if data.get("_search"):
            return await crud.save_edit(REQUESTS, request, record_id)
        values, errors = await validate(REQUESTS.form, data, await request.app.state.registry.get(),
                                        signed_in(request), record_id)
        version = posted_version(data) or -1
        if not errors:
            try:
                await requests.update(record_id, values, version=version)
                return redirect_with(request, f"{PATH}/{record_id}", _("Request saved."))
            except StaleRecordError:
                return await crud.form_page(REQUESTS, request, record={**row, "version": version},
                                            raw=submitted(REQUESTS.form, data), errors={}, status_code=409, stale=True)
            except InvalidValues as exc:
                errors = exc.errors
            except FieldServiceError as exc:
                return redirect_with(request, f"{PATH}/{record_id}", str(exc), "error")
        return await crud.form_page(REQUESTS, request, record={**row, "version": version},
                                    raw=submitted(REQUESTS.form, data), errors=errors, status_code=400)

    @get("/{record_id:int}/assign", permission=WRITE)
    async def assign_form(self, request: Request, record_id: int) -> Template:
        row = await _request(request, record_id)
        return await _assign_form(request, row, {"assignee": str(row["assignee"] or ""),
                                                 "team": str(row["team"] or ""), "version": str(row["version"])})

    @post("/{record_id:int}/assign", permission=WRITE, status_code=303)
    async def assign(self, request: Request, record_id: int) -> Template | Redirect:
        row = await _request(request, record_id)
        data = await request.form()
        user, team = _id(data.get("assignee")), _id(data.get("team"))
        people = {p["id"] for p in await technicians()}
        errors = {}
        if user is not None and user not in people:
            errors["assignee"] = _("Choose one of the options.")
        if team is not None and not await Team.exists().where(Team.id == team).run():
            errors["team"] = _("Choose one of the options.")
        if user is None and team is None:
            errors["assignee"] = _("Choose a technician or a team.")
        if errors:
            return await _assign_form(request, row, dict(data), errors)
        return await _act(request, record_id, lambda: requests.assign(
            record_id, user=user, team=team, version=posted_version(data)), _("Request assigned."))

    @post("/{record_id:int}/wait", permission=WRITE, status_code=303)
    async def wait(self, request: Request, record_id: int) -> Redirect:
        await _request(request, record_id)
        state = request.query_params.get("state") or ""
        if state not in PAUSED_STATES:
            raise NotFoundException()
        return await _act(request, record_id, lambda: requests.wait(record_id, state, version=_query_version(request)),
                          _("The SLA clock stops while the request waits."))

    @post("/{record_id:int}/resume", permission=WRITE, status_code=303)
    async def resume(self, request: Request, record_id: int) -> Redirect:
        await _request(request, record_id)
        return await _act(request, record_id, lambda: requests.resume(record_id, version=_query_version(request)),
                          _("The SLA clock runs again; its deadlines moved on by the time waited."))

    @post("/{record_id:int}/work-order", permission=WRITE, status_code=303)
    async def work_order(self, request: Request, record_id: int) -> Redirect:
        await _request(request, record_id)
        try:
            order = await requests.to_work_order(record_id, version=_query_version(request))
        except (FieldServiceError, StaleRecordError) as exc:
            message = str(exc) if isinstance(exc, FieldServiceError) else _(
                "Someone changed this request meanwhile; check it and try again.")
            return redirect_with(request, f"{PATH}/{record_id}", message, "error")
        return redirect_with(request, f"/field-service/work-orders/{order['id']}",
                     _("Work order %(number)s made from the request.", number=order["number"]))

    @post("/{record_id:int}/return", permission=WRITE, status_code=303)
    async def make_return(self, request: Request, record_id: int) -> Redirect:
        from modules.warehouse.services.errors import WarehouseError

        await _request(request, record_id)
        try:
            ret = await requests.to_return(record_id, version=_query_version(request))
        except (FieldServiceError, WarehouseError) as exc:
            return redirect_with(request, f"{PATH}/{record_id}", str(exc), "error")
        except StaleRecordError:
            return redirect_with(request, f"{PATH}/{record_id}",
                         _("Someone changed this request meanwhile; check it and try again."), "error")
        return redirect_with(request, f"{PATH}/{record_id}", _("Return %(number)s made from the request.",
                                                       number=ret["number"]))

    @get("/{record_id:int}/close", permission=WRITE)
    async def close_form(self, request: Request, record_id: int) -> Template:
        row = await _request(request, record_id)
        return await _close_form(request, row, {"version": str(row["version"])})

    @post("/{record_id:int}/close", permission=WRITE, status_code=303)
    async def close(self, request: Request, record_id: int) -> Template | Redirect:
        row = await _request(request, record_id)
        data = await request.form()
        if not str(data.get("reason") or "").strip():
            return await _close_form(request, row, dict(data), _("Say why the request is closed."))
        return await _act(request, record_id, lambda: requests.close(
            record_id, str(data.get("reason")), version=posted_version(data)), _("Request closed."))


async def sla_tile(request: Request) -> Mapping[str, Any]:
    """Open requests by SLA state, as a small bar chart linking to the filtered list."""
    counts = await requests.open_by_sla_state()
    points = [charts.Point(_(sla.SLA_STATE_LABELS[s]), counts[s], f"{PATH}?sla_state={s}") for s in SLA_STATES]
    return {"chart": charts.bar_chart(points if any(counts.values()) else [], title=_("No open requests")),
            "total": sum(counts.values()), "counts": counts, "url": PATH}
