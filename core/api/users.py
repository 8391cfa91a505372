"""Users in the JSON API: read-only, and never their password hashes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from core.api.resource import ApiResource
from core.auth.models import User, UserRole


class UserOut(msgspec.Struct):
    id: int
    login: str
    name: str
    email: str
    language: str
    active: bool
    last_login: dt.datetime | None
    roles: list[str]


async def add_roles(rows: list[dict[str, Any]]) -> None:
    links = await UserRole.select(UserRole.user, UserRole.role.name).where(
        UserRole.user.is_in([r["id"] for r in rows])
    ).run()
    for row in rows:
        row["roles"] = sorted(link["role.name"] for link in links if link["user"] == row["id"])


USERS = ApiResource(
    "users", User, UserOut, permission="core.user", search=("login", "name", "email"),
    filters={"active": bool}, enrich=add_roles, summary="Staff who use Steward (read-only).",
)
