"""Third-party modules: any distribution publishing a manifest under `steward.modules`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import discover
from core.modules.state import installed

MANIFEST_PY = """\
from core.modules.manifest import Manifest

MANIFEST = Manifest(name="acme", version="1.0.0", summary="Acme widgets", depends=("core",))
"""


def write_distribution(root: Path) -> None:
    """What `pip install acme-mod` leaves in site-packages: the package and its dist-info."""
    package = root / "acme_mod"
    package.mkdir()
    (package / "__init__.py").write_text('"""Acme widgets."""\n')
    (package / "manifest.py").write_text(MANIFEST_PY)
    info = root / "acme_mod-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-mod\nVersion: 1.0.0\n")
    (info / "entry_points.txt").write_text("[steward.modules]\nacme = acme_mod.manifest:MANIFEST\n")


@pytest.fixture
def acme_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    write_distribution(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path / "acme_mod"
    for name in [n for n in sys.modules if n.split(".")[0] in ("acme_mod", "_steward_app_acme")]:
        del sys.modules[name]


async def test_a_distribution_on_sys_path_is_discovered_through_its_entry_point(
    core_db: str, acme_on_path: Path
) -> None:
    catalog = discover()
    assert "acme" in catalog
    assert "acme-mod" in catalog.origins["acme"]
    assert catalog["acme"].migrations == acme_on_path / "migrations"
    assert catalog["acme"].root == acme_on_path

    register_apps(catalog.manifests.values())
    await lifecycle.install(catalog, ["acme"])
    assert "acme" in await installed()
