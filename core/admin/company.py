"""The company record as the Settings page edits it: validation, saving, the logo file."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from babel.numbers import get_currency_name, list_currencies

from core.company.models import Company
from core.db import records
from core.db.engine import transaction
from core.i18n import LANGUAGES, _, locale
from core.modules.state import bump_registry

FIELDS = ("name", "legal_name", "vat_number", "chamber_of_commerce", "street", "postcode", "city", "country",
          "email", "phone", "iban", "currency", "language", "timezone")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOGO_MAX = 1024 * 1024
LOGO_TYPES = {"png": (b"\x89PNG\r\n\x1a\n", "image/png"), "jpg": (b"\xff\xd8\xff", "image/jpeg")}
LOGO_NAME_RE = re.compile(r"^logo-[0-9a-f]{16}\.(png|jpg)$")


class InvalidCompany(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Logo:
    """An uploaded file: its bytes as sent (checked here, not trusted)."""

    content: bytes


@cache
def timezones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


def currencies() -> list[tuple[str, str]]:
    loc = locale()
    return sorted(((c, get_currency_name(c, locale=loc)) for c in list_currencies() if len(c) == 3),
                  key=lambda x: x[0])


def countries() -> list[tuple[str, str]]:
    return sorted(((c, n) for c, n in locale().territories.items() if len(c) == 2 and c.isalpha()),
                  key=lambda x: x[1])


def iban_ok(iban: str) -> bool:
    """ISO 13616: country, check digits, then the account; mod 97 of the rearranged number is 1."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def _length(field: str) -> int:
    return int(getattr(Company._meta.get_column_by_name(field), "length", 200))


def clean(data: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Normalised values of the form and the problems with them, per field."""
    values = {f: str(data.get(f, "")).strip() for f in FIELDS}
    values["iban"] = values["iban"].replace(" ", "").upper()
    values["vat_number"] = values["vat_number"].replace(" ", "").upper()
    errors = {f: _("Use at most %(n)s characters.", n=_length(f)) for f in FIELDS if len(values[f]) > _length(f)}
    if not values["name"]:
        errors["name"] = _("Enter the company name.")
    if values["email"] and not EMAIL_RE.match(values["email"]):
        errors["email"] = _("Enter an e-mail address like name@example.com.")
    if values["iban"] and not iban_ok(values["iban"]):
        errors["iban"] = _("This is not a valid IBAN (check the digits).")
    if values["currency"] not in dict(currencies()):
        errors["currency"] = _("Choose a currency from the list.")
    if values["language"] not in LANGUAGES:
        errors["language"] = _("Choose a language from the list.")
    if values["timezone"] not in timezones():
        errors["timezone"] = _("Choose a time zone from the list.")
    if values["country"] not in dict(countries()):
        errors["country"] = _("Choose a country from the list.")
    return values, errors


def logo_kind(logo: Logo) -> str:
    """`png` or `jpg`, judged by the file's first bytes; InvalidCompany otherwise."""
    if len(logo.content) > LOGO_MAX:
        raise InvalidCompany({"logo": _("The logo may be at most 1 MB.")})
    for ext, (magic, _type) in LOGO_TYPES.items():
        if logo.content.startswith(magic):
            return ext
    raise InvalidCompany({"logo": _("Upload a PNG or JPEG image.")})


def logo_dir(var_dir: Path) -> Path:
    return var_dir / "company"


def logo_file(var_dir: Path, name: str) -> tuple[Path, str] | None:
    """The stored logo's path and content type, if `name` is one of ours and exists."""
    if not LOGO_NAME_RE.match(name):
        return None
    path = logo_dir(var_dir) / name
    return (path, LOGO_TYPES[name.rsplit(".", 1)[1]][1]) if path.is_file() else None


def _store(var_dir: Path, logo: Logo, ext: str) -> str:
    name = f"logo-{hashlib.sha256(logo.content).hexdigest()[:16]}.{ext}"
    folder = logo_dir(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(logo.content)
    tmp.replace(folder / name)
    return name


async def get_company() -> dict[str, Any]:
    row = await Company.select().first().run()
    assert row is not None, "core data creates the company row"
    return row


async def save_company(data: dict[str, str], *, version: int, var_dir: Path, logo: Logo | None = None,
                       remove_logo: bool = False) -> dict[str, Any]:
    """Validate and save; raises InvalidCompany (all field problems) or StaleRecordError.

    Bumps the registry version so every process shows the new company name."""
    values, errors = clean(data)
    ext = ""
    if logo is not None:
        try:
            ext = logo_kind(logo)
        except InvalidCompany as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidCompany(errors)
    company = await get_company()
    changes: dict[str, Any] = dict(values)
    if logo is not None:
        changes["logo"] = _store(var_dir, logo, ext)
    elif remove_logo:
        changes["logo"] = ""
    async with transaction():
        row = await records.update(Company, company["id"], changes, version=version)
        await bump_registry()
    return row
