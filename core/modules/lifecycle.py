"""Installing, upgrading and uninstalling modules.

Every change validates first (the catalog is validated when discovered), then
moves each module through a transient state (`to install`, `to upgrade`,
`to remove`) and back to a stable one. A failure undoes the whole command:
tables created in this run are dropped, states return to what they were, and
the error names the module that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.auth.models import Role, RoleGrant
from core.db import data, migrations
from core.db.engine import transaction
from core.modules import graph
from core.modules.discovery import Catalog
from core.modules.errors import ModuleDependencyError, ModuleInstallError, ModuleStateError
from core.modules.manifest import Manifest
from core.modules.state import (
    INSTALLED,
    TO_INSTALL,
    TO_REMOVE,
    TO_UPGRADE,
    UNINSTALLED,
    ModuleRecord,
    bump_registry,
    states,
)

log = logging.getLogger("steward.modules")
CORE = "core"


@dataclass(frozen=True)
class TableLoss:
    module: str
    table: str
    rows: int


@dataclass(frozen=True)
class Plan:
    action: str  # install | upgrade | uninstall
    requested: tuple[str, ...]
    modules: tuple[str, ...]  # in the order they will be processed
    losses: tuple[TableLoss, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.modules

    def describe(self) -> str:
        if self.empty:
            return f"Nothing to {self.action}: {', '.join(self.requested)} already done."
        lines = [f"Plan: {self.action} {', '.join(self.modules)}"]
        extra = [m for m in self.modules if m not in self.requested]
        if extra:
            why = "dependencies and bridges" if self.action == "install" else "dependents"
            lines.append(f"  also ({why}): {', '.join(extra)}")
        if self.action == "uninstall":
            for loss in self.losses:
                lines.append(f"  drop table {loss.table} ({loss.module}): {loss.rows} rows lost")
            lines.append(f"  total rows lost: {sum(x.rows for x in self.losses)}")
        return "\n".join(lines)


async def _set_state(name: str, state: str, **extra: object) -> None:
    values: dict[Any, Any] = {"state": state, **extra}
    updated = await ModuleRecord.update(values).where(ModuleRecord.name == name).returning(
        ModuleRecord.name
    ).run()
    if not updated:
        await ModuleRecord.insert(ModuleRecord(name=name, **values)).run()


async def _demo_wanted() -> bool:
    row = await ModuleRecord.select(ModuleRecord.demo).where(ModuleRecord.name == CORE).first().run()
    return bool(row and row["demo"])


def _with_bridges(catalog: Catalog, base: set[str]) -> set[str]:
    """Add bridge modules whose auto-install triggers are all in `base` (and their deps)."""
    result = set(base)
    changed = True
    while changed:
        changed = False
        for m in catalog.manifests.values():
            if m.name in result or not m.auto_install:
                continue
            if set(m.auto_install) <= result:
                result |= graph.closure(catalog.manifests, [m.name])
                changed = True
    return result


async def plan_install(catalog: Catalog, names: Iterable[str]) -> Plan:
    names = list(names)
    for n in names:
        catalog[n]  # raises ModuleNotFound
    current = {n for n, s in (await states()).items() if s == INSTALLED}
    wanted = graph.closure(catalog.manifests, [CORE, *names])
    wanted = _with_bridges(catalog, current | wanted)
    todo = graph.topological(catalog.manifests, wanted - current)
    return Plan("install", tuple(names), tuple(todo))


async def _grant_defaults(m: Manifest) -> None:
    for role in m.roles:
        await Role.insert(Role(name=role.name, label=role.label or role.name)).on_conflict(
            target=Role.name, action="DO NOTHING"
        ).run()
    for role_name, perms in m.grants.items():
        await Role.insert(Role(name=role_name, label=role_name.title())).on_conflict(
            target=Role.name, action="DO NOTHING"
        ).run()
        role_id = await Role.select(Role._meta.primary_key).where(Role.name == role_name).first().run()
        assert role_id is not None
        rid = role_id["id"]
        have = {
            r["permission"]
            for r in await RoleGrant.select(RoleGrant.permission).where(RoleGrant.role == rid).run()
        }
        for perm in perms:
            if perm in have:
                continue
            # Tracked as shipped data: a default grant an admin removed stays removed
            # on upgrade, while a grant new in this version is added.
            await data.ensure(m.name, f"grant.{role_name}.{perm}", RoleGrant,
                              {"role": rid, "permission": perm, "module": m.name})


async def _load(m: Manifest, *, demo: bool) -> None:
    await _grant_defaults(m)
    for loader in m.data:
        await loader()
    if demo:
        for loader in m.demo:
            await loader()


async def _drop(m: Manifest) -> None:
    await migrations.drop_tables(m.tables)
    await migrations.forget(m.name)


async def _purge(m: Manifest) -> None:
    """Remove everything of an uninstalled module that lives in core tables."""
    await data.forget(m.name)
    await RoleGrant.delete().where(
        (RoleGrant.module == m.name) | RoleGrant.permission.is_in(m.permission_names or ["-"])
    ).run()


async def _install_one(m: Manifest, *, demo: bool) -> None:
    if m.name != CORE:
        await _set_state(m.name, TO_INSTALL, error="")
    await migrations.forwards(m.name)
    async with transaction():
        await _load(m, demo=demo)
        await _set_state(m.name, INSTALLED, version=m.version, demo=demo, error="")
        await bump_registry()


async def install(catalog: Catalog, names: Iterable[str], *, demo: bool | None = None) -> Plan:
    """Install modules with their missing dependencies and any bridges now triggered."""
    plan = await plan_install(catalog, names)
    if plan.empty:
        return plan
    if demo is None:
        demo = await _demo_wanted() if CORE not in plan.modules else False
    done: list[Manifest] = []
    for name in plan.modules:
        m = catalog[name]
        try:
            log.info("installing %s %s", m.name, m.version)
            await _install_one(m, demo=demo)
            done.append(m)
        except Exception as exc:
            await _undo_installs([*done, m])
            raise ModuleInstallError(
                f"installing '{name}' failed: {exc}; rolled back "
                f"{', '.join(x.name for x in [*done, m])} to uninstalled"
            ) from exc
    return plan


async def _undo_installs(ms: list[Manifest]) -> None:
    for m in reversed(ms):
        try:
            await _drop(m)
            if m.name == CORE:
                continue
            await _purge(m)
            await _set_state(m.name, UNINSTALLED, version="", demo=False)
        except Exception:  # keep undoing the rest; the original error is what matters
            log.exception("while rolling back %s", m.name)
    if any(m.name != CORE for m in ms):
        await bump_registry()


async def load_demo(catalog: Catalog) -> list[str]:
    """Load demo data of every installed module that has none yet (idempotent)."""
    st = await states()
    loaded = []
    order = graph.topological(catalog.manifests, [n for n, s in st.items() if s == INSTALLED and n in catalog])
    rows = {r["name"]: r["demo"] for r in await ModuleRecord.select(ModuleRecord.name, ModuleRecord.demo).run()}
    for name in order:
        if rows.get(name):
            continue
        async with transaction():
            for loader in catalog[name].demo:
                await loader()
            await _set_state(name, INSTALLED, demo=True)
        loaded.append(name)
    return loaded


async def upgrade(catalog: Catalog, names: Iterable[str]) -> Plan:
    """Run new migrations and reload data (never overwriting what users changed)."""
    st = await states()
    names = list(names)
    for n in names:
        catalog[n]
        if st.get(n) != INSTALLED:
            raise ModuleStateError(f"module '{n}' is not installed (state: {st.get(n, UNINSTALLED)})")
    order = graph.topological(catalog.manifests, names)
    for name in order:
        m = catalog[name]
        old = await ModuleRecord.select().where(ModuleRecord.name == name).first().run()
        assert old is not None
        await _set_state(name, TO_UPGRADE)
        try:
            await migrations.forwards(name)
            async with transaction():
                await _load(m, demo=False)
                await _set_state(name, INSTALLED, version=m.version, error="")
                await bump_registry()
        except Exception as exc:
            await _set_state(name, INSTALLED, version=old["version"], error=str(exc))
            raise ModuleInstallError(f"upgrading '{name}' failed: {exc}; it stays at {old['version']}") from exc
    return Plan("upgrade", tuple(names), tuple(order))


def _reverse_deps(catalog: Catalog) -> dict[str, Manifest]:
    """Manifests where bridge triggers count as dependencies, for uninstall purposes."""
    from dataclasses import replace

    return {
        n: replace(m, depends=tuple(set(m.depends) | set(m.auto_install)))
        for n, m in catalog.manifests.items()
    }


async def plan_uninstall(catalog: Catalog, names: Iterable[str], *, cascade: bool = False) -> Plan:
    names = list(names)
    st = await states()
    for n in names:
        catalog[n]
        if n == CORE:
            raise ModuleStateError("module 'core' cannot be uninstalled")
        if st.get(n) != INSTALLED:
            raise ModuleStateError(f"module '{n}' is not installed (state: {st.get(n, UNINSTALLED)})")
    manifests = _reverse_deps(catalog)
    deps = {d for d in graph.dependents(manifests, names) if st.get(d) == INSTALLED}
    if deps and not cascade:
        raise ModuleDependencyError(
            f"cannot uninstall {', '.join(names)}: installed module(s) {', '.join(sorted(deps))} "
            "depend on it (uninstall them first, or use --cascade)"
        )
    order = list(reversed(graph.topological(manifests, set(names) | deps)))
    losses = []
    for name in order:
        for table in await migrations.existing_tables(catalog[name].tables):
            rows = await table.count().run()
            losses.append(TableLoss(name, table._meta.tablename, rows))
    return Plan("uninstall", tuple(names), tuple(order), tuple(losses))


async def uninstall(catalog: Catalog, plan: Plan) -> Plan:
    """Carry out an uninstall plan from `plan_uninstall`: drop tables, forget data."""
    for name in plan.modules:
        m = catalog[name]
        await _set_state(name, TO_REMOVE)
        try:
            await _drop(m)
            async with transaction():
                await _purge(m)
                await _set_state(name, UNINSTALLED, version="", demo=False, error="")
                await bump_registry()
        except Exception as exc:
            await _set_state(name, INSTALLED, error=str(exc))
            raise ModuleInstallError(f"uninstalling '{name}' failed: {exc}") from exc
    return plan


async def migrate(catalog: Catalog) -> list[str]:
    """Apply pending migrations of every installed module (core first)."""
    st = await states()
    installed = [n for n, s in st.items() if s == INSTALLED and n in catalog] or [CORE]
    applied = []
    for name in graph.topological(catalog.manifests, installed):
        if await migrations.pending(name):
            await migrations.forwards(name)
            applied.append(name)
    if applied:
        await bump_registry()
    return applied
