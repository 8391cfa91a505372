"""`create_app(settings)`: the Litestar application, built from the module catalog.

Every visible module's routes are mounted once, tagged with their module; the
`installed_module_guard` answers 404 for a module that is not installed *now*.
"Now" is the registry version in the database, re-read at most every
`web.registry_check_seconds`, so an install or uninstall done by another
process takes effect here without a restart.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from core import events, i18n
from core.api.openapi import openapi_config
from core.auth.sessions import SessionMiddleware, make_store
from core.db import engine as db
from core.db.migrations import register_apps
from core.jobs import worker as jobs_worker
from core.modules.discovery import Catalog, discover
from core.modules.graph import handlers_of
from core.registry import Registry, load
from core.settings import ROOT, Settings, ensure_secret, load_settings
from core.web.errors import http_error
from core.web.guards import access_guard, check_declared
from core.web.security import add_security_headers
from core.web.templating import THEMES_DIR, ThemedEngine, check_theme, module_dirs, theme, themes

log = logging.getLogger("steward")


class LiveRegistry:
    """This process's current registry, refreshed when the database says it moved."""

    def __init__(self, catalog: Catalog, interval: float) -> None:
        self.catalog = catalog
        self.interval = interval
        self._current: Registry | None = None
        self._checked = 0.0
        self._lock = asyncio.Lock()
        self.company_name = "Steward"

    @property
    def current(self) -> Registry | None:
        """The registry as last loaded (no database check; guards refresh it per request)."""
        return self._current

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
            await self._load_company()
            log.info("registry v%s: %s", self._current.version, ", ".join(self._current.names))
        self._checked = time.monotonic()

    def invalidate(self) -> None:
        self._checked = 0.0

    async def _load_company(self) -> None:
        from core.company.models import Company

        if await Company.table_exists().run():
            row = await Company.select(Company.name).first().run()
            self.company_name = row["name"] if row else "Steward"


def _module_routers(catalog: Catalog) -> list[Router]:
    routers = []
    for m in catalog.manifests.values():
        if not m.controllers:
            continue
        for _, handler in handlers_of(m):
            check_declared(handler, m.name)
        routers.append(Router(path="/", route_handlers=list(m.controllers), opt={"module": m.name}))
    return routers


def _static_routers(catalog: Catalog) -> list[Router]:
    shared = create_static_files_router(
        path="/static", directories=[str(d) for d in module_dirs(catalog, "static")],
        opt={"public": True}, include_in_schema=False,
    )
    per_theme = [
        create_static_files_router(
            path=f"/static/themes/{name}", directories=[str(THEMES_DIR / name / "static")],
            opt={"public": True}, include_in_schema=False, name=f"theme-{name}",
        )
        for name in themes()
    ]
    return [shared, *per_theme]


def _theme_of_request(settings: Settings):
    async def before_request(request) -> None:  # type: ignore[no-untyped-def]
        from core.auth.current import current_user

        user = current_user(request)
        theme.set(user.theme if user and user.theme in themes() else settings.web.theme)

    return before_request


def create_app(settings: Settings | None = None, catalog: Catalog | None = None, *,
               serving: bool = False) -> Litestar:
    """The application. `serving` (a `steward serve` process) also freezes what start-up
    built (modules, templates, the registry) out of the garbage collector's view."""
    settings = ensure_secret(settings or load_settings())
    check_theme(settings)
    catalog = catalog or discover()
    register_apps(catalog.manifests.values())
    events.use(catalog)
    i18n.load_catalogues([ROOT / "core", *[m.root for m in catalog.manifests.values() if m.root]])
    db.configure(settings.database.url, settings.database.busy_timeout_seconds)
    live = LiveRegistry(catalog, settings.web.registry_check_seconds)

    async def on_startup(app: Litestar) -> None:
        app.state.owns_pool = await db.start(pool_size=settings.database.pool_size)
        await live.get()
        app.state.jobs = await jobs_worker.start_in_server(settings, catalog)
        if serving:
            # A full collection walks every object start-up made: on a warehouse list under
            # load one took 124 ms, stalling every request in the process (bench/warehouse.py
            # p95 50-90 ms for a p50 of 20). Frozen, they are never walked again (0.3 ms).
            gc.collect()
            gc.freeze()

    async def on_shutdown(app: Litestar) -> None:
        await jobs_worker.stop_in_server(app.state.get("jobs"))
        if app.state.get("owns_pool"):
            await db.stop()

    engine = ThemedEngine(catalog)
    engine.add_globals(current_theme=theme.get, all_themes=themes)
    from core.web.shell import shell

    engine.add_globals(shell=shell)
    store = make_store(settings.sessions.url, settings.var_dir)
    app = Litestar(
        route_handlers=[*_module_routers(catalog), *_static_routers(catalog)],
        guards=[access_guard],
        middleware=[
            DefineMiddleware(SessionMiddleware, store=store,
                             idle_seconds=settings.sessions.idle_minutes * 60,
                             absolute_seconds=settings.sessions.absolute_hours * 3600),
        ],
        csrf_config=CSRFConfig(
            secret=settings.security.secret, cookie_name="steward_csrf", header_name="x-csrftoken",
            cookie_samesite="lax", exclude=["/api/"],
        ),
        before_request=_theme_of_request(settings),
        before_send=[add_security_headers],
        exception_handlers={Exception: http_error},
        template_config=TemplateConfig(instance=engine),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        logging_config=None,
        # Only routes that opt in (the JSON API's) appear in the schema at /api/schema.
        openapi_config=openapi_config(catalog["core"].version),
        include_in_schema=False,
        debug=False,
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.registry = live
    return app
