"""The OpenAPI schema of the JSON API, at `/api/schema` (JSON).

Only routes that opt in appear: the app sets `include_in_schema=False`, and
`ApiResource` controllers set it back to True, so pages never show up. The
schema answers for the modules installed *now*: Litestar builds it once from
every mounted route, and the render step drops the paths of modules that are
not installed (their routes answer 404 anyway). Reading the schema needs a
signed-in user or a token; it describes endpoints, never data. No rendered docs
page: Swagger/Redoc need inline scripts, which the CSP forbids.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Router
from litestar.enums import MediaType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute

from core.auth.current import SIGNED_IN

SCHEMA_PATH = "/api/schema"


def _modules_by_path(app: Litestar) -> dict[str, str]:
    found: dict[str, str] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                found.setdefault(route.path_format, handler.opt.get("module", "core"))
    return found


class InstalledJsonSchema(OpenAPIRenderPlugin):
    """The schema as JSON, without the paths of modules that are not installed."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/openapi.json"], media_type=MediaType.JSON)

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        registry = request.app.state.registry.current  # refreshed by the guard of this request
        modules = _modules_by_path(request.app)
        paths = {p: item for p, item in openapi_schema.get("paths", {}).items()
                 if registry is not None and registry.is_installed(modules.get(p, "core"))}
        return self.render_json(request, {**openapi_schema, "paths": paths})


def openapi_config(version: str) -> OpenAPIConfig:
    """A fresh config per app (it carries the router that serves the schema)."""
    router = Router(SCHEMA_PATH, route_handlers=[], include_in_schema=False,
                    opt={"permission": SIGNED_IN, "module": "core"})
    return OpenAPIConfig(
        title="Steward API", version=version, openapi_router=router, render_plugins=[InstalledJsonSchema()],
        description="Token-authenticated JSON API: send `Authorization: Bearer <token>` "
                    "(create one with `steward tokens create LOGIN NAME`).",
        components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
        security=[{"bearer": []}],
    )
