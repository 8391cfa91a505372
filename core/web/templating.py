"""Template and static lookup: active theme, then modules, then core.

Each theme gets its own Jinja environment (Jinja caches templates by name, so
one environment cannot serve two themes); the theme of the current request,
from the user's preference or `web.theme`, picks the environment.
"""

from __future__ import annotations

import os
import time
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine

from core import i18n
from core.modules.discovery import Catalog
from core.settings import ROOT, Settings, SettingsError
from core.web.kit import cells
from core.web.return_to import here_in_template

CORE_DIR = Path(__file__).resolve().parent.parent
THEMES_DIR = ROOT / "themes"
theme: ContextVar[str] = ContextVar("theme", default="default")


class ThemeNotFound(SettingsError):
    """`web.theme` names no folder in themes/ (a configuration error, reported like one)."""


# themes() runs on every request (the user's theme is checked against it): the listing is
# kept while the folder's mtime stays the same (adding, removing or renaming a theme
# changes it). A listing taken within a second of the last change is not kept, as a
# second change in the same clock tick would leave the mtime as it was.
_listed: tuple[Path, int, list[str]] | None = None


def themes() -> list[str]:
    global _listed
    stamp = os.stat(THEMES_DIR).st_mtime_ns
    if _listed is not None and _listed[0] is THEMES_DIR and _listed[1] == stamp:
        return list(_listed[2])
    names = sorted(p.name for p in THEMES_DIR.iterdir() if p.is_dir() and not p.name.startswith("."))
    _listed = (THEMES_DIR, stamp, names) if time.time_ns() - stamp > 1_000_000_000 else None
    return list(names)


def check_theme(settings: Settings) -> None:
    if settings.web.theme not in themes():
        raise ThemeNotFound(
            f"{settings.source}: key 'web.theme': no theme '{settings.web.theme}' in themes/ "
            f"(expected one of {', '.join(themes())})"
        )


def module_dirs(catalog: Catalog, kind: str) -> list[Path]:
    """`templates` or `static` folders of modules (then core), first match wins."""
    dirs = [m.root / kind for m in catalog.manifests.values()
            if m.root is not None and m.name != "core" and (m.root / kind).is_dir()]
    return [*dirs, CORE_DIR / kind]


def make_environment(theme_name: str, catalog: Catalog) -> Environment:
    theme_dir = THEMES_DIR / theme_name / "templates"
    loader = ChoiceLoader(
        [FileSystemLoader(d) for d in [theme_dir, *module_dirs(catalog, "templates")] if d.is_dir()]
    )
    # An Environment we build ourselves has autoescape off; every page must escape.
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,
        extensions=["jinja2.ext.do"],
    )
    env.globals.update(
        _=i18n.gettext, ngettext=i18n.ngettext, pgettext=i18n.pgettext, fmt_date=i18n.fmt_date,
        fmt_datetime=i18n.fmt_datetime, fmt_money=i18n.fmt_money, fmt_number=i18n.fmt_number,
        LANGUAGES=i18n.LANGUAGES, current_language=i18n.language.get, here=here_in_template,
        kit_row=cells.row_cells, kit_rows=cells.rows, kit_cell=cells.cell, kit_align=cells.align,
    )
    return env


class ThemedEngine(JinjaTemplateEngine):
    """A Jinja engine whose `engine` is the environment of the request's theme."""

    def __init__(self, catalog: Catalog) -> None:
        self._envs = {name: make_environment(name, catalog) for name in themes()}
        self._callables: dict[str, Any] = {}
        super().__init__(engine_instance=self._envs["default"])

    @property  # type: ignore[override]
    def engine(self) -> Environment:
        return self._envs.get(theme.get()) or self._envs["default"]

    @engine.setter
    def engine(self, value: Environment) -> None:  # called once by the base class
        pass

    def register_template_callable(self, key: str, template_callable: Any) -> None:
        from jinja2 import pass_context

        for env in self._envs.values():
            env.globals[key] = pass_context(template_callable)

    def add_globals(self, **values: Any) -> None:
        for env in self._envs.values():
            env.globals.update(values)
