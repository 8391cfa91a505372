"""Repeating rows of a kit form (transfer lines, van refill lines).

Row `i` shows the line form's fields renamed `<field>_<i>` with the kit's field macro
(many2one pickers included); each row is parsed and checked with the line form itself,
so its typing, limits and record rules are the kit's. Empty rows are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from core.auth.current import CurrentUser
from core.registry import Registry
from core.web.kit import Field, Form, validate
from core.web.kit.forms import many2one_options

MAX_ROWS = 60


def row_fields(form: Form, i: int) -> list[Field]:
    # Spare rows may stay empty, so the browser must not insist on them (the server checks filled rows).
    # The help text once, under the first row.
    return [replace(f, name=f"{f.name}_{i}", required=False, help=f.help if i == 0 else "") for f in form.fields]


def row_count(data: Mapping[str, Any], default: int) -> int:
    text = str(data.get("lines") or "")
    return min(max(int(text), 1), MAX_ROWS) if text.isdigit() else default


def typed(form: Form, data: Mapping[str, Any], count: int) -> dict[str, str]:
    """What was typed in every row, to show again."""
    return {f"{f.name}_{i}": str(data.get(f"{f.name}_{i}") or "") for i in range(count) for f in form.fields}


def search_of(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """A picker's Search button pressed without JavaScript: (field, text)."""
    field = str(data.get("_search") or "")
    return (field, str(data.get(f"_q_{field}") or "").strip()) if field else None


async def options(form: Form, count: int, raw: Mapping[str, str], search: tuple[str, str], registry: Registry,
                  user: CurrentUser) -> dict[str, list[tuple[str, str]]]:
    """The many2one options of every row."""
    found = {}
    for i in range(count):
        for f in form.fields:
            if f.many2one is not None:
                name = f"{f.name}_{i}"
                found[name] = await many2one_options(f, registry, user, selected=raw.get(name, ""),
                                                     q=search[1] if search[0] == name else "")
    return found


async def parse_rows(form: Form, raw: Mapping[str, str], count: int, registry: Registry,
                     user: CurrentUser) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Typed values of the filled rows and errors keyed by the rows' field names."""
    rows, errors = [], {}
    for i in range(count):
        values = {f.name: raw.get(f"{f.name}_{i}", "") for f in form.fields}
        if not any(v.strip() for v in values.values()):
            continue
        parsed, problems = await validate(form, values, registry, user)
        errors.update({f"{name}_{i}": message for name, message in problems.items()})
        if not problems:
            rows.append(parsed)
    return rows, errors
