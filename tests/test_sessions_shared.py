"""Sessions live outside the process: in files by default, in Redis when configured,
so a second server process accepts a session the first one issued."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from core.app import create_app
from core.auth.sessions import COOKIE
from core.testing import app_client, make_user, sign_in

HTML = {"accept": "text/html"}


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize("store", ["files", "redis"])
async def test_a_session_issued_by_one_process_works_in_another(store, core_db, catalog, settings_for) -> None:
    settings = settings_for(core_db)
    if store == "redis":
        if not redis_up():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        settings = replace(settings, sessions=replace(settings.sessions, url="redis://127.0.0.1:6379/15"))
    await make_user("eva", roles=("manager",))
    first, second = create_app(settings, catalog), create_app(settings, catalog)
    async with app_client(first) as a, app_client(second) as b:
        await sign_in(a, "eva")
        b.cookies.set(COOKIE, a.cookies.get(COOKIE) or "", domain="testserver.local")
        response = await b.get("/", headers=HTML)
        assert response.status_code == 200 and "eva" in response.text.lower()


async def test_redis_sessions_are_stored_in_redis(core_db, catalog, settings_for) -> None:
    if not redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    from redis.asyncio import Redis

    settings = settings_for(core_db)
    settings = replace(settings, sessions=replace(settings.sessions, url="redis://127.0.0.1:6379/15"))
    await make_user("eva", roles=("manager",))
    async with app_client(create_app(settings, catalog)) as client:
        await sign_in(client, "eva")
        sid = client.cookies.get(COOKIE)
    redis = Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        keys = [k.decode() for k in await redis.keys("*")]
    finally:
        await redis.aclose()
    assert any(sid in k for k in keys)
