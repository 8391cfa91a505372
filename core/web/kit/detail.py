"""Detail pages: header with state badge and actions, the record's summary, tabs.

A page's handler calls `detail_context` and renders a template that extends
`core/kit/detail.html` (filling block `summary`). Tabs are the page's own, then
those other modules add through slots (`Slot(target=...)`), then History and
Attachments. Each tab is a real link (`?tab=<key>`) rendered server-side; htmx
swaps only `#detail-tabs`. Render with `detail_page` to answer htmx tab requests
with just the tabs fragment (a plain `page()` works too: the links `hx-select` it).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.response import Template
from piccolo.table import Table

from core.attachments import service as attachments
from core.attachments.controllers import Panel, panel
from core.auth.current import CurrentUser
from core.i18n import _
from core.registry import Registry
from core.reports.actions import print_actions
from core.web.kit import history
from core.web.kit.records import find_table, signed_in
from core.web.pages import page

TONES = ("ok", "warn", "danger", "neutral")
TABS_FRAGMENT = "core/kit/_detail_tabs.html"


@dataclass(frozen=True)
class Action:
    """A button in the header: a link (`get`) or a one-button form (`post`)."""

    label: str
    url: str
    method: str = "get"
    tone: str = "neutral"  # neutral | primary | danger
    confirm: str = ""  # asked before a post is sent (with JavaScript)
    permission: str = ""  # empty: everyone who sees the page


@dataclass(frozen=True)
class Tab:
    """A page's own tab: `template` is included with the page's context."""

    key: str
    label: str
    template: str
    count: int | None = None
    permission: str = ""


# Adds actions to every detail page from elsewhere in core (e.g. Print for the
# reports bound to the record's table); called with the request, table and record.
ActionProvider = Callable[[Request, type[Table], dict[str, Any]], Awaitable[Sequence[Action]]]
PROVIDERS: tuple[ActionProvider, ...] = (print_actions,)


@dataclass(frozen=True)
class TabView:
    key: str
    label: str
    kind: str  # own | slot | history | attachments
    url: str
    count: int | None = None
    template: str = ""


@dataclass(frozen=True)
class Detail:
    title: str
    state: tuple[str, str] | None
    actions: list[Action]
    tabs: list[TabView]
    active: TabView | None
    table_name: str
    record_id: int
    url: str
    history: history.HistoryPage | None = None
    attachments: Panel | None = None

    def tab_url(self, key: str, **params: Any) -> str:
        return f"{self.url}?{urlencode({'tab': key, **params})}"


async def detail_context(
    request: Request, table: type[Table], record: dict[str, Any], *, title: str,
    state: tuple[str, str] | None = None, actions: Sequence[Action | tuple[str, str]] = (),
    slot_target: str | None = None, tabs: Sequence[Tab] = (), choices: history.Choices | None = None,
    references: history.References | None = None,
) -> dict[str, Any]:
    """Everything `core/kit/detail.html` needs, as `{"detail": Detail}`. For the History tab,
    `choices` give the labels of coded fields (states, kinds) and `references` the tables
    of integer columns that point at records without a foreign key."""
    if state is not None and state[1] not in TONES:
        raise ValueError(f"state tone {state[1]!r} is not one of {', '.join(TONES)}")
    registry: Registry = await request.app.state.registry.get()
    user = signed_in(request)
    record_id = int(record["id"])
    url = request.url.path
    views = await _tabs(registry, user, table, record_id, url, tabs, slot_target)
    wanted = request.query_params.get("tab")
    active = next((t for t in views if t.key == wanted), views[0] if views else None)
    detail = Detail(
        title=title, state=state, actions=await _actions(request, user, table, record, actions),
        tabs=views, active=active, table_name=table._meta.tablename, record_id=record_id, url=url,
    )
    if active is not None and active.kind == "history":
        number = request.query_params.get("page", "1")
        detail = _with(detail, history=await history.history_page(
            table, record_id, int(number) if number.isdigit() else 1, choices, references))
    if active is not None and active.kind == "attachments":
        ref = find_table(registry, table._meta.tablename)
        assert ref is not None  # the attachments tab exists only for installed tables
        detail = _with(detail, attachments=await panel(
            request, ref, record_id, next_url=detail.tab_url("attachments")))
    return {"detail": detail}


async def detail_page(request: Request, template: str, **context: Any) -> Template:
    """Render a detail page; an htmx tab request gets only the tabs fragment."""
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "detail-tabs":
        return await page(request, TABS_FRAGMENT, **{k: v for k, v in context.items() if k != "breadcrumbs"})
    return await page(request, template, **context)


def _with(detail: Detail, **changes: Any) -> Detail:
    from dataclasses import replace

    return replace(detail, **changes)


async def _actions(request: Request, user: CurrentUser, table: type[Table], record: dict[str, Any],
                   given: Sequence[Action | tuple[str, str]]) -> list[Action]:
    found = [a if isinstance(a, Action) else Action(label=a[0], url=a[1]) for a in given]
    for provider in PROVIDERS:
        found.extend(await provider(request, table, record))
    return [a for a in found if not a.permission or user.can(a.permission)]


def slot_key(template: str) -> str:
    """A URL-safe tab key from a slot's template path (`equipment/partner_tab.html` ->
    `equipment-partner_tab`)."""
    return re.sub(r"[^a-z0-9_]+", "-", template.removesuffix(".html").lower()).strip("-")


async def _tabs(registry: Registry, user: CurrentUser, table: type[Table], record_id: int, url: str,
                own: Sequence[Tab], slot_target: str | None) -> list[TabView]:
    def link(key: str) -> str:
        return f"{url}?{urlencode({'tab': key})}"

    views = [TabView(t.key, t.label, "own", link(t.key), t.count, t.template)
             for t in own if not t.permission or user.can(t.permission)]
    if slot_target:
        views += [TabView(slot_key(s.template), _(s.label), "slot", link(slot_key(s.template)), None, s.template)
                  for s in registry.slots(slot_target) if not s.permission or user.can(s.permission)]
    ref = find_table(registry, table._meta.tablename)
    if ref is None or not user.can(ref.permission("read")):
        return views
    name = table._meta.tablename
    return [
        *views,
        TabView("history", _("History"), "history", link("history"), await history.count(table, record_id)),
        TabView("attachments", _("Attachments"), "attachments", link("attachments"),
                await attachments.count(name, record_id)),
    ]
