"""Sign-in throttling, per IP and per account, kept in the database.

Per IP: 10 failures within a minute block that address for 5 minutes.
Per account: 5 failures within 15 minutes lock the login for 15 minutes.
Every attempt is recorded (the table is also the sign-in log).
"""

from __future__ import annotations

import datetime as dt
import logging

from core.auth.models import LoginAttempt

log = logging.getLogger("steward.auth")

IP_FAILURES, IP_WINDOW, IP_BLOCK = 10, dt.timedelta(minutes=1), dt.timedelta(minutes=5)
ACCOUNT_FAILURES, ACCOUNT_WINDOW, ACCOUNT_BLOCK = 5, dt.timedelta(minutes=15), dt.timedelta(minutes=15)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _burst(where, limit: int, window: dt.timedelta, block: dt.timedelta) -> bool:
    since = _now() - window - block
    rows = await LoginAttempt.select(LoginAttempt.at).where(
        where & (LoginAttempt.success == False) & (LoginAttempt.at > since)  # noqa: E712
    ).order_by(LoginAttempt.at, ascending=False).limit(limit).run()
    if len(rows) < limit:
        return False
    newest, oldest = rows[0]["at"], rows[-1]["at"]
    return newest - oldest <= window and _now() - newest < block


async def blocked(login: str, ip: str) -> bool:
    return await _burst(LoginAttempt.ip == ip, IP_FAILURES, IP_WINDOW, IP_BLOCK) or await _burst(
        LoginAttempt.login == login.lower(), ACCOUNT_FAILURES, ACCOUNT_WINDOW, ACCOUNT_BLOCK
    )


async def record(login: str, ip: str, success: bool) -> None:
    await LoginAttempt.insert(LoginAttempt(login=login.lower()[:100], ip=ip, success=success)).run()
    log.info("sign-in %s for %r from %s", "succeeded" if success else "failed", login, ip)


async def allow(action: str, ip: str, limit: int, window: dt.timedelta) -> bool:
    """Rate-limit an anonymous `action` (e.g. a public form) per IP: record this attempt and
    say whether the address stays within `limit` attempts per `window`. Kept in the same
    table under the login `form:<action>`, as a success, so it never counts towards
    sign-in blocking (which counts failures only)."""
    key = f"form:{action}"[:100]
    since = _now() - window
    used = await LoginAttempt.count().where(
        (LoginAttempt.login == key) & (LoginAttempt.ip == ip) & (LoginAttempt.at > since)).run()
    if used >= limit:
        return False
    await LoginAttempt.insert(LoginAttempt(login=key, ip=ip, success=True)).run()
    return True
