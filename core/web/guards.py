"""App-wide guards: a route answers only if its module is installed and it declares access."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler


class UndeclaredPermission(Exception):
    """A route handler declares neither `permission=...` nor `public=True`."""


def check_declared(handler: BaseRouteHandler, module: str) -> None:
    opt = handler.opt
    if not opt.get("permission") and not opt.get("public"):
        raise UndeclaredPermission(
            f"module '{module}': route {handler.handler_name} ({', '.join(sorted(handler.paths))}) "
            "declares no permission (add permission='<module>.<concept>.<action>' or public=True)"
        )


async def installed_module_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    module = handler.opt.get("module", "core")
    registry = await connection.app.state.registry.get()
    if not registry.is_installed(module):
        raise NotFoundException()
