"""Signed-in users are cached per process, and a change to users, roles or grants
reaches every app instance (and every process) through the security version."""

from __future__ import annotations

import pytest

from core.admin.grants import get_role, save_role
from core.app import create_app
from core.auth.account import set_preferences
from core.auth.cache import KEY, UserCache, security_version
from core.auth.models import Role
from core.auth.users import UserInput, edit_user, get_user
from core.db.sequence import SequenceCounter
from core.testing import app_client, make_user, sign_in

HTML = {"accept": "text/html"}


@pytest.fixture
def two_apps(core_db: str, catalog, settings_for):
    return [create_app(settings_for(core_db, registry_check_seconds=0.0), catalog) for _ in range(2)]


async def test_a_role_losing_a_grant_is_refused_at_once_in_another_app(two_apps) -> None:
    first, second = two_apps
    await make_user("mia", roles=("manager",))
    role = await Role.select().where(Role.name == "manager").first().run()
    assert role is not None
    async with app_client(first) as a, app_client(second) as b:
        await sign_in(a, "mia")
        await sign_in(b, "mia")
        assert (await b.get("/contacts/partners", headers=HTML)).status_code == 200
        before = await security_version()
        granted = await get_role(role["id"])
        assert granted is not None
        kept = set(granted["grants"]) - {"core.partner.read"}
        await save_role(role["id"], role["label"], kept, set(granted["grants"]), version=role["version"])
        assert await security_version() == before + 1
        assert (await b.get("/contacts/partners", headers=HTML)).status_code == 403
        assert (await a.get("/contacts/partners", headers=HTML)).status_code == 403


async def test_a_disabled_user_is_signed_out_of_every_app(two_apps) -> None:
    first, second = two_apps
    user = await make_user("otto", roles=("manager",))
    async with app_client(first) as a, app_client(second) as b:
        await sign_in(a, "otto")
        await sign_in(b, "otto")
        assert (await b.get("/contacts/partners", headers=HTML)).status_code == 200
        row = await get_user(user["id"])
        assert row is not None
        await edit_user(0, user["id"], UserInput(name="Otto", email="", language="en", roles=("manager",),
                                                 active=False), version=row["version"])
        assert (await a.get("/contacts/partners")).status_code == 401
        assert (await b.get("/contacts/partners")).status_code == 401


async def test_a_new_language_shows_on_the_next_page(two_apps) -> None:
    app = two_apps[0]
    user = await make_user("lies", roles=("manager",))
    async with app_client(app) as client:
        await sign_in(client, "lies")
        assert 'lang="en"' in (await client.get("/contacts/partners", headers=HTML)).text
        await set_preferences(user["id"], language="nl", theme=None)
        assert 'lang="nl"' in (await client.get("/contacts/partners", headers=HTML)).text


async def test_a_change_made_by_another_process_is_seen_after_the_check_interval(core_db: str) -> None:
    loads: list[int] = []

    async def loader(user_id: int) -> str:
        loads.append(user_id)
        return f"user {user_id} v{len(loads)}"

    watching, slow = UserCache(loader, interval=0.0), UserCache(loader, interval=3600.0)
    assert await watching.get(7, registry_version=1) == "user 7 v1"
    assert await watching.get(7, registry_version=1) == "user 7 v1"
    assert await slow.get(7, registry_version=1) == "user 7 v2"
    # Another process bumps the counter row (no local bump in this process).
    await SequenceCounter.insert(SequenceCounter(key=KEY, last=0)).on_conflict(
        target=SequenceCounter.key, action="DO NOTHING").run()
    await SequenceCounter.update({SequenceCounter.last: SequenceCounter.last + 1}).where(
        SequenceCounter.key == KEY).run()
    assert await watching.get(7, registry_version=1) == "user 7 v3"
    # A process that checked less than its interval ago keeps its copy until the next check.
    assert await slow.get(7, registry_version=1) == "user 7 v2"
    # An install or uninstall (registry version) also reloads.
    assert await slow.get(7, registry_version=2) == "user 7 v4"
    assert loads == [7, 7, 7, 7]
