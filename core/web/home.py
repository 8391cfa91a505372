"""The start page: the dashboard tiles the user may see."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from core.auth.current import current_user
from core.web.pages import page


@get("/", permission="core.home.read")
async def home(request: Request) -> Template:
    registry = await request.app.state.registry.get()
    user = current_user(request)
    assert user is not None
    tiles = []
    for widget in registry.widgets:
        if user.can(widget.permission):
            context = await widget.context(request) if widget.context else {}
            tiles.append((widget, context))
    return await page(request, "core/home.html", tiles=tiles, modules=registry.manifests)
