"""The lost-revenue detector: money the firm earned but is not collecting.

Four kinds of finding, each keyed by what leaked (`ref`), so a nightly rerun updates a
finding instead of adding it again, and a finding that no longer holds is resolved:
- unbilled_work: a done or closed work order still "to bill" without an invoice (or whose
  invoice was cancelled), with something to charge, done longer ago than the grace period
  (the setting `leak_grace_days`: billing runs weekly in many firms, so work done
  yesterday is waiting, not lost); value: what its lines charge.
- unbilled_parts: on a billed work order, a used part the customer pays for that is on
  no invoice; value: the line's amount.
- labour_gap: on a billed work order, more billable chargeable hours logged than its
  invoices bill as labour; value: the hours missing at the order's labour rate.
- expired_cover: a line priced (partly) covered although, on the job date, its warranty
  had ended and no contract covers it; value: what the customer should have paid more.
  Lines a manager overrode (with a reason) are a decision, not a leak.

Each check is a few set-based queries (no per-order round trips), so the nightly run
stays short on a large installed base.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.db import records
from core.db.engine import transaction
from core.i18n import _, fmt_date, fmt_number
from core.web.kit.calendar import firm_timezone
from modules.billing.models.invoice import Invoice, InvoiceLine
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.leak import KINDS, Leak
from modules.field_service.models.work_order import PartLine, TimeEntry, WorkOrder
from modules.field_service.services import coverage
from modules.field_service.services.lifecycle import origin

ZERO = Decimal(0)
DONE = ("done", "closed")
KIND_LABELS = {
    "unbilled_work": "Completed work not billed",
    "unbilled_parts": "Parts used but not billed",
    "labour_gap": "Labour logged above labour billed",
    "expired_cover": "Covered after the warranty ended",
}
GRACE_SETTING, GRACE_DAYS = "leak_grace_days", 7
# Units an invoice line bills labour in (billing lines carry a free unit text).
HOUR_UNITS = ("hour", "hours", "h", "hr", "hrs", "uur", "uren")


@dataclass(frozen=True)
class Finding:
    kind: str
    work_order: int
    ref: str
    value: Decimal
    detail: str


@dataclass
class RunSummary:
    found: int = 0
    new: int = 0
    resolved: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)


def _ids(rows: Iterable[Mapping[str, Any]], key: str = "id") -> list[int]:
    return sorted({int(r[key]) for r in rows})


async def _amounts(work_orders: Sequence[int]) -> dict[int, Decimal]:
    """What each work order's lines charge the customer (parts used and billable time)."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    if not work_orders:
        return totals
    for line in await PartLine.select(PartLine.work_order, PartLine.amount).where(
            PartLine.work_order.is_in(list(work_orders)) & (PartLine.used > 0)).run():
        totals[line["work_order"]] += Decimal(line["amount"])
    for entry in await TimeEntry.select(TimeEntry.work_order, TimeEntry.amount).where(
            TimeEntry.work_order.is_in(list(work_orders)) & (TimeEntry.billable == True)).run():  # noqa: E712
        totals[entry["work_order"]] += Decimal(entry["amount"])
    return totals


async def grace_days() -> int:
    """How many days done work may wait to be billed (the field service setting)."""
    from core.admin.settings_store import get_setting
    from modules.field_service.manifest import MANIFEST  # the manifest imports this module

    value = await get_setting(MANIFEST, GRACE_SETTING)
    return max(int(value), 0) if value is not None else GRACE_DAYS


async def unbilled_work(now: dt.datetime | None = None) -> list[Finding]:
    cancelled = Invoice.select(Invoice.id).where(Invoice.state == "cancelled")
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=await grace_days())
    orders = await WorkOrder.select(WorkOrder.id, WorkOrder.number, WorkOrder.invoice, WorkOrder.billing_state).where(
        WorkOrder.state.is_in(list(DONE)) & (WorkOrder.done_at.is_null() | (WorkOrder.done_at <= cutoff)) & (
            ((WorkOrder.billing_state == "to_bill") & WorkOrder.invoice.is_null())
            | ((WorkOrder.billing_state != "not_billable") & WorkOrder.invoice.is_in(cancelled)))).run()
    amounts = await _amounts(_ids(orders))
    found = []
    for wo in orders:
        value = coverage.cents(amounts.get(wo["id"], ZERO))
        if value <= 0:
            continue  # nothing to charge: no revenue is lost
        detail = (_("%(order)s is done but its invoice was cancelled and it was not billed again.", order=wo["number"])
                  if wo["invoice"] else _("%(order)s is done but not billed.", order=wo["number"]))
        found.append(Finding("unbilled_work", wo["id"], f"work_order:{wo['id']}", value, detail))
    return found


async def _invoiced(work_orders: Sequence[int]) -> list[dict[str, Any]]:
    """The lines of not-cancelled invoices that bill these work orders (by origin)."""
    if not work_orders:
        return []
    return await InvoiceLine.select(InvoiceLine.origin, InvoiceLine.product, InvoiceLine.quantity,
                                    InvoiceLine.unit).where(
        InvoiceLine.origin.is_in([origin(w) for w in work_orders]) & (InvoiceLine.invoice.state != "cancelled")).run()


async def unbilled_parts() -> list[Finding]:
    """Used parts the customer pays for that are on no invoice: flagged not invoiced, or
    their invoice line was taken off the draft (billed quantity below the used one)."""
    lines = await PartLine.select(
        PartLine.id, PartLine.work_order, PartLine.product, PartLine.used, PartLine.amount, PartLine.invoiced,
        PartLine.product.code.as_alias("code"), PartLine.work_order.number.as_alias("number"),
    ).where((PartLine.work_order.billing_state == "billed") & (PartLine.used > 0) & (PartLine.amount > 0)).run()
    billed: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for ln in await _invoiced(_ids(lines, "work_order")):
        if ln["product"] and str(ln["unit"]).strip().lower() not in HOUR_UNITS:
            billed[(ln["origin"], ln["product"])] += Decimal(ln["quantity"])
    found = []
    for ln in lines:
        used = Decimal(ln["used"])
        on_invoice = billed[(origin(ln["work_order"]), ln["product"])] if ln["invoiced"] else ZERO
        missing = used - min(on_invoice, used)
        if missing <= 0:
            continue
        billed[(origin(ln["work_order"]), ln["product"])] -= min(on_invoice, used)
        found.append(Finding("unbilled_parts", ln["work_order"], f"part_line:{ln['id']}",
                             coverage.cents(Decimal(ln["amount"]) * missing / used),
                             _("%(order)s: %(qty)s × %(part)s used, on no invoice.", order=ln["number"],
                               qty=fmt_number(missing, 0 if missing == int(missing) else 2), part=ln["code"])))
    return found


async def _billed_hours(orders: Sequence[Mapping[str, Any]]) -> dict[int, Decimal]:
    """Hours of labour and travel the invoices bill per work order: their lines in an hour
    unit, or of the job type's labour article."""
    labour = {origin(o["id"]): (o["id"], o["labour_product"]) for o in orders}
    billed: dict[int, Decimal] = defaultdict(Decimal)
    for ln in await _invoiced([o["id"] for o in orders]):
        wo, product = labour[ln["origin"]]
        if str(ln["unit"]).strip().lower() in HOUR_UNITS or (product and ln["product"] == product):
            billed[wo] += Decimal(ln["quantity"])
    return billed


async def labour_gap() -> list[Finding]:
    orders = await WorkOrder.select(WorkOrder.id, WorkOrder.number,
                                    WorkOrder.job_type.labour_product.as_alias("labour_product")).where(
        WorkOrder.billing_state == "billed").run()
    if not orders:
        return []
    logged: dict[int, Decimal] = defaultdict(Decimal)
    charged: dict[int, Decimal] = defaultdict(Decimal)
    for e in await TimeEntry.select(TimeEntry.work_order, TimeEntry.minutes, TimeEntry.amount).where(
            TimeEntry.work_order.is_in(_ids(orders)) & (TimeEntry.billable == True)  # noqa: E712
            & (TimeEntry.coverage != "covered") & (TimeEntry.minutes > 0)).run():
        logged[e["work_order"]] += Decimal(e["minutes"]) / 60
        charged[e["work_order"]] += Decimal(e["amount"])
    billed = await _billed_hours([o for o in orders if o["id"] in logged])
    found = []
    for wo in orders:
        gap = logged.get(wo["id"], ZERO) - billed.get(wo["id"], ZERO)
        if gap < Decimal("0.01"):  # within a rounding of the hours billed
            continue
        # The missing hours at what the logged hours charge on average (coverage included).
        value = coverage.cents(charged[wo["id"]] * gap / logged[wo["id"]])
        found.append(Finding("labour_gap", wo["id"], f"work_order:{wo['id']}", value,
                             _("%(order)s: %(logged)s h of chargeable labour logged, %(billed)s h billed.",
                               order=wo["number"], logged=fmt_number(logged[wo["id"]], 2),
                               billed=fmt_number(billed.get(wo["id"], ZERO), 2))))
    return found


async def _bases(work_orders: Sequence[int]) -> dict[int, coverage.Basis]:
    """Coverage facts per work order (job date, equipment, contract), read in three queries."""
    orders = await WorkOrder.select().where(WorkOrder.id.is_in(list(work_orders))).run() if work_orders else []
    equipment = {e["id"]: e for e in await Equipment.select().where(
        Equipment.id.is_in([o["equipment"] for o in orders if o["equipment"]] or [0])).run()}
    contract_ids = {o["contract"] or (equipment.get(o["equipment"]) or {}).get("contract") for o in orders}
    contracts = {c["id"]: c for c in await Contract.select().where(
        Contract.id.is_in([c for c in contract_ids if c] or [0])).run()}
    zone = await firm_timezone()
    bases = {}
    for o in orders:
        eq = equipment.get(o["equipment"])
        contract = contracts.get(o["contract"] or (eq or {}).get("contract"))
        when = o["done_at"] or o["started_at"] or o["scheduled_start"]
        on = when.astimezone(zone).date() if when else dt.datetime.now(zone).date()
        bases[o["id"]] = coverage.Basis(on, eq, contract, ZERO)
    return bases


def _why(what: str, base: coverage.Basis) -> str:
    end_field = "parts_warranty_end" if what == "parts" else "labour_warranty_end"
    end = (base.equipment or {}).get(end_field)
    if end is None:
        return _("no warranty or contract covered it on %(date)s", date=fmt_date(base.on))
    return _("the warranty ended on %(end)s, before the job on %(date)s, and no contract covers it",
             end=fmt_date(end), date=fmt_date(base.on))


async def expired_cover() -> list[Finding]:
    done = WorkOrder.select(WorkOrder.id).where(WorkOrder.state.is_in(list(DONE)))
    covered = ("covered", "partly")
    parts = await PartLine.select(
        PartLine.id, PartLine.work_order, PartLine.product, PartLine.used, PartLine.unit_price,
        PartLine.covered_percent, PartLine.amount, PartLine.product.code.as_alias("code"), PartLine.work_order.number.as_alias("number"),
    ).where(PartLine.work_order.is_in(done) & PartLine.coverage.is_in(list(covered)) & (PartLine.used > 0)
            & (PartLine.override_reason == "")).run()
    times = await TimeEntry.select(
        TimeEntry.id, TimeEntry.work_order, TimeEntry.kind, TimeEntry.minutes, TimeEntry.rate,
        TimeEntry.covered_percent, TimeEntry.amount, TimeEntry.work_order.number.as_alias("number"),
    ).where(TimeEntry.work_order.is_in(done) & TimeEntry.coverage.is_in(list(covered))
            & (TimeEntry.billable == True) & (TimeEntry.minutes > 0) & (TimeEntry.override_reason == "")).run()  # noqa: E712
    bases = await _bases(_ids(parts, "work_order") + _ids(times, "work_order"))
    found = []
    for ln in parts:
        base = bases[ln["work_order"]]
        cover = coverage.decide("parts", base.on, base.equipment, base.contract)
        price = Decimal(ln["unit_price"]) or await coverage.part_price(ln["product"])
        missed = coverage.charged(ln["used"], price, cover.percent) - Decimal(ln["amount"])
        if cover.percent < Decimal(ln["covered_percent"]) and missed > 0:
            found.append(Finding("expired_cover", ln["work_order"], f"part_line:{ln['id']}", missed,
                                 _("%(order)s: %(part)s priced as covered, but %(why)s.", order=ln["number"],
                                   part=ln["code"], why=_why("parts", base))))
    for e in times:
        base = bases[e["work_order"]]
        what = "travel" if e["kind"] == "travel" else "labour"
        cover = coverage.decide(what, base.on, base.equipment, base.contract)
        missed = coverage.charged(Decimal(e["minutes"]) / 60, Decimal(e["rate"]), cover.percent) - Decimal(e["amount"])
        if cover.percent < Decimal(e["covered_percent"]) and missed > 0:
            label = _("travel") if what == "travel" else _("labour")
            found.append(Finding("expired_cover", e["work_order"], f"time_entry:{e['id']}", missed,
                                 _("%(order)s: %(minutes)s min %(what)s priced as covered, but %(why)s.",
                                   order=e["number"], minutes=e["minutes"], what=label, why=_why("labour", base))))
    return found


async def detect() -> list[Finding]:
    """Every leak there is now (nothing is stored). An order whose whole work is unbilled
    is not counted again for its parts and labour."""
    work = await unbilled_work()
    whole = {f.work_order for f in work}
    lines = [f for f in (*await unbilled_parts(), *await labour_gap()) if f.work_order not in whole]
    return [*work, *lines, *await expired_cover()]


async def run(today: dt.date | None = None) -> RunSummary:
    """Detect and record: new findings are added, changed ones updated, reappearing ones
    reopened, and open findings that no longer hold resolved (resolved_on = today)."""
    today = today or dt.datetime.now(await firm_timezone()).date()
    summary = RunSummary(totals={k: ZERO for k in KINDS})
    async with transaction():
        findings = {(f.kind, f.ref): f for f in await detect()}
        stored = {(r["kind"], r["ref"]): r for r in await Leak.select().run()}
        for key, f in findings.items():
            summary.totals[f.kind] += f.value
            row = stored.get(key)
            values = {"work_order": f.work_order, "value": f.value, "detail": f.detail[:2000]}
            if row is None:
                await records.create(Leak, {"kind": f.kind, "ref": f.ref, "found_on": today, **values})
                summary.new += 1
                continue
            if row["resolved_on"] is not None:
                values |= {"resolved_on": None, "found_on": today}
                summary.new += 1
            changes = {k: v for k, v in values.items() if row.get(k) != v}
            if changes:
                await records.update(Leak, row["id"], changes, version=row["version"])
        for key, row in stored.items():
            if key not in findings and row["resolved_on"] is None:
                await records.update(Leak, row["id"], {"resolved_on": today}, version=row["version"])
                summary.resolved += 1
    summary.found = len(findings)
    return summary


@dataclass(frozen=True)
class Overview:
    rows: list[dict[str, Any]]
    totals: list[tuple[str, int, Decimal]]  # kind, open findings, value
    total: Decimal
    count: int


CUSTOMER: Any = Leak.work_order.partner.name  # type: ignore[union-attr]  # the order's customer


async def overview(*, resolved: bool = False, kind: str = "", limit: int = 500) -> Overview:
    """The findings to show (open ones, or the resolved ones), with totals per kind of the open ones."""
    where: Any = Leak.resolved_on.is_not_null() if resolved else Leak.resolved_on.is_null()
    if kind in KINDS:
        where = where & (Leak.kind == kind)
    rows = await Leak.select(
        *Leak._meta.columns, Leak.work_order.number.as_alias("number"), Leak.work_order.invoice.as_alias("invoice"),
        CUSTOMER.as_alias("customer"), Leak.work_order.billing_state.as_alias("billing_state"),
        Leak.work_order.version.as_alias("order_version"),
    ).where(where).order_by(Leak.value, ascending=False).order_by(Leak.id).limit(limit).run()
    totals = await open_totals()
    return Overview(rows=rows, totals=[(k, *totals.get(k, (0, ZERO))) for k in KINDS],
                    total=sum((v for _n, v in totals.values()), ZERO), count=sum(n for n, _v in totals.values()))


async def open_totals() -> dict[str, tuple[int, Decimal]]:
    """Open findings per kind: (count, value)."""
    out: dict[str, tuple[int, Decimal]] = {}
    for row in await Leak.select(Leak.kind, Leak.value).where(Leak.resolved_on.is_null()).run():
        n, v = out.get(row["kind"], (0, ZERO))
        out[row["kind"]] = (n + 1, v + Decimal(row["value"]))
    return out
