"""Roles and the permissions granted to them, as the Roles page edits them.

A grant row remembers the module that declared it (`module`); grants an admin
ticks by hand have an empty module. Roles holding `*` (admin) are not editable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from piccolo.query.functions.aggregate import Count

from core.auth.cache import bump as bump_security
from core.auth.models import Role, RoleGrant, UserRole
from core.db import records
from core.db.audit import AuditEntry
from core.db.context import current_user_id
from core.db.engine import transaction
from core.i18n import _
from core.modules.manifest import Permission
from core.registry import Registry

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
ALL = "*"


class InvalidRole(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class PermissionGroup:
    module: str
    summary: str
    permissions: tuple[Permission, ...]


def permission_groups(registry: Registry) -> list[PermissionGroup]:
    """Permissions of installed modules, grouped by the module that declares them."""
    return [PermissionGroup(m.name, m.summary, m.permissions) for m in registry.manifests if m.permissions]


async def _counts(table: Any, column: Any) -> dict[int, int]:
    rows = await table.select(column, Count()).group_by(column).run()
    return {r[column._meta.name]: r["count"] for r in rows}


async def role_rows() -> list[dict[str, Any]]:
    """Every role with how many users hold it and how many permissions it grants."""
    rows = await Role.select(Role._meta.primary_key, Role.name, Role.label).order_by(Role.name).run()
    users, grants = await _counts(UserRole, UserRole.role), await _counts(RoleGrant, RoleGrant.role)
    return [{**r, "users": users.get(r["id"], 0), "grants": grants.get(r["id"], 0)} for r in rows]


async def get_role(role_id: int) -> dict[str, Any] | None:
    """The role with `grants`: permission -> declaring module ('' when added by hand)."""
    row = await Role.select().where(Role._meta.primary_key == role_id).first().run()
    if row is not None:
        grants = await RoleGrant.select(RoleGrant.permission, RoleGrant.module).where(RoleGrant.role == role_id).run()
        row["grants"] = {g["permission"]: g["module"] for g in grants}
    return row


async def create_role(name: str, label: str) -> dict[str, Any]:
    name, label = name.strip(), label.strip()
    errors: dict[str, str] = {}
    if not NAME_RE.match(name):
        errors["name"] = _("Use 2 to 50 lower-case letters, digits or _, starting with a letter.")
    elif await Role.exists().where(Role.name == name).run():
        errors["name"] = _("A role with this name already exists.")
    if len(label) > 100:
        errors["label"] = _("Use at most %(n)s characters.", n=100)
    if errors:
        raise InvalidRole(errors)
    return await records.create(Role, {"name": name, "label": label or name})


def _log(role_id: int, permission: str, added: bool) -> AuditEntry:
    return AuditEntry(user_id=current_user_id.get(), table_name=Role._meta.tablename, record_id=role_id,
                      action="write", field="grant", old=None if added else permission,
                      new=permission if added else None)


async def save_role(role_id: int, label: str, granted: set[str], editable: set[str], *, version: int) -> None:
    """Save the label and, among `editable` permissions, grant exactly `granted`.

    Grants outside `editable` (other modules', `*`) stay as they are. Raises
    InvalidRole, StaleRecordError (the role changed since the form was shown)."""
    label = label.strip()
    if len(label) > 100:
        raise InvalidRole({"label": _("Use at most %(n)s characters.", n=100)})
    role = await get_role(role_id)
    if role is None:
        raise records.RecordNotFound(Role, role_id)
    async with transaction():
        # Always bumps the version: two admins editing the same role's grants collide here.
        await records.update(Role, role_id, {"label": label or role["name"]}, version=version)
        if ALL in role["grants"]:
            return
        have = set(role["grants"]) & editable
        add, remove = (granted & editable) - have, have - granted
        if remove:
            await RoleGrant.delete().where((RoleGrant.role == role_id) & RoleGrant.permission.is_in(sorted(remove))).run()
        if add:
            await RoleGrant.insert(*[RoleGrant(role=role_id, permission=p, module="") for p in sorted(add)]).run()
        if add or remove:
            await bump_security()
            await AuditEntry.insert(*[_log(role_id, p, True) for p in sorted(add)],
                                    *[_log(role_id, p, False) for p in sorted(remove)]).run()
