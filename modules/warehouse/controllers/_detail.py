"""A kit detail page whose title is built from the record (for tables without a name column)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.response import Template

from core.i18n import _
from core.web.kit.detail import detail_context, detail_page
from core.web.kit.records import signed_in
from core.web.kit.resource import Resource, company_currency, displayed, fetch

Title = Callable[[Mapping[str, Any]], Awaitable[str]]


async def titled_detail(res: Resource, request: Request, record_id: int, title_of: Title) -> Template:
    """The kit's detail page (Edit action, tabs, history) titled by `title_of(record)`."""
    user = signed_in(request)
    record = await fetch(res, record_id, await request.app.state.registry.get(), user)
    if record is None:
        raise NotFoundException()
    title = await title_of(record)
    url = f"{res.path}/{record_id}"
    actions = [(_("Edit"), f"{url}/edit")] if user.can(res.write) else []
    ctx = await detail_context(request, res.table, record, title=title, actions=actions, slot_target=res.slot_target,
                               choices=res.choices)
    extra = await res.detail_extra(request, record) if res.detail_extra else {}
    currency = await company_currency()
    return await detail_page(
        request, res.detail_template, title=title, breadcrumbs=[(_(res.title), res.path), (title, url)],
        **{**ctx, "res": res, "record": record, "shown": await displayed(res, record, currency),
           "currency": currency, "can_write": user.can(res.write), **extra})
