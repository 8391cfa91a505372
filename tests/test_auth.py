"""Sign-in, sessions, throttling, CSRF, security headers, and deny-by-default routes."""

from __future__ import annotations

import pytest

from core.app import create_app
from core.auth.models import LoginAttempt, User
from core.auth.passwords import hash_password
from core.auth.sessions import COOKIE
from core.testing import app_client, csrf_token, make_user, post_form, sign_in


@pytest.fixture
async def client(core_db: str, catalog, settings_for):
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as c:
        yield c


HTML = {"accept": "text/html"}


async def test_pages_redirect_to_sign_in_when_signed_out(client) -> None:
    response = await client.get("/", headers=HTML)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"


async def test_sign_in_and_out(client) -> None:
    await make_user("eva", roles=("manager",))
    response = await sign_in(client, "eva")
    assert response.status_code == 303 and response.headers["location"] == "/"
    home = await client.get("/", headers=HTML)
    assert home.status_code == 200 and "eva" in home.text
    out = await post_form(client, "/logout", {})
    assert out.status_code == 303
    assert (await client.get("/", headers=HTML)).status_code == 303


async def test_unknown_user_and_wrong_password_get_the_same_message(client) -> None:
    await make_user("eva", roles=("manager",))
    wrong = await sign_in(client, "eva", "not-the-password")
    unknown = await sign_in(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Invalid login or password." in wrong.text and "Invalid login or password." in unknown.text
    assert await LoginAttempt.count().where(LoginAttempt.success == False).run() == 2  # noqa: E712


async def test_session_id_is_never_chosen_by_the_client(client) -> None:
    await make_user("eva", roles=("manager",))
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"login": "eva", "password": "correct-horse-battery", "_csrf_token": csrf_token(client)},
        headers={"cookie": f"{COOKIE}=attacker-chosen-id; steward_csrf={csrf_token(client)}"},
    )
    issued = response.cookies.get(COOKIE)
    assert issued and issued != "attacker-chosen-id" and len(issued) >= 40
    # and the attacker's id is not a session: it still gets the sign-in page
    client.cookies.clear()
    again = await client.get("/", headers={**HTML, "cookie": f"{COOKIE}=attacker-chosen-id"})
    assert again.status_code == 303


async def test_signing_in_issues_a_new_session_id(client) -> None:
    await make_user("eva", roles=("manager",))
    await make_user("jan", roles=("technician",))
    await sign_in(client, "eva")
    first = client.cookies.get(COOKIE)
    await sign_in(client, "jan")
    assert client.cookies.get(COOKIE) != first


async def test_session_cookie_flags(client) -> None:
    await make_user("eva", roles=("manager",))
    response = await sign_in(client, "eva")
    cookie = [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE)][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


async def test_ten_failures_from_one_address_block_it(client) -> None:
    await make_user("eva", roles=("manager",))
    for i in range(10):
        await sign_in(client, f"guess{i}", "wrong-password")
    response = await sign_in(client, "eva")  # right password, but the address is blocked
    assert response.status_code == 400 and "Too many failed sign-ins" in response.text


async def test_five_failures_lock_the_account(client) -> None:
    await make_user("eva", roles=("manager",))
    for _ in range(5):
        await sign_in(client, "eva", "wrong-password")
    assert "Too many failed sign-ins" in (await sign_in(client, "eva")).text


async def test_an_outdated_password_hash_is_upgraded_on_sign_in(client) -> None:
    from argon2 import PasswordHasher

    user = await make_user("eva", roles=("manager",))
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("correct-horse-battery")
    await User.update({User.password_hash: weak}).where(User._meta.primary_key == user["id"]).run()
    assert (await sign_in(client, "eva")).status_code == 303
    stored = (await User.select(User.password_hash).where(User._meta.primary_key == user["id"]).first().run())
    assert stored["password_hash"] != weak and "m=65536,t=3" in stored["password_hash"]


async def test_unsafe_requests_without_csrf_token_are_refused(client) -> None:
    await make_user("eva", roles=("manager",))
    await sign_in(client, "eva")
    assert (await client.post("/logout", data={})).status_code == 403
    ok = await client.post("/logout", headers={"x-csrftoken": csrf_token(client)})
    assert ok.status_code == 303


async def test_security_headers_on_pages_errors_and_static_files(client) -> None:
    for url in ("/login", "/nope", "/static/core/steward.css"):
        headers = (await client.get(url)).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"]


async def test_a_user_without_the_permission_gets_403(client) -> None:
    await make_user("sophie", permissions=("core.partner.read",))
    await sign_in(client, "sophie")
    assert (await client.get("/", headers=HTML)).status_code == 403


async def test_menu_shows_only_permitted_entries(client) -> None:
    await make_user("eva", roles=("manager",))
    await sign_in(client, "eva")
    page = (await client.get("/", headers=HTML)).text
    assert 'href="/"' in page


async def test_password_change_validates_and_keeps_the_old_one_on_error(client) -> None:
    await make_user("eva", roles=("manager",))
    await sign_in(client, "eva")
    bad = await post_form(client, "/account/password", {"current": "correct-horse-battery",
                                                          "new": "short", "confirm": "short"})
    assert bad.status_code == 400 and "at least 10 characters" in bad.text
    good = await post_form(client, "/account/password", {"current": "correct-horse-battery",
                                                           "new": "a-much-better-one", "confirm": "a-much-better-one"})
    assert good.status_code == 303
    await post_form(client, "/logout", {})
    assert (await sign_in(client, "eva", "a-much-better-one")).status_code == 303


async def test_sign_in_never_redirects_off_site(client) -> None:
    await make_user("eva", roles=("manager",))
    await client.get("/login")
    response = await client.post("/login", data={"login": "eva", "password": "correct-horse-battery",
                                                 "next": "//evil.example/x", "_csrf_token": csrf_token(client)})
    assert response.headers["location"] == "/"


async def test_dutch_user_gets_dutch_pages(client) -> None:
    user = await make_user("eva", roles=("manager",))
    await User.update({User.language: "nl"}).where(User._meta.primary_key == user["id"]).run()
    await sign_in(client, "eva")
    assert "Mijn account" in (await client.get("/account", headers=HTML)).text


def test_password_hashes_are_argon2id() -> None:
    assert hash_password("x" * 12).startswith("$argon2id$")
