"""Technicians (skills, working days and hours, team, van), teams and absences: kit pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from core.auth.models import User
from core.db.search import contains
from core.i18n import _
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from core.web.kit.detail import detail_context, detail_page
from core.web.kit.records import signed_in
from core.web.kit.resource import company_currency, displayed, fetch
from core.web.pages import page
from modules.field_service.models.technician import Absence, Team, Technician
from modules.field_service.services import technician as technicians
from modules.warehouse.models.location import Location

READ, WRITE = "field_service.technician.read", "field_service.technician.write"
TEAM_READ, TEAM_WRITE = "field_service.team.read", "field_service.team.write"
ABSENCE_READ, ABSENCE_WRITE = "field_service.absence.read", "field_service.absence.write"
PATH, TEAM_PATH, ABSENCE_PATH = "/field-service/technicians", "/field-service/teams", "/field-service/absences"

USERS = Many2one(User, f"{PATH}/users", where=lambda: User.active == True)  # noqa: E712
TEAMS = Many2one(Team, f"{TEAM_PATH}/options")
VANS = Many2one(Location, "/warehouse/locations/options", label="full_name",
                where=lambda: (Location.kind == "van") & (Location.active == True))  # noqa: E712
ZERO = Decimal(0)


async def _technician_extra(request: Request, record: Mapping[str, Any]) -> Mapping[str, Any]:
    today = dt.date.today()
    away = await technicians.absences([record["user"]], today - dt.timedelta(days=30), today + dt.timedelta(days=365))
    return {"absences": away.get(record["user"], [])}


async def _team_extra(request: Request, record: Mapping[str, Any]) -> Mapping[str, Any]:
    members = await Technician.select(Technician.id, Technician.user.name.as_alias("name"), Technician.skills,
                                      Technician.active).where(Technician.team == record["id"]).run()
    return {"members": sorted(members, key=lambda m: (m["name"] or "").lower())}


TECHNICIANS = Resource(
    path=PATH, table=Technician, title="Technicians", singular="Technician", label="id",
    list=ListSpec(
        table=Technician,
        columns=(
            Column("user_name", "Technician", "link", source=Technician.user.name),
            Column("team_name", "Team", source=Technician.team.name),
            Column("skills", "Skills"),
            Column("weekdays", "Working days"),
            Column("day_start", "From"),
            Column("day_end", "Until"),
            Column("active", "Active", "bool"),
        ),
        search=("user.name", "user.login", "skills"),
        filters=(Filter("team", "Team", "many2one", table=Team), Filter("active", "Active", "bool", default="yes")),
        sort="user_name",
    ),
    form=Form(
        table=Technician,
        fields=(
            Field("user", "User", "many2one", required=True, unique=True, many2one=USERS,
                  help="The user account the technician signs in with."),
            Field("team", "Team", "many2one", many2one=TEAMS),
            Field("skills", "Skills", help="Comma separated, e.g. espresso, grinder, water treatment."),
            Field("weekdays", "Working days", required=True, default="12345",
                  help="Digits of the days worked: 1 Monday ... 7 Sunday, e.g. 12345."),
            Field("day_start", "Day starts", required=True, default="08:00", help="HH:MM"),
            Field("day_end", "Day ends", required=True, default="17:00", help="HH:MM"),
            Field("van", "Van", "many2one", many2one=VANS, help="The van stock parts are taken from."),
            Field("hourly_cost", "Hourly cost", "money", min=ZERO, default=ZERO),
            Field("active", "Active", "bool", default=True),
        ),
        rules=(technicians.check_profile,),
        sections=(("Technician", ("user", "team", "skills", "active")),
                  ("Working time", ("weekdays", "day_start", "day_end")), ("Van and cost", ("van", "hourly_cost"))),
    ),
    read=READ, write=WRITE, detail_template="field_service/technician/detail.html",
    detail_extra=_technician_extra, new_title="New technician",
)

TEAMS_RES = Resource(
    path=TEAM_PATH, table=Team, title="Teams", singular="Team",
    list=ListSpec(
        table=Team,
        columns=(Column("name", "Name", "link"), Column("manager_name", "Manager", source=Team.manager.name)),
        search=("name",), sort="name",
    ),
    form=Form(table=Team, fields=(
        Field("name", "Name", required=True, unique=True),
        Field("manager", "Manager", "many2one", many2one=USERS),
    )),
    read=TEAM_READ, write=TEAM_WRITE, detail_template="field_service/technician/team.html", detail_extra=_team_extra,
    new_title="New team",
)

ABSENCES = Resource(
    path=ABSENCE_PATH, table=Absence, title="Absences", singular="Absence", label="reason",
    list=ListSpec(
        table=Absence,
        columns=(
            Column("user_name", "Technician", "link", source=Absence.user.name),
            Column("start_date", "From", "date"),
            Column("end_date", "Until", "date"),
            Column("reason", "Reason"),
        ),
        search=("user.name", "reason"),
        filters=(Filter("user", "Technician", "many2one", table=User),),
        sort="start_date", dir="desc",
    ),
    form=Form(table=Absence, fields=(
        Field("user", "Technician", "many2one", required=True, many2one=USERS),
        Field("start_date", "First day", "date", required=True),
        Field("end_date", "Last day", "date", required=True),
        Field("reason", "Reason", help="Holiday, sick, training ..."),
    ), rules=(technicians.check_absence,)),
    read=ABSENCE_READ, write=ABSENCE_WRITE, detail_template="field_service/technician/absence.html",
    new_title="New absence",
)


async def _user_name(user: int) -> str:
    row = await User.select(User.name, User.login).where(User.id == user).first().run()
    return str(row["name"] or row["login"]) if row else ""


async def titled(res: Resource, request: Request, record_id: int) -> Template:
    """The kit's detail page, titled by the technician's name (the table has no name column)."""
    user = signed_in(request)
    record = await fetch(res, record_id, await request.app.state.registry.get(), user)
    if record is None:
        raise NotFoundException()
    name = await _user_name(record["user"])
    heading = name
    url = f"{res.path}/{record_id}"
    actions = [(_("Edit"), f"{url}/edit")] if user.can(res.write) else []
    ctx = await detail_context(request, res.table, record, title=heading, actions=actions, choices=res.choices)
    currency = await company_currency()
    extra = await res.detail_extra(request, record) if res.detail_extra else {}
    return await detail_page(
        request, res.detail_template, title=heading, breadcrumbs=[(_(res.title), res.path), (heading, url)],
        **{**ctx, "res": res, "record": record, "shown": await displayed(res, record, currency),
           "currency": currency, "name": name, **extra})


async def user_options(request: Request) -> Template:
    """Active users matching `q`, for the user pickers."""
    q = str(request.query_params.get("q") or request.query_params.get("_q_user") or "").strip()[:100]
    query = User.select(User.id, User.name, User.login).where(User.active == True)  # noqa: E712
    if q:
        query = query.where(contains(User.name, q) | contains(User.login, q))
    rows = await query.order_by(User.name).limit(20).run()
    return await page(request, "core/kit/_options.html",
                      options=[(str(r["id"]), r["name"] or r["login"]) for r in rows], blank=True,
                      select_first=bool(q))


class TechnicianController(controller(TECHNICIANS)):  # type: ignore[misc]
    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await titled(TECHNICIANS, request, record_id)

    @get("/users", permission=READ)
    async def users(self, request: Request) -> Template:
        return await user_options(request)


TeamController = controller(TEAMS_RES)


class AbsenceController(controller(ABSENCES)):  # type: ignore[misc]
    @get("/{record_id:int}", permission=ABSENCE_READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await titled(ABSENCES, request, record_id)
