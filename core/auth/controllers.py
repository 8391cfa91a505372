"""Sign in, sign out, and the user's own account (password, language, theme)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from core.auth import account
from core.auth.current import SIGNED_IN, current_user
from core.auth.login import LoginRefused, authenticate
from core.auth.sessions import session_of
from core.i18n import _
from core.web.flash import flash
from core.web.pages import page
from core.web.return_to import back_to, safe_next

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class AuthController(Controller):
    path = "/"

    @get("/login", public=True)
    async def login_form(self, request: Request, next: str = "/") -> Template:
        return await page(request, "core/auth/login.html", next=safe_next(next), login="", error="")

    @post("/login", public=True, status_code=303)
    async def login(self, request: Request, data: Form) -> Template | Redirect:
        login, target = str(data.get("login", "")), safe_next(data.get("next"))
        try:
            user_id, epoch = await authenticate(login, str(data.get("password", "")), client_ip(request))
        except LoginRefused as exc:
            return await page(request, "core/auth/login.html", status_code=400, next=target,
                              login=login, error=str(exc))
        session_of(request.scope).login(user_id, epoch)
        return Redirect(target, status_code=303)

    @post("/logout", permission=SIGNED_IN, status_code=303)
    async def logout(self, request: Request) -> Redirect:
        session_of(request.scope).logout()
        return Redirect("/login", status_code=303)

    @get("/account", permission=SIGNED_IN)
    async def account_page(self, request: Request) -> Template:
        return await page(request, "core/auth/account.html", errors={},
                          breadcrumbs=[(_("My account"), "/account")])

    @post("/account/password", permission=SIGNED_IN, status_code=303)
    async def change_password(self, request: Request, data: Form) -> Template | Redirect:
        user = current_user(request)
        assert user is not None
        errors = await account.change_password(
            user.id, str(data.get("current", "")), str(data.get("new", "")), str(data.get("confirm", ""))
        )
        if errors:
            return await page(request, "core/auth/account.html", status_code=400, errors=errors,
                              breadcrumbs=[(_("My account"), "/account")])
        # Other sessions of this user are over; this one goes on under a new id.
        session_of(request.scope).login(user.id, await account.session_epoch(user.id))
        flash(request, _("Your password was changed."))
        return Redirect("/account", status_code=303)

    @post("/account/preferences", permission=SIGNED_IN, status_code=303)
    async def preferences(self, request: Request, data: Form) -> Redirect:
        user = current_user(request)
        assert user is not None
        await account.set_preferences(user.id, language=data.get("language"), theme=data.get("theme"))
        return Redirect(safe_next(back_to(request, data.get("next"))), status_code=303)
