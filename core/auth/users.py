"""User and role services (used by the CLI, init, and later the admin pages)."""

from __future__ import annotations

from core.auth.models import Role, RoleGrant, User, UserRole
from core.auth.passwords import hash_password
from core.db import records
from core.db.engine import transaction


class UserError(Exception):
    pass


MIN_PASSWORD = 8


async def create_user(login: str, password: str, roles: list[str], *, name: str = "",
                      email: str = "") -> dict:
    login = login.strip()
    if not login:
        raise UserError("login must not be empty")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password must be at least {MIN_PASSWORD} characters")
    async with transaction():
        if await User.exists().where(User.login == login).run():
            raise UserError(f"a user with login '{login}' already exists")
        role_rows = await Role.select(Role._meta.primary_key, Role.name).where(Role.name.is_in(roles)).run() if roles else []
        missing = set(roles) - {r["name"] for r in role_rows}
        if missing:
            known = [r["name"] for r in await Role.select(Role.name).order_by(Role.name).run()]
            raise UserError(f"unknown role(s) {', '.join(sorted(missing))}; known roles: {', '.join(known)}")
        user = await records.create(User, {"login": login, "name": name or login, "email": email,
                                           "password_hash": hash_password(password)})
        if role_rows:
            await UserRole.insert(*[UserRole(user=user["id"], role=r["id"]) for r in role_rows]).run()
    return user


async def permissions_of(user_id: int) -> set[str]:
    """Every permission granted to any role of the user (`*` means all)."""
    rows = await RoleGrant.select(RoleGrant.permission).where(
        RoleGrant.role.is_in(UserRole.select(UserRole.role).where(UserRole.user == user_id))
    ).run()
    return {r["permission"] for r in rows}
