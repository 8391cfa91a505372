"""API tokens: created once in plain, stored hashed, acting as their user until revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.api import tokens
from core.app import create_app
from core.auth.models import ApiToken, User
from core.testing import app_client, make_user


@pytest.fixture
async def client(core_db: str, catalog, settings_for):
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_a_token_is_shown_once_and_only_its_hash_is_stored(core_db: str) -> None:
    await make_user("eva", roles=("manager",))
    new = await tokens.create_token("eva", "accounting sync", days=30)
    assert new.token.startswith("stw_") and len(new.token) > 40
    row = await ApiToken.select().where(ApiToken._meta.primary_key == new.id).first().run()
    assert row["token_hash"] == hashlib.sha256(new.token.encode()).hexdigest()
    assert new.token not in str(row.values())
    assert row["prefix"] == new.token[:12] and row["active"]
    listed = await tokens.list_tokens("eva")
    assert [t["name"] for t in listed] == ["accounting sync"] and "token_hash" not in listed[0]


async def test_bad_names_lifetimes_and_users_are_refused(core_db: str) -> None:
    await make_user("eva", roles=("manager",))
    with pytest.raises(tokens.TokenError, match="name"):
        await tokens.create_token("eva", "  ")
    with pytest.raises(tokens.TokenError, match="--days"):
        await tokens.create_token("eva", "x", days=0)
    with pytest.raises(tokens.TokenError, match="no user with login 'ghost'"):
        await tokens.create_token("ghost", "x")
    with pytest.raises(tokens.TokenError, match="no API token with id 999"):
        await tokens.revoke_token(999)


async def test_a_token_acts_as_its_user_with_that_users_permissions(client) -> None:
    await make_user("eva", roles=("manager",))
    await make_user("pieter", permissions=("core.product.read",))
    eva, pieter = await tokens.create_token("eva", "a"), await tokens.create_token("pieter", "b")
    assert (await client.get("/api/v1/partners", headers=bearer(eva.token))).status_code == 200
    refused = await client.get("/api/v1/partners", headers=bearer(pieter.token))
    assert refused.status_code == 403 and "core.partner.read" in refused.json()["detail"]
    assert (await client.get("/api/v1/products", headers=bearer(pieter.token))).status_code == 200


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer stw_not-a-real-token", "Basic ZXZhOnNlY3JldA==", "Bearer something-else",
])
async def test_missing_or_bad_credentials_get_401_json_never_a_redirect(client, header: str | None) -> None:
    headers = {"accept": "text/html", **({"authorization": header} if header else {})}
    response = await client.get("/api/v1/partners", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status_code"] == 401 and "location" not in response.headers


async def test_a_revoked_token_stops_working_at_once(client) -> None:
    await make_user("eva", roles=("manager",))
    new = await tokens.create_token("eva", "a")
    assert (await client.get("/api/v1/partners", headers=bearer(new.token))).status_code == 200
    await tokens.revoke_token(new.id)
    response = await client.get("/api/v1/partners", headers=bearer(new.token))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


async def test_an_expired_token_is_refused(client) -> None:
    await make_user("eva", roles=("manager",))
    new = await tokens.create_token("eva", "a", days=1)
    assert (await client.get("/api/v1/partners", headers=bearer(new.token))).status_code == 200
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await ApiToken.update({ApiToken.expires_at: past}).where(ApiToken._meta.primary_key == new.id).run()
    assert (await client.get("/api/v1/partners", headers=bearer(new.token))).status_code == 401


async def test_a_deactivated_users_token_is_refused(client) -> None:
    user = await make_user("eva", roles=("manager",))
    new = await tokens.create_token("eva", "a")
    await User.update({User.active: False}).where(User._meta.primary_key == user["id"]).run()
    assert (await client.get("/api/v1/partners", headers=bearer(new.token))).status_code == 401


async def test_last_used_is_written_at_most_once_a_minute(client) -> None:
    await make_user("eva", roles=("manager",))
    new = await tokens.create_token("eva", "a")

    async def last_used() -> dt.datetime | None:
        row = await ApiToken.select(ApiToken.last_used).where(ApiToken._meta.primary_key == new.id).first().run()
        return row["last_used"]

    assert await last_used() is None
    await client.get("/api/v1/partners", headers=bearer(new.token))
    first = await last_used()
    assert first is not None
    await client.get("/api/v1/partners", headers=bearer(new.token))
    assert await last_used() == first
    earlier = first - dt.timedelta(minutes=2)
    await ApiToken.update({ApiToken.last_used: earlier}).where(ApiToken._meta.primary_key == new.id).run()
    await client.get("/api/v1/partners", headers=bearer(new.token))
    assert (await last_used()) > first


def test_the_cli_creates_lists_and_revokes_tokens(core_db: str, tmp_path: Path) -> None:
    cfg = tmp_path / "steward.toml"
    cfg.write_text(f'[database]\nurl = "{core_db}"\n[log]\nlevel = "WARNING"\n')
    env = {**os.environ, "STEWARD_CONFIG": str(cfg), "STEWARD_VAR_DIR": str(tmp_path / "var")}
    steward = str(Path(sys.executable).parent / "steward")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([steward, *args], env=env, capture_output=True, text=True, timeout=120)

    assert run("users", "create", "eva", "--password", "long-enough-pw", "--role", "manager").returncode == 0
    created = run("tokens", "create", "eva", "nightly export", "--days", "7")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("stw_") and "expires" in created.stdout
    listing = run("tokens", "list", "eva")
    assert token[:12] in listing.stdout and "nightly export" in listing.stdout and token not in listing.stdout
    token_id = listing.stdout.splitlines()[1].split()[0]
    revoked = run("tokens", "revoke", token_id)
    assert revoked.returncode == 0 and "revoked token" in revoked.stdout
    assert "revoked" in run("tokens", "list", "eva").stdout
    unknown = run("tokens", "create", "ghost", "x")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "error: no user with login 'ghost'"
