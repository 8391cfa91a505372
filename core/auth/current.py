"""The signed-in user of a request, with the permissions of all their roles."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.connection import ASGIConnection

from core.auth.cache import UserCache
from core.auth.models import Role, User, UserRole
from core.auth.sessions import session_of
from core.auth.users import permissions_of

SCOPE_KEY = "steward_user"
# A route open to every signed-in user (own password, language) declares this.
SIGNED_IN = "signed-in"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    login: str
    name: str
    language: str
    theme: str
    roles: frozenset[str]
    permissions: frozenset[str]
    session_epoch: int = 0

    def can(self, permission: str) -> bool:
        return permission == SIGNED_IN or "*" in self.permissions or permission in self.permissions

    @property
    def is_admin(self) -> bool:
        return "*" in self.permissions


async def load_user(user_id: int) -> CurrentUser | None:
    row = await User.select().where((User._meta.primary_key == user_id) & (User.active == True)).first().run()  # noqa: E712
    if row is None:
        return None
    roles = await Role.select(Role.name).where(
        Role._meta.primary_key.is_in(UserRole.select(UserRole.role).where(UserRole.user == user_id))
    ).run()
    return CurrentUser(
        id=row["id"], login=row["login"], name=row["name"] or row["login"],
        language=row["language"], theme=row["theme"],
        roles=frozenset(r["name"] for r in roles),
        permissions=frozenset(await permissions_of(user_id)),
        session_epoch=row["session_epoch"],
    )


async def resolve(connection: ASGIConnection) -> CurrentUser | None:
    """The request's user, once per request (from session or API token), through the
    process's user cache (core/auth/cache.py)."""
    if SCOPE_KEY in connection.scope:
        return connection.scope[SCOPE_KEY]  # type: ignore[literal-required]
    user = None
    session = session_of(connection.scope)
    uid = session.user_id
    if connection.scope["path"].startswith("/api/"):
        from core.api.auth import api_user_id  # core.api builds on this module

        uid = await api_user_id(connection, uid)
    if uid is not None:
        user = await _cache(connection).get(uid, _registry_version(connection))
    via_session = uid is not None and uid == session.user_id and "authorization" not in connection.headers
    if user is not None and via_session and session.epoch != user.session_epoch:
        session.logout()  # signed in before the password last changed (or was reset)
        user = None
    connection.scope[SCOPE_KEY] = user  # type: ignore[literal-required]
    return user


def _cache(connection: ASGIConnection) -> UserCache[CurrentUser | None]:
    state = connection.app.state
    cache = state.get("user_cache")
    if cache is None:
        cache = state.user_cache = UserCache(load_user, state.settings.web.registry_check_seconds)
    return cache


def _registry_version(connection: ASGIConnection) -> int:
    live = connection.app.state.get("registry")
    registry = live.current if live is not None else None
    return registry.version if registry is not None else -1


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    return connection.scope.get(SCOPE_KEY)  # type: ignore[return-value]
