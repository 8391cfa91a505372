"""Every string a user can see has a Dutch translation, and numbers, dates and money
follow the user's language.

Strings are found the way a translator's tools find them: Babel's extractors over
the templates (`_()`/`ngettext()` in Jinja) and the Python code, plus the labels
that templates translate at render time (`_(menu.label)`, `_(c.label)`, ...): those
a manifest declares and those of the kit resources its controllers serve.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core import i18n
from core.modules.discovery import Catalog
from core.modules.manifest import Manifest
from core.settings import ROOT
from core.web.kit import Resource

METHODS = [("**/templates/**.html", "jinja2.ext.babel_extract"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
THEMES = ROOT / "themes"

Found = dict[str, str]  # msgid -> where it was found


def extracted(root: Path, methods: list[tuple[str, str]] = METHODS) -> Found:
    found: Found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        root, methods, OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:  # ngettext's tuple has None for the count
                found.setdefault(i18n.key(msgid, context), f"{root.name}/{filename}:{lineno}")
    return found


def po_files(roots: Iterable[Path], lang: str = "nl") -> list[Path]:
    """The files `core.i18n.load_catalogues` reads, in its order."""
    files: list[Path] = []
    for root in roots:
        files += [root / "locale" / f"{lang}.po", *sorted((root / "locale" / lang).glob("*.po"))]
    return [f for f in files if f.is_file()]


def translations(roots: Iterable[Path]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for po in po_files(roots):
        with po.open("rb") as fh:
            merged.update({i18n.key(str(m.id), m.context): str(m.string) for m in read_po(fh, locale="nl_NL")
                           if m.id and m.string and not m.fuzzy})
    return merged


def resources(manifest: Manifest) -> list[Resource]:
    """The kit resources served by the manifest's controllers (`core.web.kit.controller(res)`
    closes over its resource in every route handler; a subclass inherits those handlers,
    and a hand-written handler names its module's resource)."""
    found: dict[int, Resource] = {}
    for controller in manifest.controllers:
        for klass in controller.__mro__ if isinstance(controller, type) else ():
            for member in vars(klass).values():
                fn = getattr(member, "fn", None)
                if inspect.isfunction(fn):
                    names = inspect.getclosurevars(fn)
                    found.update({id(v): v for v in (*names.nonlocals.values(), *names.globals.values())
                                  if isinstance(v, Resource)})
    return list(found.values())


def resource_labels(res: Resource) -> Iterator[str]:
    yield from (res.title, res.singular, res.new_label)
    for column in res.list.columns:
        yield column.label
        yield from column.choices.values()
    for flt in res.list.filters:
        yield flt.label
        yield from (label for _value, label in flt.choices)
    for f in res.form.fields:
        yield from (f.label, f.unit, f.help)
        yield from (label for _value, label in f.choices)
        if f.pattern:
            yield f.pattern_message
    yield from (section for section, _names in res.form.sections)


def history_labels(res: Resource) -> list[str]:
    """Record histories name changed fields with `core.web.kit.history.field_label`."""
    from core.db.records import _SYSTEM_FIELDS
    from core.web.kit.history import field_label

    names = [c._meta.name for c in res.table._meta.columns if c._meta.name not in _SYSTEM_FIELDS]
    token = i18n.language.set("en")  # the English msgid, whatever language the test runs in
    try:
        return [field_label(n) for n in names]
    finally:
        i18n.language.reset(token)


def declared_labels(manifest: Manifest) -> Found:
    """Labels a manifest declares that templates and handlers pass through `_()`."""
    found: Found = {}

    def add(where: str, labels: Iterable[str]) -> None:
        found.update({label: f"{manifest.name} {where}" for label in labels if label and label not in found})

    add("menus", (m.label for m in manifest.menus))
    add("permissions", (p.label for p in manifest.permissions))
    add("roles", (r.label for r in manifest.roles))
    add("widgets", (w.label for w in manifest.widgets))
    add("slots", (s.label for s in manifest.slots))
    add("reports", (r.title for r in manifest.reports))
    add("settings", (s.label for s in manifest.settings))
    for res in resources(manifest):
        add(f"resource {res.path}", resource_labels(res))
        add(f"history of {res.path}", history_labels(res))
    return found


def core_runtime_labels() -> Found:
    """Words core keeps in tables and translates when it shows them."""
    from core.admin import apps, audit_log
    from core.dashboard.widgets import KIND_LABELS
    from core.jobs.runs import STATES
    from core.modules import state
    from core.web.errors import TITLES

    groups = {
        "core.admin.apps.ACTIONS": apps.ACTIONS.values(), "core.admin.apps.DONE": apps.DONE.values(),
        "core.web.errors.TITLES": [*TITLES.values(), "Error"],
        "core.jobs.runs.STATES": STATES, "core.admin.audit_log.ACTIONS": audit_log.ACTIONS,
        "core.modules.state": (state.TO_INSTALL, state.TO_UPGRADE, state.TO_REMOVE),
        "core.dashboard.widgets.KIND_LABELS": KIND_LABELS.values(),
    }
    return {label: where for where, labels in groups.items() for label in labels}


def untranslated(found: Found, catalogue: dict[str, str]) -> list[str]:
    return sorted(f"{where}: {msgid!r}" for msgid, where in found.items() if msgid not in catalogue)


def missing_message(missing: list[str]) -> str:
    return f"{len(missing)} string(s) without a Dutch translation:\n" + "\n".join(missing)


def test_every_string_in_core_and_the_themes_has_a_dutch_translation() -> None:
    found = extracted(ROOT / "core")
    found.update(extracted(THEMES, [("**/templates/**.html", "jinja2.ext.babel_extract")]))
    assert len(found) > 300, "the extractors found core's strings"
    missing = untranslated(found, translations([ROOT / "core"]))
    assert not missing, missing_message(missing)


def test_every_label_core_declares_has_a_dutch_translation(catalog: Catalog) -> None:
    found = declared_labels(catalog["core"]) | core_runtime_labels()
    assert {"Partners", "Product categories", "Postcode prefixes", "By serial number"} <= set(found)
    missing = untranslated(found, translations([ROOT / "core"]))
    assert not missing, missing_message(missing)


def test_the_example_module_ships_dutch_for_its_strings(catalog: Catalog) -> None:
    example = catalog["example"]
    assert example.root is not None
    assert (example.root / "locale" / "nl.po").is_file()
    found = extracted(example.root) | declared_labels(example)
    assert {"Water tests", "Certificate", "See water tests"} <= set(found)
    # At run time a module's catalogue is merged with core's, so core's words count.
    missing = untranslated(found, translations([ROOT / "core", example.root]))
    assert not missing, missing_message(missing)


def builtin_modules() -> list[str]:
    from core.modules.discovery import builtin_names

    return builtin_names()


@pytest.mark.parametrize("name", builtin_modules())
def test_every_builtin_module_ships_dutch_for_its_strings(name: str, catalog: Catalog) -> None:
    module = catalog[name]
    assert module.root is not None
    found = extracted(module.root) | declared_labels(module)
    missing = untranslated(found, translations([ROOT / "core", module.root]))
    assert not missing, missing_message(missing)
    bare = templates_with_bare_text(module.root)
    assert not bare, "wrap these in _():\n" + "\n".join(bare)


def test_no_message_has_two_dutch_translations(catalog: Catalog) -> None:
    """Every module's catalogue is merged into one at run time, so a msgid translated two
    ways would show whichever file loads last. A word with two meanings takes a context
    (`pgettext("verb", "Plan")`, `msgctxt` in the .po file)."""
    roots = [ROOT / "core", *(m.root for m in catalog.manifests.values() if m.root is not None)]
    seen: dict[str, dict[str, str]] = {}
    for po in po_files(dict.fromkeys(roots)):
        with po.open("rb") as fh:
            for m in read_po(fh, locale="nl_NL"):
                if m.id and m.string and not m.fuzzy:
                    where = po.relative_to(ROOT) if po.is_relative_to(ROOT) else po
                    seen.setdefault(i18n.key(str(m.id), m.context), {})[str(where)] = str(m.string)
    twice = {msgid: where for msgid, where in seen.items() if len(set(where.values())) > 1}
    assert not twice, "\n".join(f"{msgid!r}: {where}" for msgid, where in sorted(twice.items()))


def test_a_word_with_two_meanings_is_translated_in_its_context(catalog: Catalog) -> None:
    i18n.load_catalogues([ROOT / "core", *(m.root for m in catalog.manifests.values() if m.root is not None)])
    token = i18n.language.set("nl")
    try:
        assert (i18n.gettext("Plan"), i18n.pgettext("verb", "Plan")) == ("Plan", "Inplannen")
        assert i18n.pgettext("no such context", "Plan") == "Plan"
    finally:
        i18n.language.reset(token)


def test_a_string_without_translation_is_reported(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text('{{ _("Save") }} {{ ngettext("%(n)s lid", "%(n)s leden", 2) }}')
    (tmp_path / "rules.py").write_text('from core.i18n import _\nMESSAGE = _("Stock ran out.")\n')
    found = extracted(tmp_path)
    assert set(found) == {"Save", "%(n)s lid", "%(n)s leden", "Stock ran out."}
    here = tmp_path.name
    assert untranslated(found, {"Save": "Opslaan"}) == [
        f"{here}/rules.py:2: 'Stock ran out.'",
        f"{here}/templates/page.html:1: '%(n)s leden'",
        f"{here}/templates/page.html:1: '%(n)s lid'",
    ]


def test_the_example_package_ships_its_catalogue() -> None:
    pyproject = (ROOT / "examples" / "steward_example" / "pyproject.toml").read_text()
    assert re.search(r'steward_example = \[[^\]]*"locale/\*\.po"', pyproject)


def test_core_catalogues_agree_on_each_translation() -> None:
    """Catalogues are merged: when two translate a msgid differently, one silently loses."""
    versions: dict[str, dict[str, list[str]]] = {}
    for po in po_files([ROOT / "core"]):
        with po.open("rb") as fh:
            for m in read_po(fh):
                if m.id and m.string:
                    versions.setdefault(str(m.id), {}).setdefault(str(m.string), []).append(po.name)
    clashes = {msgid: found for msgid, found in versions.items() if len(found) > 1}
    assert not clashes, "\n".join(f"{msgid!r}: {found}" for msgid, found in clashes.items())


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


def test_translations_keep_the_placeholders_of_their_source(catalog: Catalog) -> None:
    roots = [ROOT / "core", *[m.root for m in catalog.manifests.values() if m.root and m.name != "core"]]
    wrong = []
    for po in po_files(roots):
        with po.open("rb") as fh:
            wrong += [f"{po.relative_to(po.parents[2])}: {m.id!r} -> {m.string!r}" for m in read_po(fh)
                      if m.id and m.string and placeholders(str(m.id)) != placeholders(str(m.string))]
    assert not wrong, "\n".join(wrong)


class VisibleText(HTMLParser):
    """Text nodes and human-readable attributes of a template, its Jinja parts blanked."""

    ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_code += tag in ("script", "style")
        self.texts += [v for k, v in attrs if k in self.ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        self.in_code -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            self.texts.append(" ".join(data.split()))


JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# A word (three letters or more, not an acronym like IBAN) outside `_()`; text that
# looks like attributes comes from a macro writing part of a tag.
WORD = re.compile(r"\b(?=[A-Za-z]*[a-z])[A-Za-z]{3,}\b")


def bare_text(template: Path) -> list[str]:
    parser = VisibleText()
    parser.feed(JINJA.sub(" ", template.read_text()))
    return [t for t in parser.texts if WORD.search(t) and '="' not in t]


def templates_with_bare_text(root: Path) -> list[str]:
    # A template per language (mail/document.nl.html) is written in that language.
    per_language = re.compile(rf"\.({'|'.join(i18n.LANGUAGES)})\.html$")
    return [f"{t.relative_to(root)}: {text!r}" for t in sorted(root.rglob("templates/**/*.html"))
            if not per_language.search(t.name) for text in bare_text(t)]


@pytest.mark.parametrize("where", ["core", "themes", "example"])
def test_templates_show_no_text_outside_translation_calls(where: str, catalog: Catalog) -> None:
    root = {"core": ROOT / "core", "themes": THEMES, "example": catalog["example"].root}[where]
    assert root is not None
    found = templates_with_bare_text(root)
    assert not found, "wrap these in _():\n" + "\n".join(found)


def test_bare_text_is_noticed(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text('<h1>Water tests</h1><p title="IBAN">{{ _("Saved") }} · IBAN {{ n }} ms</p>'
                    '<img alt="Company logo"><td{% if x %} class="num"{% endif %}>')
    assert bare_text(page) == ["Water tests", "Company logo"]


@pytest.fixture
def speaking():
    def use(lang: str) -> None:
        i18n.language.set(lang)

    token = i18n.language.set("en")
    yield use
    i18n.language.reset(token)


def test_dutch_formats_money_numbers_and_dates_the_dutch_way(speaking) -> None:
    speaking("nl")
    assert i18n.fmt_money(Decimal("1234.5"), "EUR").replace("\xa0", " ") == "€ 1.234,50"
    assert i18n.fmt_number(Decimal("1234.5")) == "1.234,50"
    assert i18n.fmt_number(1234, 0) == "1.234"
    # CLDR writes the abbreviated month with or without a full stop, depending on its version.
    assert re.fullmatch(r"27 nov\.? 2026", i18n.fmt_date(dt.date(2026, 11, 27)))
    assert i18n.fmt_datetime(dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)).endswith("09:30:00")


def test_english_formats_money_numbers_and_dates_the_english_way(speaking) -> None:
    speaking("en")
    assert i18n.fmt_money(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert i18n.fmt_number(Decimal("1234.5")) == "1,234.50"
    assert i18n.fmt_date(dt.date(2026, 11, 27)) == "27 Nov 2026"


async def test_a_modules_page_speaks_the_users_language(core_db: str, catalog: Catalog, settings_for) -> None:
    from core.app import create_app
    from core.auth.account import set_preferences
    from core.modules import lifecycle
    from core.testing import app_client, make_user, post_form, sign_in

    await lifecycle.install(catalog, ["example"])
    eva = await make_user("eva", roles=("manager",))
    await set_preferences(eva["id"], language="nl", theme=None)
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        page = (await client.get("/example/water-tests", headers={"accept": "text/html"})).text
        refused = await post_form(client, "/example/water-tests", {"partner": "", "hardness": "x"})
    assert '<html lang="nl">' in page and "<h1>Watertests</h1>" in page and ">Watertests</a>" in page
    assert "Nog geen watertests vastgelegd." in page and ">Test opslaan<" in page
    assert "kies de klant waar het water is getest" in refused.text


def test_kept_date_texts_are_those_babel_formats() -> None:
    """fmt_date/fmt_datetime keep their texts per process; equal values must read the same,
    and values that only compare equal (a repeated hour's two times) must not share one."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from babel.dates import format_date, format_datetime

    from core import i18n

    ams = ZoneInfo("Europe/Amsterdam")
    values = [dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC), dt.datetime(2026, 3, 4, 11, 30, tzinfo=ams),
              dt.datetime(2026, 3, 4, 10, 30), dt.datetime(2026, 10, 25, 2, 30, tzinfo=ams),
              dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ams)]
    for lang in ("en", "nl"):
        token = i18n.language.set(lang)
        try:
            for value in values * 2:
                assert i18n.fmt_datetime(value) == format_datetime(value, format="medium", tzinfo=ams,
                                                                   locale=i18n.locale())
                assert i18n.fmt_datetime(value, "short", "UTC") == format_datetime(
                    value, format="short", tzinfo=dt.UTC, locale=i18n.locale())
            for day in (dt.date(2026, 1, 2), dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 23, 30)):
                assert i18n.fmt_date(day) == format_date(day, format="medium", locale=i18n.locale())
        finally:
            i18n.language.reset(token)
    assert i18n.fmt_datetime(values[3], tz="UTC") != i18n.fmt_datetime(values[4], tz="UTC")
