"""The start page: what is installed and where to go."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from core.web.pages import page


@get("/", permission="core.home.read")
async def home(request: Request) -> Template:
    registry = await request.app.state.registry.get()
    return await page(request, "core/home.html", modules=registry.manifests)
