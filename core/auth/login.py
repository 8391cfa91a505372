"""Signing in: one message and similar timing whether the login or the password is wrong."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools

from core.auth import throttle
from core.auth.models import User
from core.auth.passwords import hash_password, needs_rehash, verify_password
from core.i18n import _


class LoginRefused(Exception):
    """Wrong login or password, inactive user, or too many attempts."""


@functools.cache
def _dummy_hash() -> str:
    return hash_password("no user has this password")


async def authenticate(login: str, password: str, ip: str) -> tuple[int, int]:
    """Return the user id and session epoch, or raise LoginRefused with a message safe to show."""
    login = login.strip()
    if await throttle.blocked(login, ip):
        await throttle.record(login, ip, success=False)
        raise LoginRefused(_("Too many failed sign-ins. Wait a few minutes and try again."))
    row = await User.select(User._meta.primary_key, User.password_hash, User.session_epoch).where(
        (User.login == login) & (User.active == True)  # noqa: E712
    ).first().run()
    stored = row["password_hash"] if row and row["password_hash"] else _dummy_hash()
    # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
    ok = await asyncio.to_thread(verify_password, stored, password)
    if row is None or not ok:
        await throttle.record(login, ip, success=False)
        raise LoginRefused(_("Invalid login or password."))
    values: dict = {User.last_login: dt.datetime.now(dt.UTC)}
    if needs_rehash(stored):
        values[User.password_hash] = await asyncio.to_thread(hash_password, password)
    await User.update(values).where(User._meta.primary_key == row["id"]).run()
    await throttle.record(login, ip, success=True)
    return row["id"], row["session_epoch"]
