"""One list cell by its column's format, rendered in Python.

A list page shows up to 50 rows of several columns; a Jinja macro call per cell
cost more than the database query behind the page, so the list template calls
these functions (Jinja globals `kit_rows`, `kit_row`, `kit_cell`, `kit_align`) instead. Every value is
escaped here; the result is Markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from core import i18n

_ALIGN = {"money": ' class="num"', "number": ' class="num"', "bool": ' class="center"'}


def align(c: Any) -> Markup:
    """The class attribute of a column's cells (numbers right, booleans centred)."""
    return Markup(_ALIGN.get(c.format, ""))


def esc(value: Any) -> str:
    """`markupsafe.escape(value)` as a plain str (the same five replacements, and a
    value with `__html__` kept as it is), without a Markup object per value: a
    50-row list escapes a few hundred values per request."""
    if type(value) is not str:
        if hasattr(value, "__html__"):
            return str(value.__html__())
        value = str(value)
    return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def _yes() -> str:
    yes = esc(i18n.gettext("Yes"))
    return f'<span class="kit-yes" title="{yes}">✓</span><span class="visually-hidden">{yes}</span>'


def _html(c: Any, row: Mapping[str, Any], res: Any, currency: str) -> str:
    """The escaped HTML of one cell (a str, so a row joins without Markup overhead)."""
    v = row[c.name]
    fmt = c.format
    if fmt == "text":
        return "" if v is None or v == "" else esc(v)
    if fmt == "link":
        label = v if v not in (None, "") else "—"
        return f'<a href="{esc(res.path)}/{esc(row["id"])}">{esc(label)}</a>'
    if v is None or v == "":
        return ""
    if fmt == "bool":
        return _yes() if v else ""
    if fmt == "badge":
        style = c.badges.get(str(v))
        cls = f"badge badge-{esc(style)}" if style else "badge"
        return f'<span class="{cls}">{esc(i18n.gettext(c.choices.get(str(v), str(v))))}</span>'
    return esc(_text(c, v, currency))


def cell(c: Any, row: Mapping[str, Any], res: Any, currency: str) -> Markup:
    return Markup(_html(c, row, res, currency))


def row_cells(columns: Sequence[Any], row: Mapping[str, Any], res: Any, currency: str) -> Markup:
    """`<td>` elements of one row for `columns`."""
    return Markup("".join([f"<td{_ALIGN.get(c.format, '')}>{_html(c, row, res, currency)}</td>" for c in columns]))


def rows(columns: Sequence[Any], page: Any, res: Any, currency: str) -> Markup:
    """The `<tr>` elements of a list page (core.web.kit.lists.Page). Rendered once per
    page, column choice, currency and language, and kept on the page: a page kept by the
    list cache is then served without formatting its cells again."""
    key = (tuple(c.name for c in columns), res.path, currency, i18n.language.get())
    memo = page.rendered
    html = memo.get(key)
    if html is None:
        html = "".join([f"<tr>{row_cells(columns, row, res, currency)}</tr>" for row in page.rows])
        if len(memo) < 8:  # bounded: a few languages and column choices per page
            memo[key] = html
    return Markup(html)


def _text(c: Any, v: Any, currency: str) -> Any:
    fmt = c.format
    if fmt == "money":
        return i18n.fmt_money(v, c.currency or currency)
    if fmt == "number":
        return i18n.fmt_number(v)
    if fmt == "date":
        return i18n.fmt_date(v)
    if fmt == "datetime":
        return i18n.fmt_datetime(v)
    if fmt == "choice":
        return i18n.gettext(c.choices.get(str(v), str(v)))
    return v
