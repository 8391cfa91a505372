"""Rendering a report: context -> Jinja HTML -> WeasyPrint PDF (in a worker thread).

Jinja rendering is fast and runs on the caller's loop (the context builder needs
the database); the PDF layout takes tens of milliseconds to seconds and runs in a
thread so the event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import base64
import functools
import mimetypes
import re
import string
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from jinja2 import Environment
from piccolo.table import Table
from weasyprint import CSS, HTML
from weasyprint import html as weasyprint_html
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration

from core import i18n
from core.company.models import Company
from core.modules.discovery import Catalog
from core.modules.manifest import Report
from core.reports.fetcher import APP_URL, RefusedURL, StaticOnlyFetcher
from core.web.templating import make_environment, module_dirs

PAPERS = {"A4": "A4", "A5": "A5", "LETTER": "letter", "LEGAL": "legal"}
# Keeps each catalog alive with its environment, so an id is never reused for another catalog.
_environments: dict[tuple[int, str], tuple[Catalog, Environment]] = {}


class ReportError(Exception):
    """A report is declared wrongly (unknown paper, template missing)."""


@dataclass(frozen=True)
class Rendered:
    html: str
    filename: str
    paper: str


def environment(catalog: Catalog, theme: str = "default") -> Environment:
    """A Jinja environment for rendering outside a request (jobs, mail, benchmarks)."""
    key = (id(catalog), theme)
    if key not in _environments:
        _environments[key] = (catalog, make_environment(theme, catalog))
    return _environments[key][1]


def paper_size(report: Report) -> str:
    try:
        return PAPERS[report.paper.upper()]
    except KeyError:
        raise ReportError(
            f"report {report.name!r}: paper {report.paper!r} is not one of {', '.join(PAPERS)}"
        ) from None


def _logo_uri(var_dir: Path, logo: str) -> str:
    """The stored company logo (a path under var/) as a data: URI, or '' if none."""
    if not logo:
        return ""
    path = (var_dir / logo).resolve()
    if not path.is_relative_to(var_dir.resolve()) or not path.is_file():
        return ""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if not kind.startswith("image/"):
        return ""
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


async def company(var_dir: Path) -> dict[str, Any]:
    """The letterhead: the company record plus its logo ready for an <img src>."""
    row = await Company.select().first().run() or {"name": "Steward"}
    return {**row, "logo_uri": _logo_uri(var_dir, row.get("logo", ""))}


def filename(report: Report, context: Mapping[str, Any], record_id: int | None) -> str:
    """The download name from the report's pattern; characters unsafe in a file name go."""
    values = {**context, "name": report.name, "id": record_id if record_id is not None else ""}
    try:
        name = string.Formatter().vformat(report.filename, (), values)
    except (KeyError, IndexError, AttributeError, ValueError):
        name = f"{report.name}.pdf"
    cleaned = "".join("-" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name).strip(" .")
    return cleaned or f"{report.name}.pdf"


def content_disposition(name: str, kind: str = "inline") -> str:
    """RFC 6266: an ASCII fallback plus the exact UTF-8 name in filename*."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%' else "_" for c in name)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def partner_language(table: type[Table], column: str = "partner") -> Callable[[int], Awaitable[str | None]]:
    """A `Report.language` for documents sent to the partner a record names in `column`
    (an invoice's customer, a purchase order's supplier): that partner's language."""
    partner = table._meta.get_column_by_name(column)

    async def language(record_id: int) -> str | None:
        row = await table.select(partner.language.as_alias("language")).where(  # type: ignore[attr-defined]
            table._meta.primary_key == record_id).first().run()
        return str(row["language"]) if row and row["language"] else None

    return language


async def render_html(env: Environment, report: Report, record_id: int | None,
                      letterhead: Mapping[str, Any]) -> Rendered:
    """The report's HTML, in the document's language (`Report.language`) if it has one."""
    written_in = await report.language(record_id) if report.language and record_id is not None else None
    token = i18n.language.set(written_in) if written_in in i18n.LANGUAGES else None
    try:
        context = dict(await report.context(record_id))
        paper = paper_size(report)
        values = {"company": letterhead, "report": report, "paper": paper, "lang": i18n.language.get(), **context}
        values["title"] = context.get("title") or i18n.gettext(report.title or report.name)
        html = env.get_template(report.template).render(**values)
    finally:
        if token is not None:
            i18n.language.reset(token)
    return Rendered(html=html, filename=filename(report, context, record_id), paper=paper)


class _Layout(threading.local):
    """What a layout thread keeps between reports: its font configuration (a fresh one
    loads every font again, a few ms per report), the parsed paper-size sheets and the
    parsed static stylesheets (parsing reports.css took a fifth of a one-page report).
    Per thread: Pango's font map is not safe to share between threads."""

    def __init__(self) -> None:
        self.fonts = FontConfiguration()
        self.papers: dict[str, CSS] = {}
        self.sheets: dict[tuple[str, bytes], CSS] = {}

    def paper(self, paper: str) -> CSS:
        if paper not in self.papers:
            self.papers[paper] = CSS(string=f"@page {{ size: {paper}; }}", font_config=self.fonts)
        return self.papers[paper]

    def sheet(self, url: str, fetcher: StaticOnlyFetcher) -> CSS | None:
        """The stylesheet at `url`, fetched through `fetcher` (which decides whether it may be
        loaded and records it) and parsed once per content; None if the fetcher refuses it."""
        try:
            body = fetcher.fetch(url).read()
        except RefusedURL:
            return None
        key = (url, body)
        if key not in self.sheets:
            if len(self.sheets) > 64:  # stylesheets edited while serving: drop the old parses
                self.sheets.clear()
            self.sheets[key] = CSS(string=body.decode(), base_url=url, url_fetcher=fetcher, font_config=self.fonts)
        return self.sheets[key]


_layout = _Layout()

# WeasyPrint's user-agent stylesheet, less the rules that can never apply to a report
# (form fields, `dir` attributes, footnotes and notes): each rule whose selector is not
# keyed by a tag is tried on every element, which made the cascade a fifth of a long
# table's layout time (bench/reports.py).
_NEVER_IN_REPORTS = re.compile(
    r"^\s*(\[dir|dd\[dir|:is\(dir, menu, ol, ul\)\[dir|:is\(input|button|input|select|textarea|fieldset"
    r"|::footnote|::note)")


@functools.cache
def _report_ua() -> CSS:
    # Parsed once, on first use (not at import: every `steward` command imports this),
    # into its own counter styles: the UA's @counter-style rules are already defined in
    # WeasyPrint's UA_COUNTER_STYLE, and parsing them into it again warns on each.
    lines = (line for line in weasyprint_html.UA.splitlines() if not _NEVER_IN_REPORTS.search(line))
    return CSS(string="\n".join(lines), counter_style=CounterStyle())


class _ReportHTML(HTML):
    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [_report_ua()]


# A stylesheet link exactly as report templates write it. Such links are taken out of the
# HTML and their parsed sheets passed to WeasyPrint in the same order (as user sheets: with
# no author sheets left and no style attributes in reports, the cascade is the same); any
# other link, and one the fetcher refuses, stays for WeasyPrint to handle. The paper size
# goes first, so that a report's own `@page { size }` (a label) still wins over it.
_STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="(/static/[^"?#]+\.css)">')


def html_to_pdf(html: str, static_dirs: Sequence[Path], paper: str = "A4",
                fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Lay out `html` as a PDF (blocking: call it through `render_pdf` or a thread)."""
    fetcher = fetcher or StaticOnlyFetcher(static_dirs)
    sheets: list[CSS] = []

    def parsed(link: re.Match[str]) -> str:
        sheet = _layout.sheet(APP_URL + link[1].removeprefix("/"), fetcher)
        if sheet is None:
            return link[0]
        sheets.append(sheet)
        return ""

    html = _STYLESHEET_LINK.sub(parsed, html)
    document = _ReportHTML(string=html, base_url=APP_URL, url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[_layout.paper(paper), *sheets], font_config=_layout.fonts)
    assert pdf is not None
    return pdf


async def render_pdf(env: Environment, catalog: Catalog, report: Report, record_id: int | None,
                     letterhead: Mapping[str, Any]) -> tuple[bytes, str]:
    """The report as PDF bytes and its file name; the layout runs off the event loop."""
    rendered = await render_html(env, report, record_id, letterhead)
    static_dirs = module_dirs(catalog, "static")
    pdf = await anyio.to_thread.run_sync(html_to_pdf, rendered.html, static_dirs, rendered.paper)
    return pdf, rendered.filename
