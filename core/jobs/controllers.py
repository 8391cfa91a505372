"""Admin pages: job runs (with retry) and schedules (with pause/resume)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from core.i18n import _
from core.jobs import admin, runs, scheduler
from core.web.flash import flash
from core.web.pages import page

PERMISSION = "core.job.admin"


class JobsController(Controller):
    path = "/admin/jobs"

    @get("/", permission=PERMISSION)
    async def index(self, request: Request, run_state: Annotated[str, Parameter(query="state")] = "",
                    module: str = "") -> Template:
        # `state` is a reserved handler argument in Litestar, hence the alias.
        state = run_state if run_state in runs.STATES else ""
        return await page(request, "core/jobs/runs.html", block="rows", title=_("Jobs"),
                          breadcrumbs=[(_("Jobs"), "/admin/jobs")], runs=await runs.listing(state, module),
                          states=runs.STATES, modules=await runs.modules(), state=state, module=module,
                          retryable=runs.RETRYABLE)

    @post("/{run_id:int}/retry", permission=PERMISSION, status_code=303)
    async def retry(self, request: Request, run_id: int) -> Redirect:
        try:
            await admin.retry(run_id)
            flash(request, _("Job run #%(id)s was queued again.") % {"id": run_id})
        except admin.NotRetryable as exc:
            flash(request, str(exc), "error")
        return Redirect("/admin/jobs", status_code=303)

    @get("/schedules", permission=PERMISSION)
    async def schedules(self, request: Request) -> Template:
        return await page(request, "core/jobs/schedules.html", title=_("Schedules"),
                          breadcrumbs=[(_("Jobs"), "/admin/jobs"), (_("Schedules"), "/admin/jobs/schedules")],
                          schedules=await scheduler.listing())

    @post("/schedules/{schedule_id:int}/pause", permission=PERMISSION, status_code=303)
    async def pause(self, request: Request, schedule_id: int) -> Redirect:
        if await scheduler.set_paused(schedule_id, True):
            flash(request, _("The schedule is paused."))
        return Redirect("/admin/jobs/schedules", status_code=303)

    @post("/schedules/{schedule_id:int}/resume", permission=PERMISSION, status_code=303)
    async def resume(self, request: Request, schedule_id: int) -> Redirect:
        if await scheduler.set_paused(schedule_id, False):
            flash(request, _("The schedule runs again."))
        return Redirect("/admin/jobs/schedules", status_code=303)
