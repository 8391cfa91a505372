"""Admins create users, change their roles, disable them and reset passwords."""

from __future__ import annotations

import pytest

from core.app import create_app
from core.auth.models import User
from core.auth.users import get_user
from core.db.audit import AuditEntry
from core.testing import app_client, make_user, post_form, sign_in

HTML = {"accept": "text/html"}
NEW = {"login": "lotte", "name": "Lotte de Vries", "email": "lotte@example.com", "language": "nl",
       "roles": ["sales", "warehouse"], "password": "a-long-password", "confirm": "a-long-password"}


@pytest.fixture
async def app(core_db: str, catalog, settings_for):
    return create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)


@pytest.fixture
async def admin(app):
    root = await make_user("root", roles=("admin",))
    async with app_client(app) as client:
        await sign_in(client, "root")
        client.root_id = root["id"]  # type: ignore[attr-defined]
        yield client


async def _user_id(login: str) -> int:
    row = await User.select(User._meta.primary_key).where(User.login == login).first().run()
    assert row is not None
    return row["id"]


async def test_an_admin_creates_a_user_who_can_then_sign_in(admin, app) -> None:
    form = (await admin.get("/admin/users/new", headers=HTML)).text
    assert 'name="roles" value="sales"' in form
    response = await post_form(admin, "/admin/users", NEW)
    assert response.status_code == 303
    user = await get_user(await _user_id("lotte"))
    assert user is not None
    assert (user["name"], user["language"], user["roles"]) == ("Lotte de Vries", "nl", ["sales", "warehouse"])
    listing = (await admin.get("/admin/users?q=lotte", headers=HTML)).text
    assert "Lotte de Vries" in listing and "sales, warehouse" in listing and "never" in listing
    async with app_client(app) as other:
        assert (await sign_in(other, "lotte", "a-long-password")).status_code == 303


async def test_bad_input_is_shown_per_field_and_nothing_is_saved(admin) -> None:
    await make_user("jan")
    response = await post_form(admin, "/admin/users", {**NEW, "login": "jan", "email": "not-an-address",
                                                       "password": "short", "confirm": "short"})
    assert response.status_code == 400
    page = response.text
    assert "A user with this login already exists." in page
    assert "Enter an e-mail address like name@example.com." in page
    assert "Use at least 10 characters." in page
    assert 'value="Lotte de Vries"' in page  # what was typed is kept
    mismatch = await post_form(admin, "/admin/users", {**NEW, "confirm": "something-else"})
    assert "The two passwords differ." in mismatch.text
    assert not await User.exists().where(User.login == "lotte").run()


async def test_disabling_a_user_stops_their_session_and_is_audited(admin, app) -> None:
    jan = await make_user("jan", roles=("technician",))
    async with app_client(app) as other:
        await sign_in(other, "jan")
        assert (await other.get("/", headers=HTML)).status_code == 200
        response = await post_form(admin, f"/admin/users/{jan['id']}", {
            "version": "1", "name": "Jan", "email": "", "language": "en", "roles": ["technician"]})
        assert response.status_code == 303
        assert (await other.get("/", headers=HTML)).status_code == 303  # back to sign-in
    entries = await AuditEntry.select().where((AuditEntry.table_name == "core_user")
                                              & (AuditEntry.record_id == jan["id"])
                                              & (AuditEntry.field == "active")).run()
    assert [(e["old"], e["new"]) for e in entries] == [("True", "False")]


async def test_changing_roles_is_saved_and_logged(admin) -> None:
    jan = await make_user("jan", roles=("technician",))
    await post_form(admin, f"/admin/users/{jan['id']}", {"version": "1", "name": "Jan", "language": "en",
                                                         "roles": ["manager", "trainer"], "active": "1"})
    user = await get_user(jan["id"])
    assert user is not None and user["roles"] == ["manager", "trainer"]
    entry = await AuditEntry.select().where((AuditEntry.field == "roles")
                                            & (AuditEntry.record_id == jan["id"])).first().run()
    assert entry is not None and (entry["old"], entry["new"]) == ("technician", "manager, trainer")


async def test_an_admin_cannot_disable_themselves_or_drop_their_admin_role(admin) -> None:
    me = admin.root_id
    disable = await post_form(admin, f"/admin/users/{me}", {"version": "1", "name": "Root", "language": "en",
                                                            "roles": ["admin"]})
    assert disable.status_code == 400 and "You cannot disable your own account." in disable.text
    demote = await post_form(admin, f"/admin/users/{me}", {"version": "1", "name": "Root", "language": "en",
                                                           "roles": ["manager"], "active": "1"})
    assert demote.status_code == 400 and "You cannot remove your own admin role." in demote.text
    user = await get_user(me)
    assert user is not None and user["active"] and user["roles"] == ["admin"]


async def test_a_stale_edit_is_refused(admin) -> None:
    jan = await make_user("jan")
    first = await post_form(admin, f"/admin/users/{jan['id']}", {"version": "1", "name": "Jan A", "active": "1"})
    assert first.status_code == 303
    second = await post_form(admin, f"/admin/users/{jan['id']}", {"version": "1", "name": "Jan B", "active": "1"})
    assert second.status_code == 409 and "changed by someone else" in second.text
    user = await get_user(jan["id"])
    assert user is not None and user["name"] == "Jan A"


async def test_an_admin_resets_a_password_and_the_users_sessions_end(admin, app) -> None:
    jan = await make_user("jan")
    async with app_client(app) as before:  # signed in with the old password
        await sign_in(before, "jan")
        assert (await before.get("/account", headers=HTML)).status_code == 200
        short = await post_form(admin, f"/admin/users/{jan['id']}/password",
                                {"version": "1", "new": "x", "confirm": "x"})
        assert short.status_code == 400 and "Use at least 10 characters." in short.text
        done = await post_form(admin, f"/admin/users/{jan['id']}/password",
                               {"version": "1", "new": "brand-new-secret", "confirm": "brand-new-secret"})
        assert done.status_code == 303
        assert (await before.get("/account", headers=HTML)).status_code == 303  # signed out
        assert (await before.get("/account", headers=HTML)).status_code == 303  # and stays out
        assert (await sign_in(before, "jan", "brand-new-secret")).status_code == 303
        assert (await before.get("/account", headers=HTML)).status_code == 200
    entry = await AuditEntry.select().where((AuditEntry.field == "password_hash")
                                            & (AuditEntry.record_id == jan["id"])).first().run()
    assert entry is not None and entry["new"] == "(hidden)"


async def test_changing_ones_password_ends_ones_other_sessions_only(app) -> None:
    await make_user("jan", roles=("technician",))
    async with app_client(app) as phone, app_client(app) as laptop:
        await sign_in(phone, "jan")
        await sign_in(laptop, "jan")
        old_cookie = laptop.cookies.get("steward_session")
        changed = await post_form(laptop, "/account/password", {
            "current": "correct-horse-battery", "new": "a-much-better-one", "confirm": "a-much-better-one"})
        assert changed.status_code == 303
        assert laptop.cookies.get("steward_session") != old_cookie  # a new session id
        page = await laptop.get("/account", headers=HTML)
        assert page.status_code == 200 and "Your password was changed." in page.text
        assert (await phone.get("/account", headers=HTML)).status_code == 303
        assert (await sign_in(phone, "jan", "a-much-better-one")).status_code == 303
        assert (await phone.get("/account", headers=HTML)).status_code == 200


async def test_users_pages_need_user_admin(app) -> None:
    await make_user("eva", roles=("manager",))
    async with app_client(app) as client:
        await sign_in(client, "eva")
        assert (await client.get("/admin/users", headers=HTML)).status_code == 403
        assert (await post_form(client, "/admin/users", NEW)).status_code == 403
