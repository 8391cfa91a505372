"""Record rules: which rows of a table a user may see, applied on every path.

Lists, detail pages, fragments, CSV exports, the JSON API and reports all build
their queries through `restrict`, so a rule declared once in a manifest holds
everywhere. Rules of the user's roles are OR-ed (a user with two roles sees what
either role sees); a table with no rule for any of the user's roles is
unrestricted; administrators (`*`) are never restricted.
"""

from __future__ import annotations

from typing import Any, TypeVar

from piccolo.table import Table

from core.auth.current import CurrentUser
from core.registry import Registry

Q = TypeVar("Q")


def rules_for(registry: Registry, table: type[Table], user: CurrentUser) -> list[Any]:
    if user.is_admin:
        return []
    name = table._meta.tablename
    found = [r for m in registry.manifests for r in m.record_rules if r.table._meta.tablename == name]
    if not found:
        return []
    # A role that no rule on this table mentions sees every row, so a user
    # holding such a role (a manager who is also a technician) is unrestricted.
    governed = {role for r in found for role in r.roles}
    if user.roles - governed:
        return []
    return [r for r in found if set(r.roles) & user.roles]


def restrict(query: Q, registry: Registry, table: type[Table], user: CurrentUser) -> Q:
    """Add the user's record rules for `table` to a Piccolo select/count/exists query."""
    rules = rules_for(registry, table, user)
    if not rules:
        return query
    condition = rules[0].domain(user.id)
    for rule in rules[1:]:
        condition = condition | rule.domain(user.id)
    return query.where(condition)  # type: ignore[attr-defined]


async def visible(registry: Registry, table: type[Table], user: CurrentUser, record_id: int) -> bool:
    """Whether the user may see one record (detail pages, fragments, reports)."""
    query = table.exists().where(table._meta.primary_key == record_id)
    return await restrict(query, registry, table, user).run()
