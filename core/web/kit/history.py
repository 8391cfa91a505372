"""The audit trail of one record as a detail page shows it: who, when, what.

Entries come from `core_audit_log` (written by `core.db.records` and the
attachments service), newest first, 50 to a page. User names are resolved in one
query, as are the names of records a foreign key pointed to; a stored code of a field
with `choices` (a state, a kind) shows as its translated label.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Boolean, Date, ForeignKey, Timestamp, Timestamptz
from piccolo.columns.base import Column
from piccolo.table import Table

from core.auth.models import User
from core.db.audit import AuditEntry
from core.db.records import SECRET_FIELDS
from core.i18n import _, fmt_date, fmt_datetime

PER_PAGE = 50
_LABEL_COLUMNS = ("name", "full_name", "title", "label", "code", "login", "number", "serial", "reference", "filename")
# field -> stored code -> English label (translated when shown), e.g. {"state": {"done": "Done"}}
Choices = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Change:
    at: dt.datetime
    who: str
    action: str  # create | write | delete | attach | detach
    field: str  # translated label; empty for whole-record entries
    old: str
    new: str


@dataclass(frozen=True)
class HistoryPage:
    changes: list[Change]
    page: int
    pages: int
    total: int


def _where(table: type[Table], record_id: int) -> Any:
    return (AuditEntry.table_name == table._meta.tablename) & (AuditEntry.record_id == record_id)


async def count(table: type[Table], record_id: int) -> int:
    return await AuditEntry.count().where(_where(table, record_id)).run()


# field -> the table an integer column points at without being a foreign key (a
# reference to another module's table, say), so its names are shown as a foreign key's.
References = Mapping[str, type[Table]]


async def history_page(table: type[Table], record_id: int, page: int = 1,
                       choices: Choices | None = None, references: References | None = None) -> HistoryPage:
    """One page of the record's changes, newest first; `choices` label coded fields and
    `references` name the records of plain integer references."""
    total = await count(table, record_id)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    rows = await (
        AuditEntry.select().where(_where(table, record_id))
        .order_by(AuditEntry._meta.primary_key, ascending=False)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE).run()
    )
    names = await _user_names({r["user_id"] for r in rows if r["user_id"] is not None})
    targets = _targets(table, references or {})
    labels = await _referenced_labels(targets, rows)
    changes = [
        Change(
            at=row["at"], who=names.get(row["user_id"], _("System")), action=row["action"],
            field=field_label(row["field"]) if row["field"] else "",
            old=_shown(table, row["field"], row["old"], labels, choices or {}, targets),
            new=_shown(table, row["field"], row["new"], labels, choices or {}, targets),
        )
        for row in rows
    ]
    return HistoryPage(changes=changes, page=page, pages=pages, total=total)


def field_label(name: str) -> str:
    return _(name.replace("_", " ").capitalize())


async def _user_names(ids: set[int]) -> dict[int | None, str]:
    if not ids:
        return {}
    rows = await User.select(User._meta.primary_key, User.name, User.login).where(
        User._meta.primary_key.is_in(list(ids))
    ).run()
    return {r["id"]: r["name"] or r["login"] for r in rows}


def _column(table: type[Table], name: str) -> Column | None:
    return next((c for c in table._meta.columns if c._meta.name == name), None) if name else None


def _targets(table: type[Table], references: References) -> dict[str, type[Table]]:
    """field -> the table its stored ids point at: foreign keys and the given references."""
    found: dict[str, type[Table]] = {c._meta.name: c._foreign_key_meta.resolved_references
                                     for c in table._meta.columns if isinstance(c, ForeignKey)}
    return {**found, **references}


async def _referenced_labels(targets: Mapping[str, type[Table]],
                             rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """`(field, stored id) -> name of the referenced record`, one query per referenced field."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row["field"] in targets:
            wanted[row["field"]].update(int(v) for v in (row["old"], row["new"]) if v and v.isdigit())
    labels: dict[tuple[str, str], str] = {}
    for field, ids in wanted.items():
        target = targets[field]
        label = next((c for name in _LABEL_COLUMNS for c in target._meta.columns if c._meta.name == name), None)
        if label is None or not ids:
            continue
        found = await target.select(target._meta.primary_key, label).where(
            target._meta.primary_key.is_in(list(ids))
        ).run()
        labels.update({(field, str(r["id"])): str(r[label._meta.name]) for r in found})
    return labels


def _shown(table: type[Table], field: str, value: str | None, labels: dict[tuple[str, str], str],
           choices: Choices, targets: Mapping[str, type[Table]]) -> str:
    column = _column(table, field)
    if field in SECRET_FIELDS or (column is not None and column._meta.secret):
        return "" if value is None else _("(hidden)")
    if value is None or value == "":
        return ""
    label = choices.get(field, {}).get(value)
    if label:
        return _(label)
    if isinstance(column, Boolean):
        return _("Yes") if value == "True" else _("No")
    if field in targets:
        return labels.get((field, value), f"#{value}")
    if isinstance(column, Timestamptz | Timestamp):
        return _parsed(value, lambda v: fmt_datetime(dt.datetime.fromisoformat(v)))
    if isinstance(column, Date):
        return _parsed(value, lambda v: fmt_date(dt.date.fromisoformat(v)))
    return value


def _parsed(value: str, show: Any) -> str:
    try:
        return str(show(value))
    except ValueError:
        return value
