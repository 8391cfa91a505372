"""Rendering a page with the shell's context (menus, registry, settings)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template


async def page(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Template:
    registry = await request.app.state.registry.get()
    settings = request.app.state.settings
    return Template(
        template_name=template,
        context={
            "registry": registry,
            "menus": registry.menus,
            "settings": settings,
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
