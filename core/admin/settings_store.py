"""Module settings: values of the `SettingField`s a manifest declares, stored as text
in `core_setting` and read back typed (str, int, bool, decimal).

Callers pass the manifest that declares the setting, so the default and the kind
come from one place: `await get_setting(MANIFEST, "reminder_days")`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from core.admin.models import Setting
from core.db import records
from core.db.engine import transaction
from core.i18n import _
from core.modules.manifest import Manifest, SettingField

KINDS = ("str", "int", "bool", "decimal")
MAX_TEXT = 2000


class UnknownSetting(KeyError):
    """The manifest declares no setting with that key."""


class InvalidSettings(Exception):
    """Form values that do not fit their kind; `errors` maps key -> message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def field_of(module: Manifest, key: str) -> SettingField:
    for f in module.settings:
        if f.key == key:
            return f
    raise UnknownSetting(f"module '{module.name}' declares no setting '{key}'")


def to_text(f: SettingField, value: Any) -> str:
    if f.kind == "bool":
        return "1" if value else "0"
    return "" if value is None else str(value)


def from_text(f: SettingField, text: str) -> Any:
    """The stored text as a value of the field's kind (the default if it no longer parses)."""
    try:
        return parse(f, text)
    except ValueError:
        return f.default


def parse(f: SettingField, raw: str | None) -> Any:
    """Typed value of form input `raw`; ValueError with a user message if it does not fit."""
    if f.kind not in KINDS:
        raise ValueError(f"setting '{f.key}' has unknown kind '{f.kind}' (expected one of {', '.join(KINDS)})")
    text = (raw or "").strip()
    if f.kind == "bool":
        return text not in ("", "0", "false", "off")
    if f.kind == "str":
        if len(text) > MAX_TEXT:
            raise ValueError(_("Use at most %(n)s characters.", n=MAX_TEXT))
        return text
    if f.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(_("Enter a whole number.")) from None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("Enter a number, e.g. 12.50.")) from None
    if not value.is_finite():
        raise ValueError(_("Enter a number, e.g. 12.50."))
    return value


async def _rows(module: str) -> dict[str, dict[str, Any]]:
    rows = await Setting.select().where(Setting.module == module).run()
    return {r["key"]: r for r in rows}


async def get_setting(module: Manifest, key: str) -> Any:
    """The stored value of the setting, typed, or its declared default."""
    f = field_of(module, key)
    row = await Setting.select(Setting.value).where(
        (Setting.module == module.name) & (Setting.key == key)
    ).first().run()
    return from_text(f, row["value"]) if row else f.default


async def settings_of(module: Manifest) -> dict[str, tuple[Any, int]]:
    """Every declared setting of the module: key -> (typed value, row version; 0 = default)."""
    rows = await _rows(module.name)
    return {
        f.key: (from_text(f, rows[f.key]["value"]), rows[f.key]["version"]) if f.key in rows else (f.default, 0)
        for f in module.settings
    }


async def _write(module: str, f: SettingField, value: Any, row: dict[str, Any] | None,
                 version: int | None) -> None:
    text = to_text(f, value)
    if row is None:
        if version:  # the form saw a stored value that has since gone
            raise records.StaleRecordError(Setting, 0, version, 0)
        await records.create(Setting, {"module": module, "key": f.key, "value": text})
    elif row["value"] != text or (version is not None and version != row["version"]):
        await records.update(Setting, row["id"], {"value": text},
                             version=row["version"] if version is None else version)


async def set_setting(module: Manifest, key: str, value: Any) -> None:
    """Store a typed value (last write wins; the admin form uses `save_section`)."""
    f = field_of(module, key)
    async with transaction():
        row = (await _rows(module.name)).get(key)
        await _write(module.name, f, value, row, None)


async def save_section(module: Manifest, form: Mapping[str, Any]) -> None:
    """Validate and store the module's section of the settings form, all or nothing.

    Form fields: `s_<key>` (value; a missing bool is False) and `v_<key>` (the version
    the form was rendered from, so a concurrent change is refused, not overwritten).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in module.settings:
        try:
            values[f.key] = parse(f, form.get(f"s_{f.key}"))
        except ValueError as exc:
            errors[f.key] = str(exc)
    if errors:
        raise InvalidSettings(errors)
    async with transaction():
        rows = await _rows(module.name)
        for f in module.settings:
            seen = str(form.get(f"v_{f.key}", "0"))
            version = int(seen) if seen.isdigit() else 0
            row = rows.get(f.key)
            if row is None or row["value"] != to_text(f, values[f.key]) or row["version"] != version:
                await _write(module.name, f, values[f.key], row, version)
