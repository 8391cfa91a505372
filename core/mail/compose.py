"""Composing a message from Jinja templates in the recipient's language.

`core/mail/<name>.<lang>.txt` (first line `Subject: ...`, then a blank line, then the
plain-text body) and optionally `core/mail/<name>.<lang>.html` (the HTML part).
A module ships its own under `templates/<module>/mail/`. The language follows the
recipient partner's or user's language, falling back to the company's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from core import i18n
from core.auth.models import User
from core.company.models import Company
from core.modules.discovery import Catalog, discover
from core.partners.models import Partner
from core.web.templating import module_dirs


class MailTemplateError(Exception):
    """A mail template is missing or malformed."""


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str
    language: str  # the language written in (English when the asked one has no template)


# Keeps each catalog alive with its environments, so an id is never reused for another catalog.
_envs: dict[int, tuple[Catalog, Environment, Environment]] = {}


@functools.cache
def _default_catalog() -> Catalog:
    return discover()


def _environments(catalog: Catalog | None = None) -> tuple[Environment, Environment]:
    """(plain-text, HTML) environments: text bodies must not be HTML-escaped."""
    catalog = catalog or _default_catalog()
    if id(catalog) not in _envs:
        _envs[id(catalog)] = (catalog, *_make_environments(catalog))
    _, text_env, html_env = _envs[id(catalog)]
    return text_env, html_env


def _make_environments(catalog: Catalog) -> tuple[Environment, Environment]:
    dirs = module_dirs(catalog, "templates")
    loader = ChoiceLoader([FileSystemLoader(d) for d in dirs])
    made = []
    for escape in (False, True):
        env = Environment(loader=loader, autoescape=escape, undefined=StrictUndefined,
                          keep_trailing_newline=True, auto_reload=False)
        env.globals.update(_=i18n.gettext, ngettext=i18n.ngettext, pgettext=i18n.pgettext, fmt_date=i18n.fmt_date,
                           fmt_datetime=i18n.fmt_datetime, fmt_money=i18n.fmt_money,
                           fmt_number=i18n.fmt_number)
        made.append(env)
    return made[0], made[1]


def _path(name: str, language: str, ext: str) -> str:
    module, _, short = name.rpartition(".") if "." in name else ("core", "", name)
    return f"{module}/mail/{short}.{language}.{ext}"


def _exists(env: Environment, path: str) -> bool:
    try:
        env.get_template(path)
    except TemplateNotFound:
        return False
    return True


def compose(name: str, language: str, context: Mapping[str, Any], catalog: Catalog | None = None) -> Composed:
    """Render mail template `name` (`core.document`, or `document` for core's own)."""
    text_env, html_env = _environments(catalog)
    # A module that ships only English templates still mails Dutch recipients (in English).
    if language != "en" and not _exists(text_env, _path(name, language, "txt")):
        language = "en"
    token = i18n.language.set(language)
    try:
        try:
            text = text_env.get_template(_path(name, language, "txt")).render(**context)
        except TemplateNotFound:
            raise MailTemplateError(f"no mail template {_path(name, language, 'txt')}") from None
        html = ""
        if _exists(html_env, _path(name, language, "html")):
            html = html_env.get_template(_path(name, language, "html")).render(**context)
    finally:
        i18n.language.reset(token)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise MailTemplateError(f"{_path(name, language, 'txt')}: the first line must be 'Subject: ...'")
    return Composed(subject=first.removeprefix("Subject:").strip(), text=body.lstrip("\n"), html=html,
                    language=language)


async def recipient_language(partner_id: int | None = None, user_id: int | None = None) -> str:
    """The language to write in: the partner's, else the user's, else the company's."""
    candidates = []
    if partner_id is not None:
        candidates.append(await Partner.select(Partner.language).where(Partner._meta.primary_key == partner_id).first().run())
    if user_id is not None:
        candidates.append(await User.select(User.language).where(User._meta.primary_key == user_id).first().run())
    candidates.append(await Company.select(Company.language).first().run())
    for row in candidates:
        if row and row["language"] in i18n.LANGUAGES:
            return str(row["language"])
    return "en"
