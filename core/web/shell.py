"""What every page's frame shows: menus the user may open, the user, flashes, company."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import pass_context
from litestar import Request

from core.auth.current import CurrentUser, current_user
from core.modules.manifest import Menu
from core.web.flash import pop_flashes

SCOPE_KEY = "steward_shell"


@dataclass(frozen=True)
class Shell:
    user: CurrentUser | None
    top: list[Menu]
    side: list[Menu]
    active: Menu | None
    flashes: list[tuple[str, str]]
    company: str
    csrf_header: str


def _active(menus: list[Menu], path: str) -> Menu | None:
    matches = [m for m in menus if path == m.route or (m.route != "/" and path.startswith(m.route.rstrip("/") + "/"))]
    return max(matches, key=lambda m: len(m.route), default=None)


def build(request: Request) -> Shell:
    if SCOPE_KEY in request.scope:
        return request.scope[SCOPE_KEY]  # type: ignore[literal-required]
    user = current_user(request)
    live = request.app.state.registry
    menus = [m for m in live.current.menus if user and user.can(m.permission)] if live.current else []
    active = _active(menus, request.url.path)
    top_label = (active.parent or active.label) if active else None
    shell = Shell(
        user=user,
        top=[m for m in menus if m.parent is None],
        side=[m for m in menus if top_label and m.parent == top_label],
        active=active,
        flashes=pop_flashes(request) if "steward_session" in request.scope else [],
        company=live.company_name,
        csrf_header="",
    )
    request.scope[SCOPE_KEY] = shell  # type: ignore[literal-required]
    return shell


@pass_context
def shell(context: Any) -> Shell:
    return build(context["request"])
