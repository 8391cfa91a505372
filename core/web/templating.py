"""Template and static lookup: active theme, then modules, then core."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from litestar.contrib.jinja import JinjaTemplateEngine

from core.modules.discovery import Catalog
from core.settings import ROOT, Settings

CORE_DIR = Path(__file__).resolve().parent.parent
THEMES_DIR = ROOT / "themes"


class ThemeNotFound(Exception):
    pass


def _theme_dir(settings: Settings) -> Path:
    path = THEMES_DIR / settings.web.theme
    if not path.is_dir():
        known = sorted(p.name for p in THEMES_DIR.iterdir() if p.is_dir())
        raise ThemeNotFound(
            f"{settings.source}: key 'web.theme': no theme '{settings.web.theme}' in themes/ "
            f"(expected one of {', '.join(known)})"
        )
    return path


def search_path(settings: Settings, catalog: Catalog, kind: str) -> list[Path]:
    """Directories searched for `templates` or `static`, first match wins."""
    dirs = [_theme_dir(settings) / kind]
    for m in catalog.manifests.values():
        if m.root is not None and (m.root / kind).is_dir():
            dirs.append(m.root / kind)
    dirs.append(CORE_DIR / kind)
    return [d for d in dirs if d.is_dir()]


def make_environment(settings: Settings, catalog: Catalog) -> Environment:
    loader = ChoiceLoader([FileSystemLoader(d) for d in search_path(settings, catalog, "templates")])
    # An Environment we build ourselves has autoescape off; every page must escape.
    return Environment(
        loader=loader,
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,
    )


def make_engine(settings: Settings, catalog: Catalog) -> JinjaTemplateEngine:
    return JinjaTemplateEngine.from_environment(make_environment(settings, catalog))
