"""User and role services (used by the CLI, init, and later the admin pages)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from core.auth.cache import bump as bump_security
from core.auth.models import Role, RoleGrant, User, UserRole
from core.auth.passwords import hash_password
from core.db import records
from core.db.audit import AuditEntry
from core.db.context import current_user_id
from core.db.engine import transaction
from core.db.search import contains_any
from core.i18n import _


class UserError(Exception):
    pass




async def create_user(login: str, password: str, roles: list[str], *, name: str = "",
                      email: str = "", language: str = "en") -> dict:
    login = login.strip()
    if not login:
        raise UserError("login must not be empty")
    from core.auth.account import MIN_PASSWORD

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
                                           "password_hash": hash_password(password),
                                           "language": language})
        if role_rows:
            await UserRole.insert(*[UserRole(user=user["id"], role=r["id"]) for r in role_rows]).run()
        await bump_security()
    return user


async def permissions_of(user_id: int) -> set[str]:
    """Every permission granted to any role of the user (`*` means all)."""
    rows = await RoleGrant.select(RoleGrant.permission).where(
        RoleGrant.role.is_in(UserRole.select(UserRole.role).where(UserRole.user == user_id))
    ).run()
    return {r["permission"] for r in rows}


# -- the admin Users page ------------------------------------------------------

LOGIN_RE = re.compile(r"^[A-Za-z0-9_.@+-]{2,100}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ADMIN_ROLE = "admin"
USER_ADMIN = "core.user.admin"


class InvalidUser(UserError):
    """Form input that cannot be saved; `errors` maps field -> message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class UserInput:
    name: str
    email: str
    language: str
    roles: tuple[str, ...]
    active: bool = True


async def role_choices() -> list[dict[str, Any]]:
    return await Role.select(Role._meta.primary_key, Role.name, Role.label).order_by(Role.name).run()


async def roles_by_user(user_ids: list[int]) -> dict[int, list[str]]:
    if not user_ids:
        return {}
    rows = await UserRole.select(UserRole.user, UserRole.role.name).where(UserRole.user.is_in(user_ids)).run()
    found: dict[int, list[str]] = {uid: [] for uid in user_ids}
    for r in rows:
        found[r["user"]].append(r["role.name"])
    return {uid: sorted(names) for uid, names in found.items()}


async def list_users(q: str = "") -> list[dict[str, Any]]:
    """Every user (login order) with `roles`; `q` matches login, name and e-mail."""
    query = User.select(User._meta.primary_key, User.login, User.name, User.email, User.active,
                        User.last_login, User.language)
    needle = q.strip()
    if needle:
        query = query.where(contains_any([User.login, User.name, User.email], needle))
    rows = await query.order_by(User.login).run()
    roles = await roles_by_user([r["id"] for r in rows])
    return [{**r, "roles": roles[r["id"]]} for r in rows]


async def get_user(user_id: int) -> dict[str, Any] | None:
    row = await User.select(*[c for c in User._meta.columns if c._meta.name != "password_hash"]).where(
        User._meta.primary_key == user_id).first().run()
    if row is not None:
        row["roles"] = (await roles_by_user([user_id]))[user_id]
    return row


def _check(values: UserInput, known_roles: set[str]) -> dict[str, str]:
    from core.i18n import LANGUAGES

    errors: dict[str, str] = {}
    if len(values.name) > 200:
        errors["name"] = _("Use at most %(n)s characters.", n=200)
    if values.email and (len(values.email) > 200 or not EMAIL_RE.match(values.email)):
        errors["email"] = _("Enter an e-mail address like name@example.com.")
    if values.language not in LANGUAGES:
        errors["language"] = _("Choose a language from the list.")
    unknown = set(values.roles) - known_roles
    if unknown:
        errors["roles"] = _("Unknown role(s): %(roles)s.", roles=", ".join(sorted(unknown)))
    return errors


async def _set_roles(user_id: int, new: tuple[str, ...], old: list[str]) -> None:
    """Replace the user's roles, logging the change in the audit log (same transaction)."""
    if set(new) == set(old):
        return
    await UserRole.delete().where(UserRole.user == user_id).run()
    ids = await Role.select(Role._meta.primary_key).where(Role.name.is_in(list(new) or ["-"])).run()
    if ids:
        await UserRole.insert(*[UserRole(user=user_id, role=r["id"]) for r in ids]).run()
    await AuditEntry.insert(AuditEntry(
        user_id=current_user_id.get(), table_name=User._meta.tablename, record_id=user_id,
        action="write", field="roles", old=", ".join(sorted(old)), new=", ".join(sorted(new)),
    )).run()


async def add_user(login: str, values: UserInput, password: str, confirm: str) -> dict[str, Any]:
    """Create a user from the admin form; raises InvalidUser with every field problem."""
    from core.auth.account import password_problem

    login = login.strip()
    errors = _check(values, {r["name"] for r in await role_choices()})
    if not LOGIN_RE.match(login):
        errors["login"] = _("Use 2 to 100 letters, digits or . _ @ + -")
    elif await User.exists().where(User.login == login).run():
        errors["login"] = _("A user with this login already exists.")
    problems = password_problem(password, confirm)
    errors.update({"password" if k == "new" else k: v for k, v in problems.items()})
    if errors:
        raise InvalidUser(errors)
    return await create_user(login, password, list(values.roles), name=values.name or login,
                             email=values.email, language=values.language)


async def _permissions_of_roles(roles: tuple[str, ...]) -> set[str]:
    rows = await RoleGrant.select(RoleGrant.permission).where(
        RoleGrant.role.is_in(Role.select(Role._meta.primary_key).where(Role.name.is_in(list(roles) or ["-"])))
    ).run()
    return {r["permission"] for r in rows}


async def _self_lockout(old_roles: list[str], values: UserInput) -> dict[str, str]:
    """An admin editing their own account must not lock themselves out."""
    if not values.active:
        return {"active": _("You cannot disable your own account.")}
    if ADMIN_ROLE in old_roles and ADMIN_ROLE not in values.roles:
        return {"roles": _("You cannot remove your own admin role.")}
    perms = await _permissions_of_roles(values.roles)
    if "*" not in perms and USER_ADMIN not in perms:
        return {"roles": _("With these roles you could no longer manage users; keep a role that allows it.")}
    return {}


async def edit_user(actor_id: int, user_id: int, values: UserInput, *, version: int) -> dict[str, Any]:
    """Save the admin form of a user; raises InvalidUser, StaleRecordError, RecordNotFound."""
    current = await get_user(user_id)
    if current is None:
        raise records.RecordNotFound(User, user_id)
    errors = _check(values, {r["name"] for r in await role_choices()})
    if not errors and actor_id == user_id:
        errors = await _self_lockout(current["roles"], values)
    if errors:
        raise InvalidUser(errors)
    async with transaction():
        row = await records.update(User, user_id, {"name": values.name or current["login"], "email": values.email,
                                                   "language": values.language, "active": values.active},
                                   version=version)
        await _set_roles(user_id, values.roles, current["roles"])
        await bump_security()  # name, language, active and roles are part of the signed-in user
    return row


async def reset_password(user_id: int, new: str, confirm: str, *, version: int) -> dict[str, Any]:
    """Set a user's password (an admin's reset); raises InvalidUser or StaleRecordError."""
    from core.auth.account import password_problem

    errors = password_problem(new, confirm)
    if errors:
        raise InvalidUser(errors)
    new_hash = await asyncio.to_thread(hash_password, new)
    async with transaction():
        row = await User.select(User.session_epoch).where(User._meta.primary_key == user_id).first().run()
        if row is None:
            raise records.RecordNotFound(User, user_id)
        # The user's sessions end: whoever knew the old password is signed out.
        updated = await records.update(User, user_id, {"password_hash": new_hash,
                                                       "session_epoch": row["session_epoch"] + 1}, version=version)
        await bump_security()
    return updated
