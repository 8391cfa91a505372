"""The Apps page installs, upgrades and uninstalls modules with the CLI's plan and confirmation."""

from __future__ import annotations

import pytest
from fixture_modules.manifests import ALL, ALPHA_V2, Note

from core.app import create_app
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.modules.state import installed
from core.testing import app_client, make_user, post_form, sign_in

HTML = {"accept": "text/html"}


@pytest.fixture
async def modules(core_db: str) -> Catalog:
    catalog = discover(extra=ALL)
    register_apps(catalog.manifests.values())
    return catalog


@pytest.fixture
async def admin(modules: Catalog, core_db: str, settings_for):
    await make_user("root", roles=("admin",))
    app = create_app(settings_for(core_db, registry_check_seconds=60.0), modules)
    async with app_client(app) as client:
        await sign_in(client, "root")
        yield client


async def test_installing_a_module_from_the_apps_page_shows_its_menu(admin) -> None:
    listing = (await admin.get("/admin/apps", headers=HTML)).text
    assert 'href="/admin/apps/alpha/install"' in listing
    assert 'href="/admin/apps/core/uninstall"' not in listing  # core cannot be removed

    plan = (await admin.get("/admin/apps/beta/install", headers=HTML)).text
    assert "alpha" in plan and "dependency or bridge" in plan  # beta needs alpha first

    confirm = await admin.get("/admin/apps/alpha/install", headers=HTML)
    assert confirm.status_code == 200 and 'name="modules" value="alpha"' in confirm.text
    response = await post_form(admin, "/admin/apps/alpha/install", {"modules": "alpha"})
    assert response.status_code == 303 and response.headers["location"] == "/admin/apps"
    assert "alpha" in await installed()

    # The registry is checked only once a minute here: the page itself refreshed it.
    home = (await admin.get("/", headers=HTML)).text
    assert 'href="/alpha"' in home and "Installed: alpha." in home
    assert (await admin.get("/alpha")).status_code == 200


async def test_uninstall_shows_tables_and_rows_lost_and_needs_confirmation(admin) -> None:
    await post_form(admin, "/admin/apps/alpha/install", {"modules": "alpha"})
    page = (await admin.get("/admin/apps/alpha/uninstall", headers=HTML)).text
    assert "alpha_note" in page and "Total rows lost" in page
    assert '<td class="num">2</td>' in page  # the two shipped notes

    unconfirmed = await post_form(admin, "/admin/apps/alpha/uninstall", {"modules": "alpha"})
    assert unconfirmed.status_code == 400 and "Tick this box" in unconfirmed.text
    assert "alpha" in await installed()

    done = await post_form(admin, "/admin/apps/alpha/uninstall", {"modules": "alpha", "confirm": "1"})
    assert done.status_code == 303
    assert "alpha" not in await installed()
    assert not await Note.table_exists().run()
    assert 'href="/alpha"' not in (await admin.get("/", headers=HTML)).text


async def test_uninstall_with_dependents_is_refused_unless_cascade_is_ticked(admin) -> None:
    await post_form(admin, "/admin/apps/beta/install", {"modules": ["alpha", "beta"]})
    assert {"alpha", "beta"} <= await installed()
    page = (await admin.get("/admin/apps/alpha/uninstall", headers=HTML)).text
    assert "installed module(s) beta depend on it" in page and 'name="cascade"' in page
    assert "beta_item" in page  # the cascade plan shows what it would take along

    refused = await post_form(admin, "/admin/apps/alpha/uninstall",
                              {"modules": ["beta", "alpha"], "confirm": "1"})
    assert refused.status_code == 409 and "beta depend on it" in refused.text
    assert {"alpha", "beta"} <= await installed()

    # A plan other than the one shown is not carried out.
    changed = await post_form(admin, "/admin/apps/alpha/uninstall",
                              {"modules": "alpha", "confirm": "1", "cascade": "1"})
    assert changed.status_code == 409 and "The plan changed" in changed.text

    done = await post_form(admin, "/admin/apps/alpha/uninstall",
                           {"modules": ["beta", "alpha"], "confirm": "1", "cascade": "1"})
    assert done.status_code == 303
    assert not {"alpha", "beta"} & await installed()


async def test_a_newer_version_is_offered_and_upgraded_from_the_apps_page(
    modules: Catalog, core_db: str, settings_for
) -> None:
    await lifecycle.install(modules, ["alpha"])
    newer = discover(extra=[ALPHA_V2, *[m for m in ALL if m.name != "alpha"]])
    register_apps(newer.manifests.values())
    await make_user("root", roles=("admin",))
    async with app_client(create_app(settings_for(core_db), newer)) as client:
        await sign_in(client, "root")
        listing = (await client.get("/admin/apps", headers=HTML)).text
        assert "Upgrade available" in listing and 'href="/admin/apps/alpha/upgrade"' in listing
        page = (await client.get("/admin/apps/alpha/upgrade", headers=HTML)).text
        assert "From version 1.0.0 to 1.1.0; 1 new database migration(s)" in page
        response = await post_form(client, "/admin/apps/alpha/upgrade", {"modules": "alpha"})
        assert response.status_code == 303
        assert "Upgrade available" not in (await client.get("/admin/apps", headers=HTML)).text
    colours = await Note.raw("SELECT colour FROM alpha_note").run()
    assert {c["colour"] for c in colours} == {"red"}


async def test_a_failed_install_is_reported_on_the_page_and_rolled_back(admin) -> None:
    response = await post_form(admin, "/admin/apps/broken/install", {"modules": ["alpha", "broken"]})
    assert response.status_code == 409
    assert "installing &#39;broken&#39; failed: data file is corrupt" in response.text
    assert not {"alpha", "broken"} & await installed()


async def test_core_cannot_be_uninstalled_and_unknown_modules_are_404(admin) -> None:
    page = await admin.get("/admin/apps/core/uninstall", headers=HTML)
    assert "module &#39;core&#39; cannot be uninstalled" in page.text and 'name="confirm"' not in page.text
    refused = await post_form(admin, "/admin/apps/core/uninstall", {"confirm": "1"})
    assert refused.status_code == 409 and "core" in await installed()
    not_installed = (await admin.get("/admin/apps/gamma/upgrade", headers=HTML)).text
    assert "module &#39;gamma&#39; is not installed" in not_installed and "plan-form" not in not_installed
    assert (await admin.get("/admin/apps/nope/install", headers=HTML)).status_code == 404
    assert (await admin.get("/admin/apps/alpha/explode", headers=HTML)).status_code == 404


async def test_a_manager_without_module_admin_is_refused(modules: Catalog, core_db: str, settings_for) -> None:
    await make_user("eva", roles=("manager",))
    async with app_client(create_app(settings_for(core_db), modules)) as client:
        await sign_in(client, "eva")
        assert (await client.get("/admin/apps", headers=HTML)).status_code == 403
        assert (await post_form(client, "/admin/apps/alpha/install", {"modules": "alpha"})).status_code == 403
        assert (await client.get("/admin", headers=HTML)).status_code == 200  # the Settings area itself
    assert "alpha" not in await installed()
