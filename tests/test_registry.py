"""The registry serves exactly the installed modules, in every process, without restart."""

from __future__ import annotations

import pytest
from fixture_modules.manifests import ALL

from core.app import create_app
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.registry import load
from core.testing import app_client, make_user, sign_in


@pytest.fixture
async def modules(core_db: str) -> Catalog:
    catalog = discover(extra=ALL)
    register_apps(catalog.manifests.values())
    return catalog


async def test_registry_lists_only_installed_modules_dependencies_first(modules: Catalog) -> None:
    await lifecycle.install(modules, ["beta"])
    registry = await load(modules)
    assert registry.names == ["core", "alpha", "beta"]
    labels = [m.label for m in registry.menus]
    assert labels[0] == "Home" and "Alpha" in labels and "Beta" not in labels
    assert "alpha.note.read" in {p.name for p in registry.permissions}
    assert "gamma" not in registry.names


async def test_healthz_reports_database_and_installed_modules(modules: Catalog, core_db: str, settings_for) -> None:
    app = create_app(settings_for(core_db), modules)
    async with app_client(app) as client:
        body = (await client.get("/healthz")).json()
    assert body["status"] == "ok"
    assert body["database"] == ("sqlite" if core_db.startswith("sqlite") else "postgresql")
    assert body["modules"] == ["core"]


async def test_routes_of_a_module_that_is_not_installed_answer_404(modules: Catalog, core_db: str, settings_for) -> None:
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), modules)
    await make_user("root", roles=("admin",))
    async with app_client(app) as client:
        await sign_in(client, "root")
        assert (await client.get("/alpha")).status_code == 404
        await lifecycle.install(modules, ["alpha"])
        assert (await client.get("/alpha")).status_code == 200


async def test_install_in_one_app_instance_takes_effect_in_another_without_restart(
    modules: Catalog, core_db: str, settings_for
) -> None:
    # Two independent app instances on one database, as two server processes would be.
    settings = settings_for(core_db, registry_check_seconds=0.0)
    first, second = create_app(settings, modules), create_app(settings, modules)
    await make_user("root", roles=("admin",))
    async with app_client(first) as a, app_client(second) as b:
        await sign_in(a, "root")
        await sign_in(b, "root")
        assert (await a.get("/beta")).status_code == 404
        assert (await b.get("/beta")).status_code == 404
        await lifecycle.install(modules, ["beta"])  # done "elsewhere"
        assert (await b.get("/beta")).status_code == 200
        assert "beta" in (await a.get("/healthz")).json()["modules"]
        plan = await lifecycle.plan_uninstall(modules, ["alpha"], cascade=True)
        await lifecycle.uninstall(modules, plan)
        assert (await a.get("/beta")).status_code == 404
        assert (await b.get("/alpha")).status_code == 404
        assert (await b.get("/healthz")).json()["modules"] == ["core"]


async def test_every_route_declares_a_permission(modules: Catalog, core_db: str, settings_for) -> None:
    app = create_app(settings_for(core_db), modules)
    undeclared = [
        f"{h.handler_name} {sorted(route.path for route in [r])}"
        for r in app.routes
        for h in getattr(r, "route_handlers", [])
        if h.handler_name != "options_handler"
        and not (h.opt.get("permission") or h.opt.get("public"))
    ]
    assert undeclared == []


def test_a_route_without_a_permission_is_refused_at_start(modules: Catalog, core_db: str, settings_for) -> None:
    from dataclasses import replace

    from litestar import get

    from core.web.guards import UndeclaredPermission

    @get("/naked")
    async def naked() -> str:
        return "oops"

    bad = replace(modules["gamma"], controllers=(naked,))
    catalog = Catalog({**modules.manifests, "gamma": bad}, modules.origins)
    with pytest.raises(UndeclaredPermission, match="module 'gamma': route naked"):
        create_app(settings_for(core_db), catalog)
