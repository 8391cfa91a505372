"""Demo data: Koffiepunt Service's invoices of the last months, continuing core's demo story.

Maintenance visits, repairs, descaling kits and travel costs billed to core's demo
customers, played through the invoice service in date order (so the numbers follow
the dates): most are paid, two are issued and waiting (Brainport's is overdue; it
quotes their purchase order number, as their file asks), one was cancelled and
replaced, and this week's visit to Brabant Logistics is still a draft. Lotte (sales)
prepares the invoices, Eva (manager) issues them and books the payments. Each invoice
is remembered in core's shipped-data table (module "billing"), so loading twice adds
nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from core.db.audit import AuditEntry
from core.db.context import acting_as
from core.db.data import DataRecord, ref
from modules.billing.models.invoice import Invoice, InvoiceLine
from modules.billing.services import invoice as invoices
from modules.billing.services.invoice import Line

MODULE = "billing"
ZONE = ZoneInfo("Europe/Amsterdam")
TRAVEL = D("0.23")  # per km driven


@dataclass(frozen=True)
class Demo:
    key: str
    customer: str  # core's partner key
    # (product code or "", description, quantity, price ("" for the product's), VAT %[, unit])
    lines: tuple[tuple[str, ...], ...]
    dated: int  # days ago
    paid: int | None = None  # days ago
    cancelled: tuple[int, str] | None = None  # (days ago, reason)
    issued: bool = True
    reference: str = ""
    discount: str = "0"
    notes: str = ""


def travel(km: int) -> tuple[str, ...]:
    return ("", f"Travel costs ({km} km return)", str(km), str(TRAVEL), "21", "km")


# fmt: off
INVOICES: tuple[Demo, ...] = (
    Demo("zwaan_maintenance", "cafe_de_zwaan", (
        ("SRV-PM", "Maintenance visit: Lombarda Classica 2-group and Precisa E65", "1", "", "21"),
        ("SP-GHG-85", "", "2", "", "21"),
        ("SP-SHS-58", "", "2", "", "21"),
        ("CON-DESC", "Descaling kit: descaler, 1 l bottle", "2", "", "21"),
        ("SRV-CALL", "", "1", "", "21"),
    ), dated=76, paid=63),
    Demo("jheronimus_maintenance", "stadshotel_jheronimus", (
        ("SRV-PM", "Maintenance visit: Lombarda Classica 3-group (bar)", "1", "", "21"),
        ("SRV-PM", "Maintenance visit: Suter Vista 20, breakfast buffet", "2", "", "21"),
        ("CON-DESC", "Descaling kit", "3", "", "21"),
        ("CON-MILK", "", "2", "", "21"),
        ("SRV-LAB", "Extra labour: milk system of buffet machine 2 rebuilt", "1.5", "", "21"),
        ("SRV-CALL", "", "1", "", "21"),
    ), dated=61, paid=40),
    Demo("bakhuys_repair", "lunchroom_bakhuys", (
        ("SP-PMP-VIB", "Vibration pump 48 W (replaced, pump failed)", "1", "", "21"),
        ("SRV-LAB", "Repair: pump replaced, pressure set to 9 bar", "1.25", "", "21"),
        ("SRV-CALL", "", "1", "", "21"),
        travel(38),
        ("", "Espresso beans, house blend, 1 kg", "6", "21.50", "9"),
    ), dated=47, paid=33),
    Demo("kasteelplein_wrong", "grand_cafe_kasteelplein", (
        ("SRV-PM", "Maintenance visit: Lombarda Classica 2-group", "1", "", "21"),
        ("SRV-CALL", "", "1", "", "21"),
    ), dated=29, cancelled=(27, "The call-out fee is covered by the service contract; "
                                 "replaced by the corrected invoice of the same day.")),
    Demo("kasteelplein_corrected", "grand_cafe_kasteelplein", (
        ("SRV-PM", "Maintenance visit: Lombarda Classica 2-group", "1", "", "21"),
        ("SP-ORK", "", "1", "", "21"),
    ), dated=27, paid=9, notes="Replaces the cancelled invoice of the same visit (call-out fee covered by contract)."),
    Demo("brainport_maintenance", "brainport_faculty", (
        ("SRV-PM", "Yearly maintenance: Suter Office 10, floors 1-6", "6", "", "21"),
        ("CON-DESC", "Descaling kit", "6", "", "21"),
        ("CON-TAB-100", "", "2", "", "21"),
        travel(64),
    ), dated=31, reference="PO 4500271893", discount="10",
       notes="Contract price: 10% off maintenance visits and consumables."),
    Demo("dommel_repair", "ziekenhuis_de_dommel", (
        ("SP-BRU-V", "Brewing unit for Suter Vista (ward 4, machine ZH-07)", "1", "", "21"),
        ("SRV-LAB", "Repair within the four-hour response time", "2", "", "21"),
        ("SRV-EVE", "Evening surcharge (call at 19:40)", "2", "", "21"),
        ("SRV-CALL", "", "1", "", "21"),
    ), dated=6),
    Demo("brabant_logistics_visit", "brabant_logistics", (
        ("SRV-PM", "Maintenance visit: canteen machines", "2", "", "21"),
        ("CON-DESC", "Descaling kit", "2", "", "21"),
        ("SP-MLK-PMP", "", "1", "", "21"),
        travel(42),
    ), dated=1, issued=False),
)
# fmt: on


def _today() -> dt.date:
    return dt.datetime.now(ZONE).date()


def _day(days_ago: int) -> dt.date:
    """The working day `days_ago` calendar days back (a weekend moves to the Friday before)."""
    day = _today() - dt.timedelta(days=days_ago)
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(dt.UTC)


async def _product(code: str) -> int | None:
    return await ref("core", "product." + code.lower().replace("-", "_")) if code else None


async def _lines(demo: Demo) -> list[Line]:
    out = []
    for code, description, qty, price, rate, *unit in demo.lines:
        # Visits and consumables get the customer's contract discount; travel costs never do.
        discount = demo.discount if code.startswith(("SRV-PM", "CON-")) else "0"
        out.append(Line(description, qty, price or None, rate, discount, product=await _product(code),
                        unit="".join(unit)))
    return out


async def _backdate(invoice: int, created: dt.datetime, since: dt.datetime) -> None:
    """Date what the demo just wrote about this invoice on the day it happened."""
    line_ids = [r["id"] for r in await InvoiceLine.select(InvoiceLine.id).where(InvoiceLine.invoice == invoice).run()]
    await Invoice.update({Invoice.created_at: created}).where((Invoice.id == invoice)
                                                              & (Invoice.created_at >= since)).run()
    await Invoice.update({Invoice.updated_at: created}).where((Invoice.id == invoice)
                                                              & (Invoice.updated_at >= since)).run()
    if line_ids:
        await InvoiceLine.update({InvoiceLine.created_at: created, InvoiceLine.updated_at: created}).where(
            InvoiceLine.id.is_in(line_ids) & (InvoiceLine.created_at >= since)).run()
        await AuditEntry.update({AuditEntry.at: created}).where(
            (AuditEntry.table_name == InvoiceLine._meta.tablename) & AuditEntry.record_id.is_in(line_ids)
            & (AuditEntry.at >= since)).run()
    await AuditEntry.update({AuditEntry.at: created}).where(
        (AuditEntry.table_name == Invoice._meta.tablename) & (AuditEntry.record_id == invoice)
        & (AuditEntry.at >= since)).run()


async def _play(demo: Demo, sales: int, manager: int) -> int:
    dated = _day(demo.dated)
    since = dt.datetime.now(dt.UTC)
    with acting_as(sales):
        row = await invoices.create_draft(
            await ref("core", f"partner.{demo.customer}"), await _lines(demo),
            invoice_date=dated if demo.issued else None, customer_reference=demo.reference, notes=demo.notes)
    await _backdate(row["id"], _at(dated, 9), since)
    if not demo.issued:
        return int(row["id"])
    with acting_as(manager):
        since = dt.datetime.now(dt.UTC)
        await invoices.issue(row["id"])
        await _backdate(row["id"], _at(dated, 16), since)
        if demo.paid is not None:
            since = dt.datetime.now(dt.UTC)
            await invoices.mark_paid(row["id"], _day(demo.paid))
            await _backdate(row["id"], _at(_day(demo.paid), 11), since)
        if demo.cancelled is not None:
            days, reason = demo.cancelled
            since = dt.datetime.now(dt.UTC)
            await invoices.cancel(row["id"], reason)
            await _backdate(row["id"], _at(_day(days), 10), since)
    return int(row["id"])


async def load_demo() -> None:
    sales, manager = await ref("core", "user.sales_lotte"), await ref("core", "user.manager_eva")
    # In date order, so the invoice numbers follow the invoice dates.
    for demo in sorted(INVOICES, key=lambda d: -d.dated):
        key = f"invoice.{demo.key}"
        try:
            await ref(MODULE, key)
            continue
        except KeyError:
            pass
        invoice = await _play(demo, sales, manager)
        await DataRecord.insert(DataRecord(module=MODULE, key=key, table_name=Invoice._meta.tablename,
                                           record_id=invoice, checksum="", row_checksum="")).run()
