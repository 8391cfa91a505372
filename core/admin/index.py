"""The Settings area's start page: the admin pages this user may open."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from core.admin.forms import registry_of, user_of
from core.i18n import _
from core.web.pages import page

TOP = "Settings"


@get("/admin", permission="core.admin.read")
async def admin_index(request: Request) -> Template:
    user = user_of(request)
    registry = await registry_of(request)
    entries = [m for m in registry.menus if m.parent == TOP and user.can(m.permission)]
    return await page(request, "core/admin/index.html", title=_("Settings"),
                      breadcrumbs=[(_("Settings"), "/admin")], entries=entries)
