"""Admin pages for roles: list, create, and the grants editor."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.admin import grants
from core.admin.forms import Form, many, registry_of, see_other, text, version
from core.admin.grants import InvalidRole
from core.db.records import RecordNotFound, StaleRecordError
from core.i18n import _
from core.web.flash import flash
from core.web.pages import page

PERMISSION = "core.user.admin"


def _crumbs() -> list[tuple[str, str]]:
    return [(_("Roles"), "/admin/roles")]


async def _editor(request: Request, role: dict[str, Any], *, checked: set[str] | None = None, label: str | None = None,
                  errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    groups = grants.permission_groups(await registry_of(request))
    declared = {p.name for g in groups for p in g.permissions}
    return await page(
        request, "core/admin/roles/edit.html", status_code=status_code, title=role["label"] or role["name"],
        breadcrumbs=[*_crumbs(), (role["label"] or role["name"], request.url.path)],
        role=role, groups=groups, errors=errors or {},
        checked=set(role["grants"]) if checked is None else checked,
        label=role["label"] if label is None else label,
        others=sorted(p for p in role["grants"] if p not in declared and p != grants.ALL),
    )


async def _role(role_id: int) -> dict[str, Any]:
    role = await grants.get_role(role_id)
    if role is None:
        raise NotFoundException()
    return role


class RolesController(Controller):
    path = "/admin/roles"

    @get("/", permission=PERMISSION)
    async def index(self, request: Request) -> Template:
        return await page(request, "core/admin/roles/list.html", title=_("Roles"), breadcrumbs=_crumbs(),
                          rows=await grants.role_rows(), values={}, errors={})

    @post("/", permission=PERMISSION, status_code=303)
    async def create(self, request: Request, data: Form) -> Template | Redirect:
        try:
            role = await grants.create_role(text(data, "name"), text(data, "label"))
        except InvalidRole as exc:
            return await page(request, "core/admin/roles/list.html", status_code=400, title=_("Roles"),
                              breadcrumbs=_crumbs(), rows=await grants.role_rows(), values=data, errors=exc.errors)
        flash(request, _("Role %(name)s was created; tick the permissions it grants.", name=role["name"]))
        return see_other(f"/admin/roles/{role['id']}")

    @get("/{role_id:int}", permission=PERMISSION)
    async def edit(self, request: Request, role_id: int) -> Template:
        return await _editor(request, await _role(role_id))

    @post("/{role_id:int}", permission=PERMISSION, status_code=303)
    async def save(self, request: Request, role_id: int, data: Form) -> Template | Redirect:
        role = await _role(role_id)
        groups = grants.permission_groups(await registry_of(request))
        editable = {p.name for g in groups for p in g.permissions}
        granted = set(many(data, "grants"))
        try:
            await grants.save_role(role_id, text(data, "label"), granted, editable, version=version(data))
        except InvalidRole as exc:
            return await _editor(request, role, checked=granted, label=text(data, "label"), errors=exc.errors,
                                 status_code=400)
        except (StaleRecordError, RecordNotFound) as exc:
            return await _editor(request, role, checked=granted, label=text(data, "label"),
                                 errors={"_form": str(exc)}, status_code=409)
        flash(request, _("Role %(name)s was saved.", name=role["name"]))
        return see_other(f"/admin/roles/{role_id}")
