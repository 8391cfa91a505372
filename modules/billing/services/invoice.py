"""Invoices: the service API other modules call (field service now, CRM later).

    from modules.billing.services import invoice as invoices

    draft = await invoices.create_draft(customer_id, [
        invoices.Line("Maintenance visit", 1, Decimal("195.00"), origin="field_service.work_order:42",
                      origin_label="WO/2026/00042"),
    ], origin="field_service.work_order:42")
    await invoices.issue(draft["id"])
    await invoices.origin_state("field_service.work_order:42")  # "issued": the work order is billed

States: draft -> issued -> paid; a draft or an issued invoice can be cancelled (an issued
one only with a reason); paid and cancelled are final. A draft has no number: `issue`
allocates it from the core sequence `billing.invoice` (INV/<year of the invoice
date>/00001) in the same transaction that issues it, so the series has no gaps and no
two invoices share a number. Issuing fixes the invoice date, due date and amounts;
from then on nothing of the invoice changes but its payment or cancellation.

A document ("<module>.<concept>:<id>") is billed on one invoice at a time: adding its
lines to another invoice that is not cancelled raises `AlreadyInvoiced`.

Every change goes through `core.db.records` (optimistic locking, audit log); pass the
`version` the user saw to refuse acting on a record someone changed meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count, Sum

from core.company.models import Company
from core.db import records, sequence
from core.db.engine import transaction
from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.web.kit.resource import company_currency
from modules.billing.models.invoice import Invoice, InvoiceLine
from modules.billing.services import money
from modules.billing.services.errors import (
    AlreadyInvoiced,
    BillingError,
    EmptyInvoice,
    InvalidLine,
    InvalidTransition,
    InvoiceLocked,
    NegativeInvoice,
    ReasonRequired,
    UnknownInvoice,
)

SEQUENCE = "billing.invoice"
DEFAULT_TERMS = 14
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("issued", "cancelled"),
    "issued": ("paid", "cancelled"),
    "paid": (),
    "cancelled": (),
}
# Invoices whose lines count as billing their origin.
BILLING_STATES = ("draft", "issued", "paid")
HEADER_FIELDS = ("partner", "invoice_date", "payment_terms", "customer_reference", "notes")


@dataclass(frozen=True)
class Line:
    """A line to bill. With a `product`, an empty description, unit or price is the product's."""

    description: str = ""
    quantity: Decimal | int | str = 1
    unit_price: Decimal | int | str | None = None
    vat_rate: Decimal | int | str = 21
    discount: Decimal | int | str = 0
    product: int | None = None
    unit: str = ""
    origin: str = ""  # "<module>.<concept>:<id>"; empty: the invoice's own origin
    origin_label: str = ""


def label(row: Mapping[str, Any]) -> str:
    """The invoice's number, or "Draft #12" before it has one."""
    return str(row["number"]) if row.get("number") else _("Draft #%(id)s", id=row["id"])


def check(row: Mapping[str, Any], target: str) -> None:
    """Raise InvalidTransition unless the invoice may go from its state to `target`."""
    allowed = TRANSITIONS.get(row["state"], ())
    if target not in allowed:
        raise InvalidTransition(label(row), row["state"], target, allowed)


async def today() -> dt.date:
    """Today in the firm's time zone (a server in UTC is a day behind before 01:00)."""
    row = await Company.select(Company.timezone).first().run()
    try:
        zone = ZoneInfo(row["timezone"]) if row and row["timezone"] else ZoneInfo("Europe/Amsterdam")
    except (KeyError, ValueError):
        zone = ZoneInfo("Europe/Amsterdam")
    return dt.datetime.now(zone).date()


async def default_terms() -> int:
    from core.admin.settings_store import get_setting
    from modules.billing.manifest import MANIFEST  # the manifest imports this module

    return int(await get_setting(MANIFEST, "payment_terms"))


async def get(invoice: int) -> dict[str, Any]:
    row = await Invoice.select().where(Invoice.id == invoice).first().run()
    if row is None:
        raise UnknownInvoice(invoice)
    return row


async def lines(invoice: int) -> list[dict[str, Any]]:
    return await InvoiceLine.select(
        *InvoiceLine._meta.columns, InvoiceLine.product.code.as_alias("product_code"),
    ).where(InvoiceLine.invoice == invoice).order_by(InvoiceLine.sequence).order_by(InvoiceLine.id).run()


def _due(invoice_date: dt.date | None, terms: int) -> dt.date | None:
    return invoice_date + dt.timedelta(days=terms) if invoice_date else None


async def _partner(partner: Any) -> int:
    found = await Partner.exists().where(Partner.id == partner).run() if isinstance(partner, int) else False
    if not found:
        raise BillingError(_("Contact #%(id)s does not exist.", id=partner))
    return int(partner)


async def create_draft(partner: int, lines: Sequence[Line | Mapping[str, Any]] = (), *, origin: str = "",
                       invoice_date: dt.date | None = None, payment_terms: int | None = None,
                       customer_reference: str = "", notes: str = "") -> dict[str, Any]:
    """A draft invoice for `partner`, with `lines` (validated all before any is saved)."""
    async with transaction():
        terms = await default_terms() if payment_terms is None else payment_terms
        if terms < 0:
            raise BillingError(_("Payment terms cannot be negative."))
        row = await records.create(Invoice, {
            "partner": await _partner(partner), "state": "draft", "invoice_date": invoice_date,
            "payment_terms": terms, "due_date": _due(invoice_date, terms), "currency": await company_currency(),
            "customer_reference": customer_reference[:100], "origin": origin[:100], "notes": notes,
        })
        if lines:
            await _add(row, lines)
        return await get(row["id"])


async def update_draft(invoice: int, changes: Mapping[str, Any], *, version: int) -> dict[str, Any]:
    """Change a draft's header (partner, dates, terms, reference, notes)."""
    unknown = set(changes) - set(HEADER_FIELDS)
    if unknown:
        raise ValueError(f"not a header field of an invoice: {', '.join(sorted(unknown))}")
    async with transaction():
        row = await get(invoice)
        _draft_only(row)
        values = dict(changes)
        if "partner" in values:
            values["partner"] = await _partner(values["partner"])
        merged = {**row, **values}
        values["due_date"] = _due(merged["invoice_date"], merged["payment_terms"])
        return await records.update(Invoice, invoice, values, version=version)


def _draft_only(row: Mapping[str, Any]) -> None:
    if row["state"] != "draft":
        raise InvoiceLocked(label(row), row["state"])


async def add_lines(invoice: int, lines: Sequence[Line | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Add lines to a draft (all or none) and bring its totals up to date."""
    async with transaction():
        row = await get(invoice)
        _draft_only(row)
        return await _add(row, lines)


async def remove_line(line: int, *, version: int) -> None:
    async with transaction():
        found = await InvoiceLine.select().where(InvoiceLine.id == line).first().run()
        if found is None:
            raise BillingError(_("This invoice line no longer exists."))
        row = await get(found["invoice"])
        _draft_only(row)
        await records.delete(InvoiceLine, line, version=version)
        await _refresh_totals(row["id"])


async def _add(row: Mapping[str, Any], given: Sequence[Line | Mapping[str, Any]]) -> list[dict[str, Any]]:
    values = []
    for position, item in enumerate(given, start=1):
        try:
            values.append(await line_values(item, row["origin"]))
        except InvalidLine as exc:
            if len(given) == 1:
                raise
            raise InvalidLine({k: _("Line %(n)s: %(problem)s", n=position, problem=v)
                               for k, v in exc.errors.items()}) from None
    await _not_billed_elsewhere(row["id"], {v["origin"] for v in values if v["origin"]})
    last = await InvoiceLine.select(InvoiceLine.sequence).where(InvoiceLine.invoice == row["id"]).order_by(
        InvoiceLine.sequence, ascending=False).first().run()
    position = last["sequence"] if last else 0
    created = []
    for v in values:
        position += 10
        created.append(await records.create(InvoiceLine, {**v, "invoice": row["id"], "sequence": position}))
    await _refresh_totals(row["id"])
    return created


async def _not_billed_elsewhere(invoice: int, origins: set[str]) -> None:
    if not origins:
        return
    other = await InvoiceLine.select(InvoiceLine.origin, InvoiceLine.invoice.id.as_alias("invoice_id"),
                                     InvoiceLine.invoice.number.as_alias("number")).where(
        InvoiceLine.origin.is_in(sorted(origins)) & (InvoiceLine.invoice != invoice)
        & InvoiceLine.invoice.state.is_in(list(BILLING_STATES))).first().run()
    if other is not None:
        raise AlreadyInvoiced(other["origin"], label({"id": other["invoice_id"], "number": other["number"]}))


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _fits(value: Decimal, digits: tuple[int, int]) -> bool:
    precision, scale = digits
    return value == round(value, scale) and abs(value) < Decimal(10) ** (precision - scale)


async def line_values(item: Line | Mapping[str, Any], default_origin: str = "") -> dict[str, Any]:
    """A line's column values, checked; raises InvalidLine with a message per field."""
    given = asdict(item) if isinstance(item, Line) else {**asdict(Line()), **item}
    errors: dict[str, str] = {}
    product = None
    if given["product"] is not None:
        product = await Product.select(Product.name, Product.unit, Product.sale_price).where(
            Product.id == given["product"]).first().run()
        if product is None:
            errors["product"] = _("Product #%(id)s does not exist.", id=given["product"])
    description = str(given["description"] or "").strip() or (product["name"] if product else "")
    if not description:
        errors["description"] = _("Describe what is billed.")
    elif len(description) > 300:
        errors["description"] = _("At most %(n)s characters.", n=300)
    quantity = _decimal(given["quantity"])
    if quantity is None or not _fits(quantity, (12, 3)):
        errors["quantity"] = _("Enter a quantity with at most 3 decimals.")
    elif quantity == 0:
        errors["quantity"] = _("The quantity cannot be zero.")
    price_given = given["unit_price"]
    price = _decimal(price_given) if price_given not in (None, "") else (
        Decimal(product["sale_price"]) if product else None)
    if price is None or not _fits(price, (12, 4)):
        errors["unit_price"] = _("Enter a unit price with at most 4 decimals.")
    elif price < 0:
        errors["unit_price"] = _("The unit price cannot be negative; bill a negative quantity to credit.")
    discount = _decimal(given["discount"] if given["discount"] not in (None, "") else 0)
    if discount is None or not _fits(discount, (5, 2)) or not 0 <= discount <= 100:
        errors["discount"] = _("A discount is a percentage between 0 and 100.")
    rate = _decimal(given["vat_rate"])
    if rate is None or rate not in money.VAT_RATES:
        errors["vat_rate"] = _("Use a VAT rate of 21%, 9% or 0%.")
    origin = str(given["origin"] or "").strip() or default_origin
    if len(origin) > 100 or len(str(given["origin_label"] or "")) > 200:
        errors["origin"] = _("The origin is too long.")
    if errors:
        raise InvalidLine(errors)
    assert quantity is not None and price is not None and discount is not None and rate is not None
    net = money.line_net(quantity, price, discount)
    if not _fits(net, (12, 2)):
        raise InvalidLine({"quantity": _("This line's amount is too large.")})
    return {
        "description": description, "product": given["product"], "quantity": quantity,
        "unit": str(given["unit"] or "").strip()[:20] or (product["unit"] if product else "unit"),
        "unit_price": price, "discount": discount, "vat_rate": rate, "amount_net": net,
        "origin": origin, "origin_label": str(given["origin_label"] or "").strip(),
    }


async def _refresh_totals(invoice: int) -> dict[str, Any]:
    row = await get(invoice)
    found = money.totals(await lines(invoice))
    amounts = {"amount_net": found.net, "amount_vat": found.vat, "amount_gross": found.gross}
    if all(Decimal(row[k]) == v for k, v in amounts.items()):
        return row
    return await records.update(Invoice, invoice, amounts, version=row["version"])


def _at_version(row: Mapping[str, Any], version: int | None) -> int:
    """The version to write at: the caller's (a stale one is refused) or the current one."""
    if version is not None and version != row["version"]:
        raise records.StaleRecordError(Invoice, row["id"], version, row["version"])
    return int(row["version"])


async def issue(invoice: int, *, version: int | None = None) -> dict[str, Any]:
    """Number the draft, fix its dates and amounts: from now on it is what the customer got."""
    try:
        async with transaction():
            row = await get(invoice)
            check(row, "issued")
            at = _at_version(row, version)
            found = await lines(invoice)
            if not found:
                raise EmptyInvoice(label(row))
            amounts = money.totals(found)
            if amounts.gross < 0:
                raise NegativeInvoice(label(row))
            invoice_date = row["invoice_date"] or await today()
            number = await sequence.next_number(SEQUENCE, invoice_date)
            return await records.update(Invoice, invoice, {
                "state": "issued", "number": number, "invoice_date": invoice_date,
                "due_date": _due(invoice_date, row["payment_terms"]), "amount_net": amounts.net,
                "amount_vat": amounts.vat, "amount_gross": amounts.gross,
            }, version=at)
    except records.StaleRecordError:
        if version is None:  # issued (or changed) by someone else between our read and write
            check(await get(invoice), "issued")
        raise


async def mark_paid(invoice: int, on: dt.date | None = None, *, version: int | None = None) -> dict[str, Any]:
    async with transaction():
        row = await get(invoice)
        check(row, "paid")
        paid_on = on or await today()
        if row["invoice_date"] and paid_on < row["invoice_date"]:
            raise BillingError(_("%(invoice)s cannot be paid before its date, %(date)s.", invoice=label(row),
                                 date=row["invoice_date"].isoformat()))
        return await records.update(Invoice, invoice, {"state": "paid", "paid_on": paid_on},
                                    version=_at_version(row, version))


async def cancel(invoice: int, reason: str = "", *, version: int | None = None) -> dict[str, Any]:
    """Cancel a draft, or an issued invoice with a `reason` (it keeps its number)."""
    async with transaction():
        row = await get(invoice)
        check(row, "cancelled")
        reason = reason.strip()
        if row["state"] != "draft" and not reason:
            raise ReasonRequired(label(row))
        return await records.update(Invoice, invoice, {"state": "cancelled", "cancel_reason": reason},
                                    version=_at_version(row, version))


async def lines_for_origin(origin: str) -> list[dict[str, Any]]:
    """Every line billing `origin`, with its invoice's id, number and state (cancelled ones too)."""
    return await InvoiceLine.select(
        *InvoiceLine._meta.columns, InvoiceLine.invoice.number.as_alias("invoice_number"),
        InvoiceLine.invoice.state.as_alias("invoice_state"),
    ).where(InvoiceLine.origin == origin).order_by(InvoiceLine.invoice).order_by(InvoiceLine.sequence).run()


async def origin_state(origin: str) -> str | None:
    """How far `origin` is billed: "paid", "issued" or "draft" (its furthest invoice that is
    not cancelled), or None when no such invoice bills it."""
    states = {ln["invoice_state"] for ln in await lines_for_origin(origin)}
    return next((s for s in ("paid", "issued", "draft") if s in states), None)


@dataclass(frozen=True)
class OpenSummary:
    rows: list[dict[str, Any]]  # the first `limit`, earliest due first, with `overdue`
    count: int
    total: Decimal
    overdue_count: int
    overdue_total: Decimal


async def open_invoices(limit: int = 8) -> OpenSummary:
    """Issued invoices not paid yet (the dashboard tile): the first `limit` by due date, and
    the count and amount of all of them and of those overdue."""
    now = await today()
    rows = await Invoice.select(
        Invoice.id, Invoice.number, Invoice.due_date, Invoice.amount_gross, Invoice.currency,
        Invoice.partner.name.as_alias("partner_name"),
    ).where(Invoice.state == "issued").order_by(Invoice.due_date).order_by(Invoice.id).limit(limit).run()
    for r in rows:
        r["overdue"] = bool(r["due_date"] and r["due_date"] < now)
    count, total = await _count_sum(Invoice.state == "issued")
    overdue_count, overdue_total = await _count_sum((Invoice.state == "issued") & (Invoice.due_date < now))
    return OpenSummary(rows=rows, count=count, total=total, overdue_count=overdue_count, overdue_total=overdue_total)


async def _count_sum(where: Any) -> tuple[int, Decimal]:
    row = (await Invoice.select(Count(alias="n"), Sum(Invoice.amount_gross, alias="total")).where(where).run())[0]
    # SQLite sums NUMERIC columns as floating point: back to cents.
    return int(row["n"] or 0), money.cents(Decimal(str(row["total"] or 0)))
