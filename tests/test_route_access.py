"""Deny by default, checked over every registered route of every installed module.

A signed-in user without any permission, and a signed-out visitor, must get
403/404 (or the sign-in redirect) on every page, fragment, export and API
route; only routes declared public answer them.
"""

from __future__ import annotations

import re

import pytest
from litestar.handlers.http_handlers import HTTPRouteHandler

from core.app import create_app
from core.modules import lifecycle
from core.testing import app_client, csrf_token, make_user, sign_in

PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def concrete(path: str) -> str:
    """Fill path parameters with plausible values (id 1, a real table name)."""

    def fill(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2) or "str"
        if kind == "int" or name.endswith("id"):
            return "1"
        if name == "table":
            return "core_partner"
        if kind == "path":
            return "x"
        return "1"

    return PARAM.sub(fill, path)


def routes(app) -> list[tuple[str, str, HTTPRouteHandler, bool]]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler) or handler.handler_name == "options_handler":
                continue
            if handler.opt.get("public") or route.path.startswith("/static"):
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((method, concrete(route.path), handler, bool(PARAM.search(route.path))))
    return found


@pytest.fixture
async def app(core_db: str, catalog, settings_for):
    extra = [n for n in catalog.names() if n != "core"]
    if extra:
        await lifecycle.install(catalog, extra)
    return create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)


async def test_a_user_without_permissions_is_refused_everywhere(app) -> None:
    await make_user("nobody", permissions=("nothing.at.all",))
    allowed = []
    async with app_client(app) as client:
        await sign_in(client, "nobody")
        token = csrf_token(client)
        for method, path, handler, over_records in routes(app):
            if handler.opt.get("permission") == "signed-in" and not over_records:
                continue  # the user's own account pages; routes over records are checked
            response = await client.request(method, path, headers={"x-csrftoken": token, "accept": "text/html"})
            if response.status_code not in (403, 404):
                allowed.append(f"{method} {path} -> {response.status_code}")
    assert allowed == []


async def test_a_signed_out_visitor_is_refused_everywhere(app) -> None:
    leaks = []
    async with app_client(app) as client:
        await client.get("/login")
        token = csrf_token(client)
        for method, path, _handler, _ in routes(app):
            response = await client.request(method, path, headers={"x-csrftoken": token})
            if response.status_code not in (401, 403, 404):
                leaks.append(f"{method} {path} -> {response.status_code}")
    assert leaks == []


async def test_every_page_and_its_htmx_fragment_render_for_an_admin(app) -> None:
    """Every GET route without parameters, as a whole page and as the block htmx asks
    for (a list's rows, a board), answers without a server error: a module template that
    extends a kit page keeps the kit's blocks reachable."""
    await make_user("root", roles=("admin",))
    broken = []
    async with app_client(app) as client:
        await sign_in(client, "root")
        for method, path, _handler, over_records in routes(app):
            if method != "GET" or over_records:
                continue
            for headers in ({"accept": "text/html"}, {"accept": "text/html", "hx-request": "true"}):
                response = await client.get(path, headers=headers)
                if response.status_code >= 500:
                    broken.append(f"GET {path} {'(htmx) ' if 'hx-request' in headers else ''}-> {response.status_code}")
    assert broken == []
