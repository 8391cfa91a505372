"""Translations (gettext catalogues read with Babel) and locale formatting.

Each module may ship `locale/<lang>.po` under its root folder; core ships
`core/locale/<lang>.po`. Catalogues are read once per process with Babel's PO
reader (no compile step). The active language is a context variable set per
request from the signed-in user (or the configured default).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern

LANGUAGES = {"en": "English", "nl": "Nederlands"}
LOCALES = {"en": "en_GB", "nl": "nl_NL"}
language: ContextVar[str] = ContextVar("language", default="en")

_catalogues: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}


def load_catalogues(roots: Iterable[Path]) -> None:
    """Read `<root>/locale/<lang>.po` and `<root>/locale/<lang>/*.po` of every root
    (later roots override earlier ones)."""
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for root in roots:
        for lang in LANGUAGES:
            files = [root / "locale" / f"{lang}.po", *sorted((root / "locale" / lang).glob("*.po"))]
            for po in files:
                if not po.is_file():
                    continue
                with po.open("rb") as fh:
                    catalog = read_po(fh, locale=LOCALES[lang])
                merged[lang].update(
                    {key(str(m.id), m.context): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
                )
    _catalogues.clear()
    _catalogues.update(merged)


def key(message: str, context: str | None = None) -> str:
    """A catalogue key: the message, or `context EOT message` as GNU gettext stores it."""
    return f"{context}\x04{message}" if context else message


def gettext(message: str, **params: object) -> str:
    text = _catalogues.get(language.get(), {}).get(message, message)
    return text % params if params else text


def pgettext(context: str, message: str, **params: object) -> str:
    """`message` in a context (`msgctxt` in the .po file), for a word with two meanings:
    pgettext("verb", "Plan") is "Inplannen" where the noun "Plan" stays "Plan". All
    modules share one catalogue, so every other msgid has exactly one translation."""
    text = _catalogues.get(language.get(), {}).get(key(message, context), message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    return gettext(singular if n == 1 else plural, n=n, **params)


_ = gettext


# Parsed once per process: Babel re-reads the locale identifier and the number pattern on
# every call otherwise, which cost a 50-row stock page (200 numbers) over 10 ms.
@functools.cache
def _parsed_locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


@functools.lru_cache(maxsize=32)
def _number_pattern(digits: int) -> NumberPattern:
    return parse_pattern(f"#,##0.{'0' * digits}" if digits else "#,##0")


def locale() -> Locale:
    return _parsed_locale(LOCALES.get(language.get(), "en_GB"))


def fmt_date(value: dt.date | None, style: str = "medium") -> str:
    if not value:
        return ""
    if type(value) is dt.date:
        return _date_text(value, style, LOCALES.get(language.get(), "en_GB"))
    return format_date(value, format=style, locale=locale())


def fmt_datetime(value: dt.datetime | None, style: str = "medium", tz: str = "Europe/Amsterdam") -> str:
    if not value:
        return ""
    if type(value) is dt.datetime:
        # `fold` too: two times of a repeated hour in one zone compare equal without it.
        return _datetime_text(value, value.fold, style, tz, LOCALES.get(language.get(), "en_GB"))
    return format_datetime(value, format=style, tzinfo=ZoneInfo(tz), locale=locale())


# Babel takes 5-10 µs a date and more a datetime; a list formats one per row and the
# same pages are asked for again and again (live search, paging back), so the texts
# are kept per process. The arguments are the whole input: equal datetimes are the same
# instant (naive ones the same wall time) and so read the same in `tz`.
@functools.lru_cache(maxsize=4096)
def _date_text(value: dt.date, style: str, identifier: str) -> str:
    return format_date(value, format=style, locale=_parsed_locale(identifier))


@functools.lru_cache(maxsize=4096)
def _datetime_text(value: dt.datetime, fold: int, style: str, tz: str, identifier: str) -> str:
    return format_datetime(value, format=style, tzinfo=ZoneInfo(tz), locale=_parsed_locale(identifier))


def fmt_number(value: Decimal | float | int | None, digits: int = 2) -> str:
    if value is None:
        return ""
    return format_decimal(value, format=_number_pattern(digits), locale=locale())


def fmt_money(value: Decimal | float | int | None, currency: str = "EUR") -> str:
    return format_currency(value or 0, currency, locale=locale()) if value is not None else ""
