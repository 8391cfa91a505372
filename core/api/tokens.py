"""API tokens: a user's bearer credentials for the JSON API.

The plain token (`stw_<random>`) is shown once, when it is created; only its
SHA-256 is stored, with a short prefix so people can tell their tokens apart.
A token acts as its user, with that user's permissions and record rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from core.auth.models import ApiToken, User
from core.db.audit import AuditEntry
from core.db.context import current_user_id
from core.db.engine import transaction

PREFIX = "stw_"
# `last_used` is written at most this often per token, so busy clients do not write on every call.
TOUCH_EVERY = dt.timedelta(minutes=1)


class TokenError(Exception):
    """Unknown user or token, bad name or lifetime; the message is safe to show."""


@dataclass(frozen=True)
class NewToken:
    id: int
    token: str  # shown once, never stored
    prefix: str
    expires_at: dt.datetime | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _user_id(login: str) -> int:
    row = await User.select(User._meta.primary_key).where(User.login == login.strip()).first().run()
    if row is None:
        raise TokenError(f"no user with login '{login}'")
    return row["id"]


async def _audit(token_id: int, action: str, name: str) -> None:
    await AuditEntry.insert(AuditEntry(user_id=current_user_id.get(), table_name=ApiToken._meta.tablename,
                                       record_id=token_id, action=action, field="name", new=name)).run()


async def create_token(login: str, name: str, *, days: int | None = None) -> NewToken:
    """A new token for user `login`, valid for `days` (None: until revoked)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise TokenError("a token needs a name of 1 to 100 characters")
    if days is not None and days < 1:
        raise TokenError("--days must be at least 1")
    user_id = await _user_id(login)
    token = PREFIX + secrets.token_urlsafe(32)
    expires = _now() + dt.timedelta(days=days) if days else None
    async with transaction():
        row = (await ApiToken.insert(
            ApiToken(user=user_id, name=name, token_hash=digest(token), prefix=token[:12], created_at=_now(),
                     expires_at=expires, active=True)
        ).returning(ApiToken._meta.primary_key).run())[0]
        await _audit(row["id"], "create", name)
    return NewToken(id=row["id"], token=token, prefix=token[:12], expires_at=expires)


async def list_tokens(login: str) -> list[dict[str, Any]]:
    """The user's tokens, newest first, without their hashes."""
    user_id = await _user_id(login)
    return await ApiToken.select(
        ApiToken._meta.primary_key, ApiToken.name, ApiToken.prefix, ApiToken.created_at,
        ApiToken.last_used, ApiToken.expires_at, ApiToken.active,
    ).where(ApiToken.user == user_id).order_by(ApiToken._meta.primary_key, ascending=False).run()


async def revoke_token(token_id: int) -> dict[str, Any]:
    """Deactivate a token at once; it can never be used again."""
    async with transaction():
        rows = await ApiToken.update({ApiToken.active: False}).where(
            ApiToken._meta.primary_key == token_id
        ).returning(ApiToken._meta.primary_key, ApiToken.name).run()
        if not rows:
            raise TokenError(f"no API token with id {token_id}")
        await _audit(token_id, "revoke", rows[0]["name"])
    return rows[0]


async def user_of(token: str) -> tuple[int, int] | None:
    """(token id, user id) for a usable token: active, unexpired, of an active user."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    now = _now()
    row = await ApiToken.select(ApiToken._meta.primary_key, ApiToken.user, ApiToken.expires_at,
                                ApiToken.last_used).where(
        (ApiToken.token_hash == digest(token)) & (ApiToken.active == True)  # noqa: E712
        & (ApiToken.user.active == True)  # noqa: E712
    ).first().run()
    if row is None or (row["expires_at"] is not None and row["expires_at"] <= now):
        return None
    if row["last_used"] is None or now - row["last_used"] >= TOUCH_EVERY:
        await _touch(row["id"], now)
    return row["id"], row["user"]


async def _touch(token_id: int, now: dt.datetime) -> None:
    # Conditional, so concurrent requests in several processes write once a minute at most.
    stale = (ApiToken.last_used.is_null()) | (ApiToken.last_used < now - TOUCH_EVERY)
    await ApiToken.update({ApiToken.last_used: now}).where(
        (ApiToken._meta.primary_key == token_id) & stale
    ).run()
