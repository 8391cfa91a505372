"""CSV export of a list: the same state and record rules as the page, streamed in batches.

Spreadsheets run cells that start with `=`, `+`, `-`, `@` (and tab/CR) as formulas,
so such cells get a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

from core.auth.current import CurrentUser
from core.i18n import _
from core.registry import Registry
from core.web.kit.lists import ListSpec, ListState, build_query, selective_words

BATCH = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def cell(value: Any, choices: Any = None, money: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        cents = value.quantize(Decimal("0.01"))
        # Money as 12.50 on both engines (SQLite hands back 12.5), more decimals only when stored.
        return format(cents if money and cents == value else value, "f")
    text = str(value)
    if choices and text in choices:
        text = _(choices[text])
    return safe_cell(text)


def _line(values: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    return buf.getvalue()


async def csv_lines(spec: ListSpec, state: ListState, registry: Registry,
                    user: CurrentUser) -> AsyncIterator[str]:
    """The header line, then every row the user may see, `BATCH` rows per query."""
    cols = [c for name in state.cols if (c := spec.column(name)) is not None]
    yield _line([safe_cell(_(c.label)) for c in cols])
    offset, indexed = 0, await selective_words(spec, state)
    while True:
        query = build_query(spec, state, registry, user, [c.name for c in cols], indexed)
        rows = await query.limit(BATCH).offset(offset).run()
        if not rows:
            return
        yield "".join(_line([cell(r[c.name], c.choices, c.format == "money") for c in cols]) for r in rows)
        if len(rows) < BATCH:
            return
        offset += BATCH
