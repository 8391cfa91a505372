"""A user's own account: password and preferences."""

from __future__ import annotations

import asyncio

from core.auth.cache import bump as bump_security
from core.auth.models import User
from core.auth.passwords import hash_password, verify_password
from core.db import records
from core.db.engine import transaction
from core.i18n import LANGUAGES, _
from core.web.templating import themes

MIN_PASSWORD = 10


def password_problem(new: str, confirm: str) -> dict[str, str]:
    if len(new) < MIN_PASSWORD:
        return {"new": _("Use at least %(n)s characters.", n=MIN_PASSWORD)}
    if new != confirm:
        return {"confirm": _("The two passwords differ.")}
    return {}


async def change_password(user_id: int, current: str, new: str, confirm: str) -> dict[str, str]:
    """Change the password; return field errors (empty when it was changed)."""
    row = await User.select().where(User._meta.primary_key == user_id).first().run()
    assert row is not None
    if not await asyncio.to_thread(verify_password, row["password_hash"], current):
        return {"current": _("This is not your current password.")}
    errors = password_problem(new, confirm)
    if errors:
        return errors
    new_hash = await asyncio.to_thread(hash_password, new)
    async with transaction():
        await records.update(User, user_id, {"password_hash": new_hash, "session_epoch": row["session_epoch"] + 1},
                             version=row["version"])
        await bump_security()  # every process's cached user gets the new epoch
    return {}


async def session_epoch(user_id: int) -> int:
    row = await User.select(User.session_epoch).where(User._meta.primary_key == user_id).first().run()
    return row["session_epoch"] if row else 0


async def set_preferences(user_id: int, *, language: str | None, theme: str | None) -> None:
    values: dict = {}
    if language in LANGUAGES:
        values[User.language] = language
    if theme is not None and (theme == "" or theme in themes()):
        values[User.theme] = theme
    if values:
        async with transaction():
            await User.update(values).where(User._meta.primary_key == user_id).run()
            await bump_security()  # the signed-in user carries language and theme
