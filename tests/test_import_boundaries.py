"""Core never imports a module; a module imports only core and what it depends on."""

from __future__ import annotations

import ast
from pathlib import Path

from core.modules.discovery import discover
from core.settings import ROOT


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_core_imports_no_module() -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in (ROOT / "core").rglob("*.py")
        for name in imported_roots(p)
        if name == "modules" or name.startswith("modules.")
    ]
    assert offenders == []


def test_each_module_imports_only_core_and_its_dependencies() -> None:
    catalog = discover()
    offenders = []
    for name, manifest in catalog.manifests.items():
        if name == "core" or manifest.root is None:
            continue
        allowed = set(manifest.depends) | {name}
        package = manifest.root.name  # modules/<name> or a third-party package dir
        for path in manifest.root.rglob("*.py"):
            for imp in imported_roots(path):
                parts = imp.split(".")
                if parts[0] == "modules" and len(parts) > 1 and parts[1] not in allowed:
                    offenders.append(f"{path.relative_to(manifest.root.parent)} imports {imp}")
                other = {m.root.name: n for n, m in catalog.manifests.items() if m.root and n != "core"}
                if parts[0] in other and other[parts[0]] not in allowed and parts[0] != package:
                    offenders.append(f"{path.relative_to(manifest.root.parent)} imports {imp}")
    assert offenders == []
