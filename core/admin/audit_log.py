"""Browsing the audit log: filters and keyset pagination (no COUNT over the whole log)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from core.auth.models import User
from core.db.audit import AuditEntry
from core.db.search import contains_any
from core.i18n import _

PAGE = 50
ACTIONS = ("create", "write", "delete")


@dataclass(frozen=True)
class AuditFilter:
    table: str = ""
    user: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    record: int | None = None
    q: str = ""


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict[str, Any]]
    newer: int | None  # pass as `after` for the previous (newer) page
    older: int | None  # pass as `before` for the next (older) page
    users: dict[int, str] = field(default_factory=dict)


def _int(raw: str) -> int | None:
    return int(raw) if raw.strip().isdigit() else None


def parse_filter(params: dict[str, str]) -> tuple[AuditFilter, dict[str, str]]:
    """The filter from query parameters, and a message per parameter that did not parse."""
    errors: dict[str, str] = {}
    dates: dict[str, dt.date | None] = {}
    for key in ("date_from", "date_to"):
        raw = params.get(key, "").strip()
        try:
            dates[key] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[key], dates[key] = _("Enter a date like 2026-01-31."), None
    for key in ("user", "record"):
        if params.get(key, "").strip() and _int(params[key]) is None:
            errors[key] = _("Enter a number.")
    action = params.get("action", "")
    if action and action not in ACTIONS:
        errors["action"] = _("Choose an action from the list.")
    return AuditFilter(
        table=params.get("table", "").strip(), user=_int(params.get("user", "")),
        action=action if action in ACTIONS else "", date_from=dates["date_from"], date_to=dates["date_to"],
        record=_int(params.get("record", "")), q=params.get("q", "").strip(),
    ), errors


def _where(f: AuditFilter, tz: ZoneInfo) -> list[Any]:
    clauses: list[Any] = []
    if f.table:
        clauses.append(AuditEntry.table_name == f.table)
    if f.user is not None:
        clauses.append(AuditEntry.user_id == f.user)
    if f.action:
        clauses.append(AuditEntry.action == f.action)
    if f.record is not None:
        clauses.append(AuditEntry.record_id == f.record)
    if f.date_from:
        clauses.append(AuditEntry.at >= dt.datetime.combine(f.date_from, dt.time(), tz))
    if f.date_to:
        clauses.append(AuditEntry.at < dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), tz))
    if f.q:
        clauses.append(contains_any([AuditEntry.field, AuditEntry.old, AuditEntry.new], f.q))
    return clauses


async def browse(f: AuditFilter, *, before: int | None = None, after: int | None = None,
                 tz: str = "Europe/Amsterdam", size: int = PAGE) -> AuditPage:
    """One page of entries matching `f`, newest first: older than `before`, or the page
    just newer than `after`; fetches one row more than shown to know if more exist."""
    clauses = _where(f, ZoneInfo(tz))
    pk = AuditEntry._meta.primary_key
    if after is not None:
        clauses.append(pk > after)
    elif before is not None:
        clauses.append(pk < before)
    query = AuditEntry.select()
    for clause in clauses:
        query = query.where(clause)
    rows = await query.order_by(pk, ascending=after is not None).limit(size + 1).run()
    more = len(rows) > size
    rows = rows[:size]
    if after is not None:
        rows.reverse()
    newer = rows[0]["id"] if rows and (after is not None and more or before is not None) else None
    older = rows[-1]["id"] if rows and (after is None and more or after is not None) else None
    return AuditPage(rows, newer, older, await user_names({r["user_id"] for r in rows if r["user_id"]}))


async def user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await User.select(User._meta.primary_key, User.login, User.name).where(
        User._meta.primary_key.is_in(sorted(ids))).run()
    return {r["id"]: r["name"] or r["login"] for r in rows}


async def user_choices() -> list[tuple[int, str]]:
    rows = await User.select(User._meta.primary_key, User.login, User.name).order_by(User.login).run()
    return [(r["id"], f"{r['name'] or r['login']} ({r['login']})") for r in rows]
