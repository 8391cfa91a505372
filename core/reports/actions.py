"""Print buttons on record pages: one per installed report bound to the record's table."""

from __future__ import annotations

from typing import Any

from litestar import Request
from piccolo.table import Table

from core.auth.current import current_user
from core.i18n import _
from core.reports.lookup import report_actions


async def print_actions(request: Request, table: type[Table], record: dict[str, Any]) -> list[Any]:
    """Detail-page actions (`core.web.kit.detail.Action`) linking to each report's PDF."""
    from core.web.kit.detail import Action  # the kit imports this module, not the other way round

    user = current_user(request)
    if user is None:
        return []
    registry = await request.app.state.registry.get()
    return [
        Action(label=_("Print %(report)s", report=_(a.label)), url=a.url)
        for a in report_actions(registry, table._meta.tablename, int(record["id"]), user)
    ]
