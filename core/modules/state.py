"""Persisted module states and the registry version every process watches."""

from __future__ import annotations

from piccolo.columns import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

UNINSTALLED = "uninstalled"
INSTALLED = "installed"
TO_INSTALL = "to install"
TO_UPGRADE = "to upgrade"
TO_REMOVE = "to remove"


class ModuleRecord(Table, tablename="core_module"):
    name = Varchar(length=100, unique=True)
    state = Varchar(length=20, default=UNINSTALLED)
    version = Varchar(length=20, default="")
    demo = Boolean(default=False)
    error = Text(default="")
    changed_at = Timestamptz(default=TimestamptzNow())


class RegistryVersion(Table, tablename="core_registry"):
    """One row; bumped by every install, upgrade and uninstall."""

    version = Integer(default=0)


async def states() -> dict[str, str]:
    """Module name -> state; empty before core itself is installed."""
    if not await ModuleRecord.table_exists().run():
        return {}
    rows = await ModuleRecord.select(ModuleRecord.name, ModuleRecord.state).run()
    return {r["name"]: r["state"] for r in rows}


async def installed() -> set[str]:
    return {n for n, s in (await states()).items() if s == INSTALLED}


async def registry_version() -> int:
    row = await RegistryVersion.select(RegistryVersion.version).first().run()
    return row["version"] if row else 0


async def bump_registry() -> int:
    """Tell every process that the installed modules changed (this one at once)."""
    from core import events

    events.forget_installed()
    rows = await RegistryVersion.update(
        {RegistryVersion.version: RegistryVersion.version + 1}, force=True
    ).returning(RegistryVersion.version).run()
    if rows:
        return rows[0]["version"]
    await RegistryVersion.insert(RegistryVersion(version=1)).run()
    return 1
