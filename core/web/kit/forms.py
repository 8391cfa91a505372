"""Declarative forms: fields, server-side parsing and validation, typed values.

`parse(form, data)` turns submitted strings into typed values and per-field error
messages; nothing is saved by the kit when there is an error. Messages are
translated at parse time (the request's language is already set). `check`
adds the database checks (many2one targets the user may see, unique values).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from piccolo.columns import Numeric, Varchar
from piccolo.table import Table

from core.auth.current import CurrentUser
from core.auth.rules import restrict
from core.i18n import _
from core.registry import Registry

KINDS = ("text", "textarea", "email", "phone", "select", "many2one", "date", "money", "quantity",
         "integer", "decimal", "bool")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{3,}$")
INT_MAX = 2_147_483_647  # PostgreSQL `integer`


@dataclass(frozen=True)
class Many2one:
    """A reference to a record of `table`, shown by `label`; `search_url` answers
    `?q=` with `<option>`s (a resource's options route); `where` limits the targets."""

    table: type[Table]
    search_url: str
    label: str = "name"
    where: Callable[[], Any] | None = None


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"
    required: bool = False
    max_length: int | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    pattern: str | None = None
    pattern_message: str = "Use the expected format."
    choices: tuple[tuple[str, str], ...] = ()
    many2one: Many2one | None = None
    currency: str = ""  # money: "" means the company currency
    unit: str = ""  # quantity/integer/decimal: a unit label shown after the input
    unique: bool = False
    help: str = ""
    default: Any = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name}: unknown kind {self.kind!r} (one of {KINDS})")
        if self.kind == "many2one" and self.many2one is None:
            raise ValueError(f"field {self.name}: a many2one field needs many2one=Many2one(...)")
        if self.kind == "select" and not self.choices:
            raise ValueError(f"field {self.name}: a select needs choices")


@dataclass(frozen=True)
class Form:
    table: type[Table]
    fields: tuple[Field, ...]
    # Cross-field rules: values -> {field: message}; run only when each field is valid.
    rules: tuple[Callable[[Mapping[str, Any]], dict[str, str]], ...] = ()
    # Fields laid out in sections: (title, (field names...)); empty means one section.
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def max_length(self, f: Field) -> int | None:
        """The declared limit, else the column's own (PostgreSQL enforces it; SQLite does not)."""
        if f.max_length is not None:
            return f.max_length
        col = self.table._meta.get_column_by_name(f.name)
        return col.length if isinstance(col, Varchar) else None

    def digits(self, f: Field) -> tuple[int, int] | None:
        """(precision, scale) of a Numeric column, to refuse what the database would round or reject."""
        col = self.table._meta.get_column_by_name(f.name)
        return col.digits if isinstance(col, Numeric) and col.digits else None

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def layout(self) -> list[tuple[str, list[Field]]]:
        if not self.sections:
            return [("", list(self.fields))]
        return [(title, [self.field(n) for n in names]) for title, names in self.sections]


class FieldError(ValueError):
    pass


def _decimal(text: str) -> Decimal:
    """Accept 1234.5, 1234,5, 1.234,50 and 1,234.50: the last separator is the decimal one."""
    text = text.replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FieldError(_("Enter a number.")) from None
    if not value.is_finite():
        raise FieldError(_("Enter a number."))
    return value


def _typed(form: Form, f: Field, text: str) -> Any:
    """The typed value of a non-empty submitted string, or FieldError."""
    limit = form.max_length(f)
    if f.kind in ("text", "textarea", "email", "phone") and limit and len(text) > limit:
        raise FieldError(_("At most %(n)s characters.", n=limit))
    if f.kind == "email" and not EMAIL_RE.match(text):
        raise FieldError(_("Enter an e-mail address like name@example.com."))
    if f.kind == "phone" and not PHONE_RE.match(text):
        raise FieldError(_("Enter a phone number (digits, spaces, + - ( ) only)."))
    if f.pattern and not re.fullmatch(f.pattern, text):
        raise FieldError(_(f.pattern_message))
    if f.kind == "select" and text not in {v for v, _label in f.choices}:
        raise FieldError(_("Choose one of the options."))
    if f.kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise FieldError(_("Enter a date as YYYY-MM-DD.")) from None
    if f.kind in ("integer", "many2one"):
        if not re.fullmatch(r"-?\d{1,10}", text) or abs(int(text)) > INT_MAX:
            raise FieldError(_("Enter a whole number.") if f.kind == "integer" else _("Choose one of the options."))
        return _bounded(f, int(text))
    if f.kind in ("money", "quantity", "decimal"):
        return _fits(form.digits(f), _bounded(f, _decimal(text)))
    return text


def _fits(digits: tuple[int, int] | None, value: Decimal) -> Decimal:
    if digits is None:
        return value
    precision, scale = digits
    if -value.as_tuple().exponent > scale and value != round(value, scale):  # type: ignore[operator]
        raise FieldError(_("At most %(n)s decimals.", n=scale))
    if abs(value) >= Decimal(10) ** (precision - scale):
        raise FieldError(_("This number is too large."))
    return value


def _bounded(f: Field, value: Any) -> Any:
    if f.min is not None and value < f.min:
        raise FieldError(_("At least %(n)s.", n=f.min))
    if f.max is not None and value > f.max:
        raise FieldError(_("At most %(n)s.", n=f.max))
    return value


def empty_value(f: Field) -> Any:
    if f.kind in ("many2one", "date"):
        return None
    if f.kind in ("money", "quantity", "decimal"):
        return Decimal("0")
    if f.kind == "integer":
        return 0
    return ""


def parse(form: Form, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values and errors ({field: message}) from submitted form data."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        if f.kind == "bool":
            values[f.name] = str(data.get(f.name) or "") in ("1", "on", "true", "yes")
            continue
        text = str(data.get(f.name) or "").strip()
        if not text:
            if f.required:
                errors[f.name] = _("This field is required.")
            values[f.name] = empty_value(f)
            continue
        try:
            values[f.name] = _typed(form, f, text)
        except FieldError as exc:
            errors[f.name] = str(exc)
    if not errors:
        for rule in form.rules:
            errors.update(rule(values))
    return values, errors


async def check(form: Form, values: Mapping[str, Any], registry: Registry, user: CurrentUser,
                record_id: int | None = None) -> dict[str, str]:
    """Database checks: many2one targets exist and are visible; unique values are free."""
    errors: dict[str, str] = {}
    for f in form.fields:
        value = values.get(f.name)
        if f.many2one is not None and value is not None:
            if record_id is not None and f.many2one.table is form.table and value == record_id:
                errors[f.name] = _("A record cannot refer to itself.")
            elif not await _target_ok(f.many2one, value, registry, user):
                errors[f.name] = _("Choose one of the options.")
        elif f.unique and value not in (None, ""):
            query = form.table.exists().where(form.table._meta.get_column_by_name(f.name) == value)
            if record_id is not None:
                query = query.where(form.table._meta.primary_key != record_id)
            if await query.run():
                errors[f.name] = _("This value is already used by another record.")
    return errors


async def _target_ok(m2o: Many2one, value: int, registry: Registry, user: CurrentUser) -> bool:
    table = m2o.table
    query = table.exists().where(table._meta.primary_key == value)
    if m2o.where is not None:
        query = query.where(m2o.where())
    return bool(await restrict(query, registry, table, user).run())


async def validate(form: Form, data: Mapping[str, Any], registry: Registry, user: CurrentUser,
                   record_id: int | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """`parse`, then the database checks of the fields that parsed (so a duplicate code
    is reported together with an unrelated typo, not one round-trip later)."""
    values, errors = parse(form, data)
    found = await check(form, {k: v for k, v in values.items() if k not in errors}, registry, user, record_id)
    return values, {**found, **errors}


def as_text(f: Field, value: Any) -> str:
    """A stored value as the string an input shows (the inverse of parsing)."""
    if value is None:
        return ""
    if f.kind == "bool":
        return "1" if value else ""
    if f.kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        cents = value.quantize(Decimal("0.01"))
        # Money keeps two decimals (12.50), more only when stored (a cost of 0.1234).
        return format(cents if f.kind == "money" and cents == value else value.normalize(), "f")
    return str(value)


def initial(form: Form, record: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Input strings for a new record (defaults) or an existing one."""
    if record is None:
        return {f.name: as_text(f, f.default) for f in form.fields}
    return {f.name: as_text(f, record.get(f.name)) for f in form.fields}


def submitted(form: Form, data: Mapping[str, Any]) -> dict[str, str]:
    """What the user typed, kept as typed, to show again next to the errors."""
    return {f.name: str(data.get(f.name) or "") for f in form.fields}


async def many2one_options(f: Field, registry: Registry, user: CurrentUser, *, selected: str = "",
                           q: str = "", limit: int = 50) -> list[tuple[str, str]]:
    """Options for a many2one `<select>`: matches of `q` (first `limit` by label) plus the
    selected record, all through the user's record rules."""
    from core.web.kit.lists import like

    assert f.many2one is not None
    m2o = f.many2one
    table, label = m2o.table, m2o.table._meta.get_column_by_name(m2o.label)
    base = table.select(table._meta.primary_key.as_alias("id"), label.as_alias("label"))
    if m2o.where is not None:
        base = base.where(m2o.where())
    base = restrict(base, registry, table, user)
    query = base.where(like(label, q)) if q else base
    rows = await query.order_by(label).limit(limit).run()
    if selected.isdigit() and all(str(r["id"]) != selected for r in rows):
        current = await restrict(
            table.select(table._meta.primary_key.as_alias("id"), label.as_alias("label"))
            .where(table._meta.primary_key == int(selected)), registry, table, user).run()
        rows = current + rows
    return [(str(r["id"]), str(r["label"])) for r in rows]
