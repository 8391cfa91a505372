"""The Apps page: every module of the catalog; install, upgrade and uninstall with
the same plan and confirmation as `steward modules ...`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.admin.app_list import AppRow, app_row, app_rows
from core.admin.forms import Form, checked, many, see_other
from core.db import migrations
from core.i18n import _
from core.modules import lifecycle
from core.modules.errors import ModuleDependencyError, ModuleError, ModuleNotFound, ModuleStateError
from core.modules.lifecycle import Plan
from core.web.flash import flash
from core.web.pages import page

PERMISSION = "core.module.admin"
ACTIONS = {"install": "Install", "upgrade": "Upgrade", "uninstall": "Uninstall"}
DONE = {"install": "Installed: %(modules)s.", "upgrade": "Upgraded: %(modules)s.",
        "uninstall": "Uninstalled: %(modules)s."}


class PlanChanged(ModuleError):
    """The plan differs from the one the user confirmed (another change happened meanwhile)."""


async def _row(request: Request, name: str) -> AppRow:
    try:
        return await app_row(request.app.state.catalog, name)
    except ModuleNotFound:
        raise NotFoundException() from None


async def _plan(request: Request, row: AppRow, action: str, cascade: bool) -> tuple[Plan | None, str]:
    """The plan of `action`, and the refusal message when dependents block an uninstall
    without cascade (the plan is then the cascading one, to show what it would take)."""
    catalog = request.app.state.catalog
    if action == "install":
        return await lifecycle.plan_install(catalog, [row.name]), ""
    if action == "upgrade":
        if not row.installed:
            raise ModuleStateError(f"module '{row.name}' is not installed (state: {row.state})")
        return Plan("upgrade", (row.name,), (row.name,)), ""
    try:
        return await lifecycle.plan_uninstall(catalog, [row.name], cascade=cascade), ""
    except ModuleDependencyError as exc:
        return await lifecycle.plan_uninstall(catalog, [row.name], cascade=True), str(exc)


async def _confirm_page(request: Request, row: AppRow, action: str, *, cascade: bool = False,
                        status_code: int = 200, **extra: Any) -> Template:
    plan, refusal = None, ""
    try:
        plan, refusal = await _plan(request, row, action, cascade)
    except ModuleError as exc:
        extra.setdefault("error", str(exc))
    pending = await migrations.pending(row.name) if action == "upgrade" else 0
    ctx: dict[str, Any] = {"error": "", "errors": {}, **extra}
    return await page(
        request, "core/admin/apps/confirm.html", block="plan", status_code=status_code,
        title=f"{_(ACTIONS[action])} {row.name}",
        breadcrumbs=[(_("Apps"), "/admin/apps"), (f"{_(ACTIONS[action])} {row.name}", request.url.path)],
        row=row, action=action, plan=plan, refusal=refusal, cascade=cascade, pending=pending, **ctx,
    )


class AppsController(Controller):
    path = "/admin/apps"

    @get("/", permission=PERMISSION)
    async def index(self, request: Request, q: str = "") -> Template:
        state = request.query_params.get("state", "")  # `state` is a reserved handler kwarg
        rows = await app_rows(request.app.state.catalog, q=q, state=state)
        return await page(request, "core/admin/apps/list.html", block="rows", title=_("Apps"),
                          breadcrumbs=[(_("Apps"), "/admin/apps")], rows=rows, q=q, state=state)

    @get("/{name:str}/{action:str}", permission=PERMISSION)
    async def confirm(self, request: Request, name: str, action: str) -> Template:
        if action not in ACTIONS:
            raise NotFoundException()
        return await _confirm_page(request, await _row(request, name), action)

    @post("/{name:str}/{action:str}", permission=PERMISSION, status_code=303)
    async def carry_out(self, request: Request, name: str, action: str, data: Form) -> Template | Redirect:
        if action not in ACTIONS:
            raise NotFoundException()
        row = await _row(request, name)
        cascade = checked(data, "cascade")
        if action == "uninstall" and not checked(data, "confirm"):
            return await _confirm_page(request, row, action, cascade=cascade, status_code=400,
                                       errors={"confirm": _("Tick this box to confirm that the data will be lost.")})
        try:
            done = await _carry_out(request, row, action, cascade, many(data, "modules"))
        except ModuleError as exc:  # PlanChanged included
            return await _confirm_page(request, row, action, cascade=cascade, status_code=409, error=str(exc))
        request.app.state.registry.invalidate()
        flash(request, _(DONE[action], modules=", ".join(done.modules) or name))
        return see_other("/admin/apps")


async def _carry_out(request: Request, row: AppRow, action: str, cascade: bool, confirmed: list[str]) -> Plan:
    catalog = request.app.state.catalog
    if action == "upgrade":
        return await lifecycle.upgrade(catalog, [row.name])
    plan = (await lifecycle.plan_install(catalog, [row.name]) if action == "install"
            else await lifecycle.plan_uninstall(catalog, [row.name], cascade=cascade))
    if confirmed and list(plan.modules) != confirmed:
        raise PlanChanged(_("The plan changed since it was shown (now: %(modules)s); review it and confirm again.",
                            modules=", ".join(plan.modules) or "-"))
    if action == "install":
        return await lifecycle.install(catalog, [row.name])
    return await lifecycle.uninstall(catalog, plan)
