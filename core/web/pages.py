"""Rendering a page (or, for htmx, one of its blocks) with the shell around it."""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment
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
        engine = request.app.template_engine
        assert engine is not None  # the app is created with one (core/app.py)
        owner = block_owner(engine.engine, template, block)
        return HTMXBlockTemplate(template_name=owner, block_name=block, context=ctx,
                                 status_code=status_code)
    return Template(template_name=template, context=ctx, status_code=status_code)


_EXTENDS = re.compile(r"""\{%-?\s*extends\s+["']([^"']+)["']""")


def block_owner(env: Environment, template: str, block: str) -> str:
    """The template that defines `block` for `template`: itself, or the nearest template it
    extends (a module's list page that only adds to the kit's list inherits its rows
    block, which jinja2-fragments looks for in the named template alone). A block nested
    inside the inherited one is rendered as that ancestor defines it."""
    name = template
    for _ in range(8):  # inheritance chains are short; a loop in them is the loader's to report
        if block in env.get_template(name).blocks or env.loader is None:
            return name
        found = _EXTENDS.search(env.loader.get_source(env, name)[0])
        if found is None:
            return template
        name = found[1]
    return template
