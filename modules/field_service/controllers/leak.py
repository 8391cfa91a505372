"""The lost-revenue page: open findings with their value, totals per kind, a link to the
fix, and "Run now"."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from core.auth.current import current_user
from core.i18n import _, ngettext
from core.web.flash import flash
from core.web.pages import page
from modules.field_service.models.leak import KINDS
from modules.field_service.services import leak

PATH = "/field-service/leaks"
READ, RUN = "field_service.leak.read", "field_service.leak.run"
BILL = "field_service.work_order.price"  # the work order's "Create invoice" action


class LeakController(Controller):
    path = PATH

    @get("/", permission=READ)
    async def index(self, request: Request) -> Template:
        params = request.query_params
        resolved = params.get("view") == "resolved"
        kind = str(params.get("kind") or "")
        found = await leak.overview(resolved=resolved, kind=kind if kind in KINDS else "")
        user = current_user(request)
        assert user is not None  # the guard signed them in
        return await page(request, "field_service/leak/list.html", title=_("Lost revenue"),
                          breadcrumbs=[(_("Lost revenue"), PATH)], found=found, resolved=resolved,
                          kind=kind, labels=leak.KIND_LABELS, url=PATH, can_run=user.can(RUN),
                          can_bill=user.can(BILL))

    @post("/run", permission=RUN, status_code=303)
    async def run(self, request: Request) -> Redirect:
        summary = await leak.run()
        flash(request, ngettext("%(n)s finding open (%(new)s new, %(resolved)s resolved).",
                                "%(n)s findings open (%(new)s new, %(resolved)s resolved).", summary.found,
                                new=summary.new, resolved=summary.resolved))
        return Redirect(PATH, status_code=303)
