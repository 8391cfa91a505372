"""The one read-only view of what installed modules contribute.

Built from the catalog (every visible module) and the set of installed ones.
A process keeps one `Registry` and swaps it for a new one when the registry
version in the database moves (another process installed or removed a module).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.modules import graph
from core.modules.discovery import Catalog
from core.modules.manifest import Job, Manifest, Menu, Permission, Report, Schedule, Slot, Widget
from core.modules.state import installed, registry_version


@dataclass(frozen=True)
class Registry:
    version: int
    manifests: tuple[Manifest, ...]  # installed modules, dependencies first

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.manifests]

    def is_installed(self, name: str) -> bool:
        return any(m.name == name for m in self.manifests)

    def _each(self, attr: str) -> Iterator[tuple[Manifest, Any]]:
        for m in self.manifests:
            for item in getattr(m, attr):
                yield m, item

    @property
    def menus(self) -> list[Menu]:
        return sorted((i for _, i in self._each("menus")), key=lambda x: (x.order, x.label))

    @property
    def permissions(self) -> list[Permission]:
        return [i for _, i in self._each("permissions")]

    @property
    def jobs(self) -> dict[str, Job]:
        return {f"{m.name}.{j.name or j.fn.__name__}": j for m, j in self._each("jobs")}

    @property
    def schedules(self) -> list[tuple[str, Schedule]]:
        return [(m.name, s) for m, s in self._each("schedules")]

    @property
    def reports(self) -> list[Report]:
        return [r for _, r in self._each("reports")]

    def slots(self, target: str) -> list[Slot]:
        found = [s for _, s in self._each("slots") if s.target == target]
        return sorted(found, key=lambda s: s.order)

    @property
    def widgets(self) -> list[Widget]:
        return sorted((w for _, w in self._each("widgets")), key=lambda w: w.order)

    def translations(self, language: str) -> dict[str, str]:
        merged: dict[str, str] = {}
        for m in self.manifests:
            merged.update(m.translations.get(language, {}))
        return merged


def build(catalog: Catalog, names: set[str], version: int) -> Registry:
    present = [n for n in names if n in catalog]
    order = graph.topological(catalog.manifests, present)
    return Registry(version=version, manifests=tuple(catalog[n] for n in order))


async def load(catalog: Catalog) -> Registry:
    """Read installed modules from the database into a fresh registry."""
    version = await registry_version() if await _ready() else 0
    names = await installed()
    return build(catalog, names, version)


async def _ready() -> bool:
    from core.modules.state import RegistryVersion

    return await RegistryVersion.table_exists().run()
