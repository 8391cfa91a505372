"""Admin pages for users: list, create, edit (roles, active), reset a password."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.admin.forms import Form, checked, many, see_other, text, user_of, version
from core.auth import users
from core.auth.users import InvalidUser, UserInput
from core.db.records import RecordNotFound, StaleRecordError
from core.i18n import _
from core.web.flash import flash
from core.web.pages import page

PERMISSION = "core.user.admin"


def _crumbs() -> list[tuple[str, str]]:
    return [(_("Users"), "/admin/users")]


def _input(data: dict[str, Any]) -> UserInput:
    return UserInput(name=text(data, "name"), email=text(data, "email"), language=text(data, "language") or "en",
                     roles=tuple(many(data, "roles")), active=checked(data, "active"))


async def _form(request: Request, user: dict[str, Any] | None, values: dict[str, Any], *,
                errors: dict[str, str] | None = None, status_code: int = 200, **extra: Any) -> Template:
    label = user["login"] if user else _("New user")
    return await page(
        request, "core/admin/users/form.html", status_code=status_code, title=label,
        breadcrumbs=[*_crumbs(), (label, request.url.path)], user=user, values=values,
        errors=errors or {}, roles=await users.role_choices(), pw_errors=extra.pop("pw_errors", {}), **extra,
    )


async def _user(user_id: int) -> dict[str, Any]:
    user = await users.get_user(user_id)
    if user is None:
        raise NotFoundException()
    return user


class UsersController(Controller):
    path = "/admin/users"

    @get("/", permission=PERMISSION)
    async def index(self, request: Request, q: str = "") -> Template:
        return await page(request, "core/admin/users/list.html", block="rows", title=_("Users"),
                          breadcrumbs=_crumbs(), rows=await users.list_users(q), q=q)

    @get("/new", permission=PERMISSION)
    async def new(self, request: Request) -> Template:
        return await _form(request, None, {"language": "en", "roles": [], "active": True})

    @post("/", permission=PERMISSION, status_code=303)
    async def create(self, request: Request, data: Form) -> Template | Redirect:
        values = {**data, "roles": many(data, "roles"), "active": True}
        try:
            row = await users.add_user(text(data, "login"), _input({**data, "active": "1"}),
                                       str(data.get("password", "")), str(data.get("confirm", "")))
        except InvalidUser as exc:
            return await _form(request, None, values, errors=exc.errors, status_code=400)
        flash(request, _("User %(login)s was created.", login=row["login"]))
        return see_other(f"/admin/users/{row['id']}")

    @get("/{user_id:int}", permission=PERMISSION)
    async def edit(self, request: Request, user_id: int) -> Template:
        user = await _user(user_id)
        return await _form(request, user, user)

    @post("/{user_id:int}", permission=PERMISSION, status_code=303)
    async def save(self, request: Request, user_id: int, data: Form) -> Template | Redirect:
        user = await _user(user_id)
        values = {**user, **data, "roles": many(data, "roles"), "active": checked(data, "active")}
        try:
            await users.edit_user(user_of(request).id, user_id, _input(data), version=version(data))
        except InvalidUser as exc:
            return await _form(request, user, values, errors=exc.errors, status_code=400)
        except (StaleRecordError, RecordNotFound) as exc:
            return await _form(request, user, values, errors={"_form": str(exc)}, status_code=409)
        flash(request, _("User %(login)s was saved.", login=user["login"]))
        return see_other(f"/admin/users/{user_id}")

    @post("/{user_id:int}/password", permission=PERMISSION, status_code=303)
    async def reset_password(self, request: Request, user_id: int, data: Form) -> Template | Redirect:
        user = await _user(user_id)
        try:
            await users.reset_password(user_id, str(data.get("new", "")), str(data.get("confirm", "")),
                                       version=version(data))
        except InvalidUser as exc:
            return await _form(request, user, user, pw_errors=exc.errors, status_code=400)
        except StaleRecordError as exc:
            return await _form(request, user, user, pw_errors={"_form": str(exc)}, status_code=409)
        flash(request, _("The password of %(login)s was changed.", login=user["login"]))
        return see_other(f"/admin/users/{user_id}")
