"""A resource: one table's list, form and detail page, declared once.

The data side of the CRUD kit (no HTTP): reading a record through the record rules,
labels of its many2one values, display strings, and saving through
`core.db.records` (optimistic locking and the audit log).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from piccolo.table import Table

from core.auth.current import CurrentUser
from core.auth.rules import restrict
from core.db import records
from core.i18n import _, fmt_date, fmt_money, fmt_number
from core.registry import Registry
from core.web.kit.forms import Field, Form
from core.web.kit.lists import ListSpec

# Values -> values to store (e.g. derive a field); may raise nothing: rules live in the form.
Prepare = Callable[[dict[str, Any]], dict[str, Any]]
Extra = Callable[[Any, dict[str, Any]], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True)
class Resource:
    """Everything the kit needs to serve `path`: list, export, new, detail, edit, options.

    `title`/`singular` are English source strings (translated when rendered);
    `label` is the column that names a record (page titles, many2one options);
    `detail_extra(request, record)` adds context to the detail page."""

    path: str
    table: type[Table]
    title: str
    singular: str
    list: ListSpec
    form: Form
    read: str
    write: str
    detail_template: str
    label: str = "name"
    list_template: str = "core/kit/list.html"
    form_template: str = "core/kit/form.html"
    slot_target: str | None = None
    prepare: Prepare | None = None
    detail_extra: Extra | None = None
    options_limit: int = 20
    # "New partner": a whole phrase, so translations can inflect it ("Nieuwe relatie").
    new_title: str = ""

    @property
    def new_label(self) -> str:
        return self.new_title or f"New {self.singular.lower()}"

    @property
    def name(self) -> str:
        return self.table.__name__

    @property
    def choices(self) -> dict[str, dict[str, str]]:
        """Labels of the coded fields (the form's selects, the list's choice columns)."""
        out = {c.name: dict(c.choices) for c in self.list.columns if c.choices}
        out.update({f.name: dict(f.choices) for f in self.form.fields if f.kind == "select" and f.choices})
        return out


async def company_currency() -> str:
    from core.company.models import Company

    row = await Company.select(Company.currency).first().run()
    return str(row["currency"]) if row and row["currency"] else "EUR"


async def fetch(res: Resource, record_id: int, registry: Registry, user: CurrentUser) -> dict[str, Any] | None:
    """The record if it exists and the user's record rules show it, else None."""
    table = res.table
    query = table.select().where(table._meta.primary_key == record_id)
    rows = await restrict(query, registry, table, user).run()
    return rows[0] if rows else None


async def many2one_labels(form: Form, record: Mapping[str, Any]) -> dict[str, str]:
    """{field: label of the referenced record}, one query per many2one field."""
    labels: dict[str, str] = {}
    for f in form.fields:
        if f.many2one is None or record.get(f.name) is None:
            continue
        table = f.many2one.table
        row = await table.select(table._meta.get_column_by_name(f.many2one.label).as_alias("label")).where(
            table._meta.primary_key == record[f.name]).first().run()
        labels[f.name] = str(row["label"]) if row else ""
    return labels


def display(f: Field, value: Any, labels: Mapping[str, str], currency: str) -> str:
    """A stored value as text for a detail page (escaped by the template)."""
    if f.kind == "bool":
        return _("Yes") if value else _("No")
    if value is None or value == "":
        return ""
    if f.kind == "many2one":
        return labels.get(f.name, "")
    if f.kind == "select":
        return _(dict(f.choices).get(str(value), str(value)))
    if f.kind == "date":
        return fmt_date(value)
    if f.kind == "money":
        return fmt_money(value, f.currency or currency)
    if f.kind in ("quantity", "decimal"):
        number = fmt_number(value, 2 if isinstance(value, Decimal) else 0)
        return f"{number} {_(f.unit)}".strip() if f.unit else number
    if f.kind == "integer" and f.unit:
        return f"{value} {_(f.unit)}"
    return str(value)


async def displayed(res: Resource, record: Mapping[str, Any], currency: str) -> dict[str, str]:
    labels = await many2one_labels(res.form, record)
    return {f.name: display(f, record.get(f.name), labels, currency) for f in res.form.fields}


def _stored(res: Resource, values: dict[str, Any]) -> dict[str, Any]:
    return res.prepare(dict(values)) if res.prepare else values


async def create(res: Resource, values: dict[str, Any]) -> dict[str, Any]:
    return await records.create(res.table, _stored(res, values))


async def update(res: Resource, record_id: int, values: dict[str, Any], version: int) -> dict[str, Any]:
    """Raises `StaleRecordError` when someone saved since `version` was read."""
    return await records.update(res.table, record_id, _stored(res, values), version=version)


async def options(res: Resource, q: str, filters: Any, registry: Registry,
                  user: CurrentUser) -> list[tuple[str, str]]:
    """(id, label) of records matching `q` (the list's search) and the list's filters
    given in `filters` (e.g. `kind=organisation`), through the record rules."""
    from core.web.kit.lists import ListState, conditions, like, parse_state, where_all

    spec: ListSpec = res.list
    state = parse_state(spec, filters)
    table = res.table
    label = table._meta.get_column_by_name(res.label)
    query = table.select(table._meta.primary_key.as_alias("id"), label.as_alias("label"))
    query = where_all(query, conditions(spec, ListState(q=q.strip()[:200], filters=state.filters)))
    if q.strip() and not spec.search:
        query = query.where(like(label, q.strip()[:200]))
    rows = await restrict(query, registry, table, user).order_by(label).limit(res.options_limit).run()
    return [(str(r["id"]), str(r["label"])) for r in rows]
