"""The Apps page's view of the catalog: every visible module with its installed state."""

from __future__ import annotations

from dataclasses import dataclass

from core.modules.discovery import Catalog
from core.modules.lifecycle import CORE
from core.modules.manifest import Manifest
from core.modules.state import INSTALLED, UNINSTALLED, ModuleRecord


@dataclass(frozen=True)
class AppRow:
    manifest: Manifest
    origin: str  # core | built-in | package <dist> | extra
    state: str
    installed_version: str
    error: str

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def installed(self) -> bool:
        return self.state == INSTALLED

    @property
    def upgrade_available(self) -> bool:
        return self.installed and _key(self.manifest.version) > _key(self.installed_version)

    @property
    def removable(self) -> bool:
        return self.installed and self.name != CORE

    @property
    def builtin(self) -> bool:
        return self.origin in ("core", "built-in")


def _key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in version.split("."))
    except ValueError:
        return ()


async def app_rows(catalog: Catalog, *, q: str = "", state: str = "") -> list[AppRow]:
    """Modules of the catalog, core first then by category and name; `q` matches
    name, summary and category, `state` is `installed`, `available` or empty."""
    records = {r["name"]: r for r in await ModuleRecord.select().run()}
    rows = []
    for m in catalog.manifests.values():
        rec = records.get(m.name, {})
        rows.append(AppRow(m, catalog.origins.get(m.name, ""), rec.get("state", UNINSTALLED),
                           rec.get("version", ""), rec.get("error", "")))
    needle = q.strip().lower()
    if needle:
        rows = [r for r in rows if needle in f"{r.name} {r.manifest.summary} {r.manifest.category}".lower()]
    if state == "installed":
        rows = [r for r in rows if r.installed]
    elif state == "available":
        rows = [r for r in rows if not r.installed]
    return sorted(rows, key=lambda r: (r.name != CORE, r.manifest.category, r.name))


async def app_row(catalog: Catalog, name: str) -> AppRow:
    """One module's row; raises ModuleNotFound for a name the catalog lacks."""
    m = catalog[name]
    rec = await ModuleRecord.select().where(ModuleRecord.name == name).first().run() or {}
    return AppRow(m, catalog.origins.get(name, ""), rec.get("state", UNINSTALLED),
                  rec.get("version", ""), rec.get("error", ""))
