"""Installing, upgrading and uninstalling modules, and validating manifests before any change."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fixture_modules.manifests import ALL, ALPHA, ALPHA_V2, BETA, Note

from core.auth.models import Role, RoleGrant
from core.db import records
from core.db.data import DataRecord
from core.db.migrations import register_apps
from core.modules import graph, lifecycle
from core.modules.discovery import Catalog, discover
from core.modules.errors import (
    ManifestError,
    ModuleConflictError,
    ModuleCycleError,
    ModuleDependencyError,
    ModuleInstallError,
    ModuleNotFound,
    ModuleStateError,
)
from core.modules.manifest import Manifest
from core.modules.state import ModuleRecord, installed, states


@pytest.fixture
async def modules(core_db: str) -> Catalog:
    catalog = discover(extra=ALL)
    register_apps(catalog.manifests.values())
    return catalog


async def table_exists(name: str) -> bool:
    from piccolo.table import Table

    class Probe(Table, tablename=name):
        pass

    return await Probe.table_exists().run()


async def test_install_brings_dependencies_first(modules: Catalog) -> None:
    plan = await lifecycle.install(modules, ["beta"])
    assert plan.modules == ("alpha", "beta")
    assert {"alpha", "beta"} <= await installed()
    assert await table_exists("alpha_note") and await table_exists("beta_item")
    assert await Note.count().run() == 2  # alpha's data loaded
    manager = await Role.select(Role.id).where(Role.name == "manager").first().run()
    grants = await RoleGrant.select(RoleGrant.permission).where(RoleGrant.role == manager["id"]).run()
    assert "alpha.note.read" in {g["permission"] for g in grants}


async def test_installing_an_installed_module_is_a_no_op(modules: Catalog) -> None:
    await lifecycle.install(modules, ["alpha"])
    plan = await lifecycle.install(modules, ["alpha"])
    assert plan.empty
    assert await Note.count().run() == 2


async def test_uninstall_is_refused_while_dependents_are_installed(modules: Catalog) -> None:
    await lifecycle.install(modules, ["beta"])
    with pytest.raises(ModuleDependencyError, match="beta"):
        await lifecycle.plan_uninstall(modules, ["alpha"])
    assert await table_exists("alpha_note")


async def test_cascade_uninstall_drops_dependents_and_reports_rows_lost(modules: Catalog) -> None:
    await lifecycle.install(modules, ["beta"])
    plan = await lifecycle.plan_uninstall(modules, ["alpha"], cascade=True)
    assert plan.modules == ("beta", "alpha")
    assert any(loss.table == "alpha_note" and loss.rows == 2 for loss in plan.losses)
    assert "total rows lost: 2" in plan.describe()
    await lifecycle.uninstall(modules, plan)
    st = await states()
    assert st["alpha"] == st["beta"] == "uninstalled"
    assert not await table_exists("alpha_note") and not await table_exists("beta_item")
    assert not await DataRecord.exists().where(DataRecord.module == "alpha").run()
    assert not await RoleGrant.exists().where(RoleGrant.permission == "alpha.note.read").run()
    # and it can come back cleanly
    await lifecycle.install(modules, ["alpha"])
    assert await Note.count().run() == 2


async def test_bridge_module_installs_once_all_its_triggers_are_installed(modules: Catalog) -> None:
    await lifecycle.install(modules, ["alpha"])
    assert "bridge" not in await installed()
    plan = await lifecycle.install(modules, ["gamma"])
    assert plan.modules == ("gamma", "bridge")
    assert "bridge" in await installed()
    with pytest.raises(ModuleDependencyError, match="bridge"):
        await lifecycle.plan_uninstall(modules, ["gamma"])


async def test_failed_install_rolls_back_every_module_of_the_command(modules: Catalog) -> None:
    with pytest.raises(ModuleInstallError, match="installing 'broken' failed: data file is corrupt"):
        await lifecycle.install(modules, ["broken"])
    st = await states()
    assert st.get("alpha", "uninstalled") == "uninstalled"
    assert st.get("broken", "uninstalled") == "uninstalled"
    assert not await table_exists("alpha_note") and not await table_exists("broken_wreck")
    row = await ModuleRecord.select().where(ModuleRecord.name == "broken").first().run()
    assert row is None or row["state"] == "uninstalled"
    # The failure left nothing behind: the good dependency installs on its own.
    await lifecycle.install(modules, ["alpha"])
    assert await Note.count().run() == 2


async def test_upgrade_runs_new_migrations_and_keeps_what_users_changed(modules: Catalog) -> None:
    await lifecycle.install(modules, ["alpha"])
    seed = await Note.select().where(Note.title == "Seed").first().run()
    await records.update(Note, seed["id"], {"body": "edited by the manager"}, version=seed["version"])

    upgraded = discover(extra=[ALPHA_V2, *[m for m in ALL if m.name != "alpha"]])
    register_apps(upgraded.manifests.values())
    await lifecycle.upgrade(upgraded, ["alpha"])

    rows = {r["title"]: r for r in await Note.select().run()}
    assert rows["Seed"]["body"] == "edited by the manager"  # the user's edit wins
    assert rows["Other"]["body"] == "shipped v2"  # untouched shipped record follows the upgrade
    colours = await Note.raw("SELECT colour FROM alpha_note").run()
    assert {c["colour"] for c in colours} == {"red"}  # the new migration ran
    row = await ModuleRecord.select().where(ModuleRecord.name == "alpha").first().run()
    assert row["version"] == "1.1.0" and row["state"] == "installed"


async def test_upgrading_a_module_that_is_not_installed_is_refused(modules: Catalog) -> None:
    with pytest.raises(ModuleStateError, match="'gamma' is not installed"):
        await lifecycle.upgrade(modules, ["gamma"])


async def test_core_cannot_be_uninstalled(modules: Catalog) -> None:
    with pytest.raises(ModuleStateError, match="core"):
        await lifecycle.plan_uninstall(modules, ["core"])


async def test_unknown_module_is_named(modules: Catalog) -> None:
    with pytest.raises(ModuleNotFound, match="'nosuch'"):
        await lifecycle.install(modules, ["nosuch"])


# -- validation, before anything changes ------------------------------------------


def catalog_of(*extra: Manifest) -> dict[str, Manifest]:
    base = discover().manifests
    return {**base, **{m.name: m for m in extra}}


def test_dependency_cycle_is_reported_naming_the_cycle() -> None:
    x = Manifest(name="xmod", version="1.0", summary="x", depends=("ymod",))
    y = Manifest(name="ymod", version="1.0", summary="y", depends=("zmod",))
    z = Manifest(name="zmod", version="1.0", summary="z", depends=("xmod",))
    with pytest.raises(ModuleCycleError, match="xmod -> ymod -> zmod -> xmod"):
        graph.validate(catalog_of(x, y, z))


def test_missing_dependency_names_both_modules() -> None:
    x = Manifest(name="xmod", version="1.0", summary="x", depends=("ghost",))
    with pytest.raises(ModuleDependencyError, match="'xmod' depends on 'ghost'"):
        graph.validate(catalog_of(x))


def test_duplicate_table_names_are_refused() -> None:
    from piccolo.table import Table

    class OrderLine(Table, tablename="shop_order_line"):
        pass

    class Line(Table, tablename="shop_order_line"):
        pass

    shop = Manifest(name="shop", version="1.0", summary="x", tables=(OrderLine,))
    shop_order = Manifest(name="shop_order", version="1.0", summary="x", tables=(Line,))
    with pytest.raises(ModuleConflictError, match="table 'shop_order_line'.*'shop'.*'shop_order'"):
        graph.validate(catalog_of(shop, shop_order))


def test_tables_and_permissions_must_carry_the_module_prefix() -> None:
    stray = replace(ALPHA, name="alphb", permissions=())
    with pytest.raises(ManifestError, match="'alphb': table 'alpha_note'"):
        graph.check_manifest(stray)
    perm = replace(ALPHA, name="alphb", tables=(), controllers=(), permissions=BETA.permissions)
    with pytest.raises(ManifestError, match="'alphb': permission 'beta.item.read'"):
        graph.check_manifest(perm)


def test_duplicate_routes_are_refused() -> None:
    copy = replace(BETA, name="betb", permissions=(), tables=())
    with pytest.raises(ModuleConflictError, match="route 'GET /beta'.*'beta'.*'betb'"):
        graph.validate(catalog_of(ALPHA, BETA, copy))


def test_malformed_version_is_refused() -> None:
    bad = Manifest(name="xmod", version="one", summary="x")
    with pytest.raises(ManifestError, match="'xmod': malformed version 'one'"):
        graph.validate(catalog_of(bad))


def test_a_module_provided_twice_is_refused() -> None:
    with pytest.raises(ModuleConflictError, match="'alpha' is provided twice"):
        discover(extra=[ALPHA, ALPHA])


async def test_a_default_grant_an_admin_removed_stays_removed_on_upgrade(modules: Catalog) -> None:
    await lifecycle.install(modules, ["alpha"])
    await RoleGrant.delete().where(RoleGrant.permission == "alpha.note.read").run()
    upgraded = discover(extra=[ALPHA_V2, *[m for m in ALL if m.name != "alpha"]])
    register_apps(upgraded.manifests.values())
    await lifecycle.upgrade(upgraded, ["alpha"])
    assert not await RoleGrant.exists().where(RoleGrant.permission == "alpha.note.read").run()
