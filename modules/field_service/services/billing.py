"""Billing a done work order: a draft invoice in the billing module with one line per
chargeable part and time entry, each carrying the origin "field_service.work_order:<id>".

A work order's billing state: to_bill (done, not invoiced yet), billed (on an invoice),
not_billable (with a reason: cancelled, fully covered, a manager's decision).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.db import records
from core.db.engine import transaction
from core.i18n import _
from modules.billing.services import invoice as invoices
from modules.billing.services.invoice import Line
from modules.field_service.models.work_order import PartLine, TimeEntry, WorkOrder
from modules.field_service.services.errors import NotBillable, ReasonRequired
from modules.field_service.services.lifecycle import at_version, get, label, origin

BILLABLE_STATES = ("done", "closed")


async def invoice_lines(order: dict[str, Any]) -> list[Line]:
    """The invoice lines of the order's chargeable parts and time (coverage as discount)."""
    where_from, shown = origin(order["id"]), label(order)
    found: list[Line] = []
    for p in await PartLine.select(*PartLine._meta.columns, PartLine.product.name.as_alias("product_name"),
                                   PartLine.product.unit.as_alias("unit")).where(
            (PartLine.work_order == order["id"]) & (PartLine.amount > 0) & (PartLine.invoiced == False)  # noqa: E712
    ).order_by(PartLine.id).run():
        found.append(Line(p["product_name"], p["used"], p["unit_price"], discount=p["covered_percent"],
                          product=p["product"], unit=p["unit"], origin=where_from, origin_label=shown))
    labour = await _labour_product(order)
    for t in await TimeEntry.select().where(
            (TimeEntry.work_order == order["id"]) & (TimeEntry.amount > 0) & (TimeEntry.invoiced == False)  # noqa: E712
    ).order_by(TimeEntry.id).run():
        what = _("Travel") if t["kind"] == "travel" else _("Labour")
        hours = (Decimal(t["minutes"]) / 60).quantize(Decimal("0.001"))
        found.append(Line(f"{what} {shown}", hours, t["rate"], discount=t["covered_percent"],
                          product=labour, unit="hour", origin=where_from, origin_label=shown))
    return found


async def _labour_product(order: dict[str, Any]) -> int | None:
    from modules.field_service.models.job_type import JobType

    if not order["job_type"]:
        return None
    row = await JobType.select(JobType.labour_product).where(JobType.id == order["job_type"]).first().run()
    return row["labour_product"] if row else None


async def bill(work_order: int, *, version: int | None = None) -> dict[str, Any]:
    """Create the draft invoice of a done work order; returns the invoice. Refused when the
    order is not done, is billed or not billable already, or has nothing to charge."""
    async with transaction():
        order = await get(work_order)
        if order["state"] not in BILLABLE_STATES:
            raise NotBillable(_("%(order)s is not done yet: bill it when the work is done.", order=label(order)))
        if order["billing_state"] != "to_bill":
            raise NotBillable(_("%(order)s is billed or not billable already.", order=label(order)))
        at = at_version(order, version)
        lines = await invoice_lines(order)
        if not lines:
            raise NotBillable(_("%(order)s has nothing to charge: mark it not billable.", order=label(order)))
        draft = await invoices.create_draft(order["partner"], lines, origin=origin(work_order))
        await records.update(WorkOrder, work_order, {"billing_state": "billed", "invoice": draft["id"]}, version=at)
        for table in (PartLine, TimeEntry):
            for row in await table.select(table.id, table.version).where(
                    (table.work_order == work_order) & (table.amount > 0) & (table.invoiced == False)).run():  # noqa: E712
                await records.update(table, row["id"], {"invoiced": True}, version=row["version"])
    return draft


async def mark_not_billable(work_order: int, reason: str, *, version: int | None = None) -> dict[str, Any]:
    """A manager's decision that the done work is not charged, with the reason."""
    reason = (reason or "").strip()
    async with transaction():
        order = await get(work_order)
        if not reason:
            raise ReasonRequired(_("Say why %(order)s is not billed.", order=label(order)))
        if order["billing_state"] == "billed":
            raise NotBillable(_("%(order)s is on an invoice already.", order=label(order)))
        return await records.update(WorkOrder, work_order, {"billing_state": "not_billable",
                                                            "not_billable_reason": reason[:2000]},
                                    version=at_version(order, version))


async def back_to_bill(work_order: int, *, version: int | None = None) -> dict[str, Any]:
    """Undo "not billable" (a done order goes back to the to-bill list)."""
    async with transaction():
        order = await get(work_order)
        if order["billing_state"] != "not_billable" or order["state"] not in BILLABLE_STATES:
            raise NotBillable(_("Only done work marked not billable can go back to billing."))
        return await records.update(WorkOrder, work_order, {"billing_state": "to_bill", "not_billable_reason": ""},
                                    version=at_version(order, version))
