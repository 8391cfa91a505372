"""Roles and their grants, edited on the Roles page, decide what users can open."""

from __future__ import annotations

import pytest

from core.app import create_app
from core.auth.models import Role, RoleGrant
from core.db.audit import AuditEntry
from core.testing import app_client, make_user, post_form, sign_in

HTML = {"accept": "text/html"}


@pytest.fixture
async def app(core_db: str, catalog, settings_for):
    return create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)


async def _role(name: str) -> dict:
    row = await Role.select().where(Role.name == name).first().run()
    assert row is not None
    return row


async def _grants(role_id: int) -> dict[str, str]:
    rows = await RoleGrant.select(RoleGrant.permission, RoleGrant.module).where(RoleGrant.role == role_id).run()
    return {r["permission"]: r["module"] for r in rows}


async def test_granting_a_permission_lets_the_role_open_the_page(app) -> None:
    await make_user("root", roles=("admin",))
    async with app_client(app) as admin, app_client(app) as clerk:
        await sign_in(admin, "root")
        created = await post_form(admin, "/admin/roles", {"name": "auditor", "label": "Auditor"})
        assert created.status_code == 303
        role = await _role("auditor")
        assert created.headers["location"] == f"/admin/roles/{role['id']}"
        await make_user("ans", roles=("auditor",))
        await sign_in(clerk, "ans")
        assert (await clerk.get("/admin/audit", headers=HTML)).status_code == 403

        editor = (await admin.get(f"/admin/roles/{role['id']}", headers=HTML)).text
        assert 'value="core.audit.read"' in editor and "Browse the audit log" in editor
        saved = await post_form(admin, f"/admin/roles/{role['id']}", {
            "version": str(role["version"]), "label": "Auditor", "grants": ["core.audit.read", "core.home.read"]})
        assert saved.status_code == 303
        assert await _grants(role["id"]) == {"core.audit.read": "", "core.home.read": ""}
        assert (await clerk.get("/admin/audit", headers=HTML)).status_code == 200

        role = await _role("auditor")
        await post_form(admin, f"/admin/roles/{role['id']}", {"version": str(role["version"]), "label": "Auditor",
                                                              "grants": "core.home.read"})
        assert (await clerk.get("/admin/audit", headers=HTML)).status_code == 403
    logged = await AuditEntry.select(AuditEntry.old, AuditEntry.new).where(
        (AuditEntry.table_name == "core_role") & (AuditEntry.field == "grant")).run()
    assert {"old": None, "new": "core.audit.read"} in logged and {"old": "core.audit.read", "new": None} in logged


async def test_role_list_counts_users_and_grants(app) -> None:
    await make_user("root", roles=("admin",))
    await make_user("eva", roles=("manager",))
    manager = await _role("manager")
    async with app_client(app) as admin:
        await sign_in(admin, "root")
        page = (await admin.get("/admin/roles", headers=HTML)).text
    row = page.split(f'href="/admin/roles/{manager["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">1</td>' in row
    assert f'<td class="num">{len(await _grants(manager["id"]))}</td>' in row


async def test_the_admin_roles_star_grant_is_shown_and_not_editable(app) -> None:
    await make_user("root", roles=("admin",))
    admin_role = await _role("admin")
    async with app_client(app) as admin:
        await sign_in(admin, "root")
        page = (await admin.get(f"/admin/roles/{admin_role['id']}", headers=HTML)).text
        assert "grants every permission (*)" in page and " disabled>" in page
        await post_form(admin, f"/admin/roles/{admin_role['id']}", {"version": str(admin_role["version"]),
                                                                     "label": "Administrator"})
    assert await _grants(admin_role["id"]) == {"*": "core"}


async def test_module_defaults_stay_marked_and_unknown_grants_are_kept(app) -> None:
    await make_user("root", roles=("admin",))
    manager = await _role("manager")
    await RoleGrant.insert(RoleGrant(role=manager["id"], permission="legacy.thing.read")).run()
    before = await _grants(manager["id"])
    assert before["core.company.write"] == "core"
    async with app_client(app) as admin:
        await sign_in(admin, "root")
        page = (await admin.get(f"/admin/roles/{manager['id']}", headers=HTML)).text
        assert "legacy.thing.read" in page
        kept = [p for p in before if p not in ("legacy.thing.read", "core.company.write")]
        response = await post_form(admin, f"/admin/roles/{manager['id']}",
                                   {"version": str(manager["version"]), "label": "Service manager", "grants": kept})
        assert response.status_code == 303
    after = await _grants(manager["id"])
    assert "core.company.write" not in after and after["legacy.thing.read"] == ""
    assert after["core.home.read"] == "core"  # untouched defaults keep their module


async def test_bad_role_names_and_stale_saves_are_refused(app) -> None:
    await make_user("root", roles=("admin",))
    async with app_client(app) as admin:
        await sign_in(admin, "root")
        bad = await post_form(admin, "/admin/roles", {"name": "Bad Name", "label": "x"})
        assert bad.status_code == 400 and "lower-case letters" in bad.text and 'value="Bad Name"' in bad.text
        dup = await post_form(admin, "/admin/roles", {"name": "manager", "label": "x"})
        assert dup.status_code == 400 and "already exists" in dup.text
        sales = await _role("sales")
        granted = list(await _grants(sales["id"]))
        first = await post_form(admin, f"/admin/roles/{sales['id']}", {"version": str(sales["version"]),
                                                                      "label": "Sales team", "grants": granted})
        assert first.status_code == 303
        stale = await post_form(admin, f"/admin/roles/{sales['id']}", {"version": str(sales["version"]),
                                                                      "label": "Sales", "grants": []})
        assert stale.status_code == 409 and "changed by someone else" in stale.text
        assert 'value="Sales"' in stale.text  # the typed label is kept
    assert sorted(await _grants(sales["id"])) == sorted(granted)  # the stale save removed nothing
    assert (await _role("sales"))["label"] == "Sales team"


async def test_roles_pages_need_user_admin(app) -> None:
    await make_user("eva", roles=("manager",))
    async with app_client(app) as client:
        await sign_in(client, "eva")
        assert (await client.get("/admin/roles", headers=HTML)).status_code == 403
