"""Rendering a page (or, for htmx, one of its blocks) with the shell around it."""

from __future__ import annotations

from typing import Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request
from litestar.response import Template


def wants_block(request: Request) -> bool:
    """Whether htmx asks for a part of the page (so `page(..., block=...)` renders only
    that block). A history restore (back button after hx-push-url) needs the whole page."""
    headers = request.headers
    return bool(headers.get("hx-request")) and not (
        headers.get("hx-boosted") or headers.get("hx-history-restore-request"))


async def page(
    request: Request,
    template: str,
    *,
    block: str | None = None,
    status_code: int = 200,
    breadcrumbs: list[tuple[str, str]] | None = None,
    title: str = "",
    **context: Any,
) -> Template:
    """Render `template`; when htmx asks and `block` is given, only that block."""
    ctx = {"breadcrumbs": breadcrumbs or [], "title": title, **context}
    if block and wants_block(request):
        return HTMXBlockTemplate(template_name=template, block_name=block, context=ctx,
                                 status_code=status_code)
    return Template(template_name=template, context=ctx, status_code=status_code)
