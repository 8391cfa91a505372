"""`create_app(settings)`: the Litestar application, built from the module catalog.

Every visible module's routes are mounted once, tagged with their module; the
`installed_module_guard` answers 404 for a module that is not installed *now*.
"Now" is the registry version in the database, re-read at most every
`web.registry_check_seconds`, so an install or uninstall done by another
process takes effect here without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time

from litestar import Litestar, Router
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from core.db import engine as db
from core.db.migrations import register_apps
from core.modules.discovery import Catalog, discover
from core.modules.graph import handlers_of
from core.registry import Registry, load
from core.settings import Settings, ensure_secret, load_settings
from core.web.guards import check_declared, installed_module_guard
from core.web.templating import make_engine, search_path

log = logging.getLogger("steward")


class LiveRegistry:
    """This process's current registry, refreshed when the database says it moved."""

    def __init__(self, catalog: Catalog, interval: float) -> None:
        self.catalog = catalog
        self.interval = interval
        self._current: Registry | None = None
        self._checked = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Registry:
        if self._current is not None and time.monotonic() - self._checked < self.interval:
            return self._current
        async with self._lock:
            if self._current is None or time.monotonic() - self._checked >= self.interval:
                await self._refresh()
        assert self._current is not None
        return self._current

    async def _refresh(self) -> None:
        from core.modules.state import RegistryVersion, registry_version

        version = await registry_version() if await RegistryVersion.table_exists().run() else 0
        if self._current is None or version != self._current.version:
            self._current = await load(self.catalog)
            log.info("registry v%s: %s", self._current.version, ", ".join(self._current.names))
        self._checked = time.monotonic()

    def invalidate(self) -> None:
        self._checked = 0.0


def _module_routers(catalog: Catalog) -> list[Router]:
    routers = []
    for m in catalog.manifests.values():
        if not m.controllers:
            continue
        for _, handler in handlers_of(m):
            check_declared(handler, m.name)
        routers.append(Router(path="/", route_handlers=list(m.controllers), opt={"module": m.name}))
    return routers


def create_app(settings: Settings | None = None, catalog: Catalog | None = None) -> Litestar:
    settings = ensure_secret(settings or load_settings())
    catalog = catalog or discover()
    register_apps(catalog.manifests.values())
    db.configure(settings.database.url, settings.database.busy_timeout_seconds)
    live = LiveRegistry(catalog, settings.web.registry_check_seconds)

    async def on_startup(app: Litestar) -> None:
        app.state.owns_pool = await db.start(pool_size=settings.database.pool_size)
        await live.get()

    async def on_shutdown(app: Litestar) -> None:
        if app.state.get("owns_pool"):
            await db.stop()

    static = create_static_files_router(
        path="/static", directories=[str(d) for d in search_path(settings, catalog, "static")], opt={"public": True},
        include_in_schema=False,
    )
    app = Litestar(
        route_handlers=[*_module_routers(catalog), static],
        guards=[installed_module_guard],
        template_config=TemplateConfig(instance=make_engine(settings, catalog)),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        logging_config=None,
        # The JSON API and its schema come with their own permissions later;
        # until then no undeclared schema routes are served.
        openapi_config=None,
        debug=False,
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.registry = live
    return app
