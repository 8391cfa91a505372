"""Finding modules: built-ins under `modules/`, third parties through entry points."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib.metadata import entry_points
from pathlib import Path

from core.modules.errors import ManifestError, ModuleConflictError, ModuleNotFound
from core.modules.graph import validate
from core.modules.manifest import Manifest
from core.settings import ROOT

ENTRY_POINT_GROUP = "steward.modules"
BUILTIN_DIR = ROOT / "modules"
MIGRATIONS_DIR = ROOT / "migrations"


@dataclass(frozen=True)
class Catalog:
    """Every module this process can see, validated together. Core is always first."""

    manifests: dict[str, Manifest]
    origins: dict[str, str]

    def __getitem__(self, name: str) -> Manifest:
        try:
            return self.manifests[name]
        except KeyError:
            raise ModuleNotFound(f"no module named '{name}' (run 'steward modules list')") from None

    def __contains__(self, name: object) -> bool:
        return name in self.manifests

    def names(self) -> list[str]:
        return list(self.manifests)


def _load_builtin(name: str) -> Manifest:
    try:
        mod = importlib.import_module(f"modules.{name}.manifest")
    except Exception as exc:
        raise ManifestError(f"module '{name}': its manifest failed to import: {exc}") from exc
    manifest = getattr(mod, "MANIFEST", None)
    if not isinstance(manifest, Manifest):
        raise ManifestError(f"module '{name}': modules/{name}/manifest.py has no MANIFEST")
    return replace(
        manifest,
        migrations=manifest.migrations or MIGRATIONS_DIR / manifest.name,
        root=manifest.root or BUILTIN_DIR / name,
    )


def builtin_names() -> list[str]:
    if not BUILTIN_DIR.is_dir():
        return []
    return sorted(
        p.name for p in BUILTIN_DIR.iterdir() if (p / "manifest.py").is_file() and not p.name.startswith("_")
    )


def _load_entry_points() -> list[tuple[Manifest, str]]:
    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "?"
        try:
            manifest = ep.load()
        except Exception as exc:
            raise ManifestError(
                f"module '{ep.name}' (package {dist}): entry point {ep.value} failed to load: {exc}"
            ) from exc
        if not isinstance(manifest, Manifest):
            raise ManifestError(
                f"module '{ep.name}' (package {dist}): entry point {ep.value} is not a Manifest"
            )
        package_dir = Path(sys.modules[ep.module].__file__ or ".").parent
        manifest = replace(
            manifest,
            migrations=manifest.migrations or package_dir / "migrations",
            root=manifest.root or package_dir,
        )
        found.append((manifest, f"package {dist}"))
    return found


def discover(extra: Iterable[Manifest] = (), *, entry_points_too: bool = True) -> Catalog:
    """All visible modules, validated: raises a ModuleError before anything changes."""
    from core.manifest import MANIFEST as CORE

    manifests: dict[str, Manifest] = {CORE.name: CORE}
    origins = {CORE.name: "core"}
    candidates: list[tuple[Manifest, str]] = [(_load_builtin(n), "built-in") for n in builtin_names()]
    if entry_points_too:
        candidates += _load_entry_points()
    candidates += [(m, "extra") for m in extra]
    for manifest, origin in candidates:
        if manifest.name in manifests:
            raise ModuleConflictError(
                f"module '{manifest.name}' is provided twice ({origins[manifest.name]} and {origin})"
            )
        manifests[manifest.name] = manifest
        origins[manifest.name] = origin
    validate(manifests)
    return Catalog(manifests=manifests, origins=origins)
