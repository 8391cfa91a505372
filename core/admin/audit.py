"""The audit log browser: who changed which field of which record, when."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from core.admin import audit_log
from core.admin.company import get_company
from core.admin.forms import registry_of
from core.i18n import _
from core.web.pages import page

PERMISSION = "core.audit.read"
FILTERS = ("table", "user", "action", "date_from", "date_to", "record", "q")


class AuditController(Controller):
    path = "/admin/audit"

    @get("/", permission=PERMISSION)
    async def index(self, request: Request, before: int | None = None, after: int | None = None) -> Template:
        params = {k: request.query_params.get(k, "") for k in FILTERS}
        flt, errors = audit_log.parse_filter(params)
        tz = (await get_company())["timezone"]
        result = await audit_log.browse(flt, before=before, after=after, tz=tz)
        registry = await registry_of(request)
        return await page(
            request, "core/admin/audit/list.html", block="rows", title=_("Audit log"),
            breadcrumbs=[(_("Audit log"), "/admin/audit")], result=result, params=params, errors=errors,
            tables=sorted(t for m in registry.manifests for t in m.table_names), tz=tz,
            users=await audit_log.user_choices(), actions=audit_log.ACTIONS,
            query={k: v for k, v in params.items() if v},
        )
