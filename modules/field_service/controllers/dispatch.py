"""The dispatch board (/field-service/dispatch): technicians x days (or hours), unscheduled work
in a side list, and scheduling by drag and drop or, without JavaScript, a form per order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date, format_interval
from jinja2_fragments import render_block
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from core import events
from core.db.records import StaleRecordError
from core.i18n import _, language, locale
from core.web.flash import flash
from core.web.kit.calendar import firm_timezone
from core.web.kit.records import signed_in
from core.web.pages import page, wants_block
from core.web.templating import theme
from modules.field_service.services import dispatch, eligibility
from modules.field_service.services.board_cache import BoardCache
from modules.field_service.services.errors import FieldServiceError, InvalidValues, UnknownWorkOrder

READ, WRITE = "field_service.dispatch.read", "field_service.dispatch.write"
WORK_ORDER_WRITE = "field_service.work_order.write"
PATH = "/field-service/dispatch"
TEMPLATE = "field_service/dispatch/board.html"
TONES = {"breached": "danger", "warning": "warn"}
CSRF_MARK = "\x00csrf\x00"  # the session's token in a cached board, put back per request
CACHE = "field_service.board_cache"  # the app's BoardCache, in its state (one per app and process)


def _number(text: Any) -> int | None:
    text = str(text or "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _state(params: Mapping[str, Any], today: dt.date) -> tuple[str, dt.date, int | None, int]:
    """View, date, team and page of technicians the URL (or a posted form) asks for."""
    view = str(params.get("view") or "week")
    view = view if view in dispatch.VIEWS else "week"
    try:
        date = dt.date.fromisoformat(str(params.get("date") or ""))
    except ValueError:
        date = today
    return view, date, _number(params.get("team")), _number(params.get("page")) or 1


def url(view: str, date: dt.date, team: int | None = None, page: int = 1) -> str:
    params = {"view": view, "date": date.isoformat(), **({"team": str(team)} if team else {}),
              **({"page": str(page)} if page > 1 else {})}
    return f"{PATH}?{urlencode(params)}"


def _nav(view: str, date: dt.date, b: dispatch.Board, today: dt.date) -> dict[str, Any]:
    step = dt.timedelta(days=1 if view == "day" else 7)
    team, page, loc = b.team, b.page, locale()
    if view == "day":
        heading = format_date(date, "full", locale=loc)
    else:
        heading = f"{_('Week %(number)s', number=date.isocalendar().week)} · {format_interval(b.first, b.last, 'yMMMd', locale=loc)}"
    first_lane = (page - 1) * dispatch.LANES + 1
    return {"heading": heading[:1].upper() + heading[1:], "previous": url(view, date - step, team, page),
            "next": url(view, date + step, team, page), "today": url(view, today, team, page),
            "views": [(_("Week"), url("week", date, team, page), view == "week"),
                      (_("Day"), url("day", date, team, page), view == "day")],
            "lanes": _("Technicians %(first)s–%(last)s of %(total)s", first=first_lane,
                       last=first_lane + len(b.lanes) - 1, total=b.lane_total) if b.pages > 1 else "",
            "previous_lanes": url(view, date, team, page - 1) if page > 1 else "",
            "next_lanes": url(view, date, team, page + 1) if page < b.pages else ""}


async def _render(request: Request, params: Mapping[str, Any], *, message: str = "", tone: str = "success",
                  errors: Mapping[str, str] | None = None, slot: Mapping[str, Any] | None = None,
                  status_code: int = 200) -> Template:
    """The board page (or its block for htmx); the board itself comes from the render cache
    when nothing it shows has changed (services/board_cache.py)."""
    user = signed_in(request)
    tz = await firm_timezone()
    today = dt.datetime.now(tz).date()
    view, date, team, lanes_page = _state(params, today)
    registry = await request.app.state.registry.get()
    token = str(ScopeState.from_scope(request.scope).csrf_token or "")
    # A refusal's message and form values, and other modules' eligibility answers (data
    # this module's triggers do not see), are never cached.
    cacheable = (not (message or errors or slot) and bool(token) and str(escape(token)) == token
                 and not await events.subscribers(eligibility.EVENT))
    key = (user.id, user.roles, user.permissions, registry.version, theme.get(), language.get(), str(tz.key), today,
           view, date, team, lanes_page)
    cache = request.app.state.get(CACHE)
    if cache is None:
        cache = request.app.state[CACHE] = BoardCache()
    html, tag = await cache.lookup(key) if cacheable else (None, None)
    if html is None:
        board = await dispatch.board(view, date, registry, user, tz=tz, today=today, team=team, page=lanes_page)
        from modules.field_service.models.technician import Team

        teams = await Team.select(Team.id, Team.name).order_by(Team.name).run()
        html = render_block(
            request.app.template_engine.engine, TEMPLATE, "board_body", request=request, b=board,
            nav=_nav(view, date, board, today), teams=teams, tz_name=str(tz.key),
            plan_day=date if board.first <= today <= board.last else board.first, message=message, tone=tone,
            errors=errors or {}, slot=slot or {}, tones=TONES,
            can_plan=user.can(WRITE) and user.can(WORK_ORDER_WRITE),
            day_url=lambda day: url("day", day, team, board.page), priority_labels=dispatch.PRIORITY_LABELS,
            kind_labels=dispatch.KIND_LABELS)
        if tag is not None:
            cache.store(key, tag, html.replace(token, CSRF_MARK))
    else:
        html = html.replace(CSRF_MARK, token)
    return await page(request, TEMPLATE, block="board", status_code=status_code, title=_("Dispatch board"),
                      board_html=Markup(html))  # noqa: S704 (rendered by the autoescaping environment above)


class DispatchController(Controller):
    path = PATH

    @get("/", permission=READ)
    async def board(self, request: Request) -> Template:
        response = await _render(request, request.query_params)
        if wants_block(request):
            view, date, team, lanes_page = _state(request.query_params, dt.date.today())
            response.headers["HX-Push-Url"] = url(view, date, team, lanes_page)
        return response

    @post("/schedule", permission=WRITE, status_code=303)
    async def schedule(self, request: Request) -> Template | Redirect:
        """Plan a work order on a technician and day (a drop on the board or the side form):
        the work order service's rules, eligibility first; a refusal comes back as a message."""
        user = signed_in(request)
        if not user.can(WORK_ORDER_WRITE):
            raise PermissionDeniedException()
        data = dict(await request.form())
        try:
            slot = dispatch.parse_slot(data)
            saved = await dispatch.schedule(slot, await request.app.state.registry.get(), user, await firm_timezone())
        except UnknownWorkOrder:
            raise NotFoundException() from None
        except InvalidValues as error:
            return await _render(request, data, message=str(error), tone="error", errors=error.errors, slot=data,
                                 status_code=400)
        except StaleRecordError:
            return await _render(request, data, tone="error", status_code=409, message=_(
                "Someone changed this work order meanwhile: the board shows it as it is now. Try again."))
        except FieldServiceError as error:
            return await _render(request, data, message=str(error), tone="error", slot=data, status_code=400)
        message = _("%(order)s planned.", order=saved["number"])
        data["date"] = slot.day.isoformat()  # show the week (or day) it went to
        if wants_block(request):
            return await _render(request, data, message=message)
        flash(request, message)
        view, date, team, lanes_page = _state(data, dt.date.today())
        return Redirect(url(view, date, team, lanes_page), status_code=303)
