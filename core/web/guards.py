"""The one app-wide guard: module installed, then signed in, then permitted.

Deny by default: a route must declare `permission="<module>.<concept>.<action>"`
(or `permission="signed-in"`, or `public=True`); `check_declared` refuses to
start an app with a route that declares neither.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from core.auth.current import resolve
from core.db.context import current_user_id
from core.i18n import language


class UndeclaredPermission(Exception):
    """A route handler declares neither `permission=...` nor `public=True`."""


def check_declared(handler: BaseRouteHandler, module: str) -> None:
    opt = handler.opt
    if not opt.get("permission") and not opt.get("public"):
        raise UndeclaredPermission(
            f"module '{module}': route {handler.handler_name} ({', '.join(sorted(handler.paths))}) "
            "declares no permission (add permission='<module>.<concept>.<action>' or public=True)"
        )


async def access_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if handler.opt.get("probe"):  # /livez: answers without database or session
        return
    module = handler.opt.get("module", "core")
    registry = await connection.app.state.registry.get()
    if not registry.is_installed(module):
        raise NotFoundException()
    user = await resolve(connection)
    language.set(user.language if user else connection.app.state.settings.web.language)
    current_user_id.set(user.id if user else None)
    if handler.opt.get("public"):
        return
    if user is None:
        raise NotAuthorizedException("sign in first")
    if not user.can(handler.opt["permission"]):
        raise PermissionDeniedException(f"you lack the permission {handler.opt['permission']}")
