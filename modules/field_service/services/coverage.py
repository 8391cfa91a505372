"""Coverage and pricing: who pays for each part and hour of a work order.

On the job date (the day the work was done, else the day it is planned, else today, in the
firm's time zone) a line is, in this order:
1. covered by the equipment's warranty of its kind (parts, labour; travel follows labour)
   while that warranty runs on the job date;
2. covered or partly covered by the customer's service contract (active on the job date)
   for its percentage of parts or labour (travel: `travel_covered`) when above zero: contract
   coverage wins over chargeable;
3. otherwise chargeable, with the reason (warranty ended on ..., no contract).

The customer is charged `quantity x price x (100 - covered %) / 100`. A manager may override
a line's coverage with a reason (`override`); overridden and invoiced lines are not repriced.
Every change goes through `core.db.records`, so the audit log shows who changed what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.db import records
from core.db.engine import transaction
from core.i18n import _, fmt_date
from core.products.models import Product
from core.web.kit.calendar import firm_timezone
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.job_type import JobType
from modules.field_service.models.work_order import COVERAGES, PartLine, TimeEntry, WorkOrder
from modules.field_service.services.errors import FieldServiceError, InvalidValues, ReasonRequired

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Cover:
    coverage: str  # covered | partly | chargeable
    percent: Decimal  # share the warranty or contract pays
    reason: str  # in the language of whoever priced the line


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def charged(quantity: Decimal, price: Decimal, percent: Decimal) -> Decimal:
    """What the customer pays for `quantity` at `price` when `percent` is covered."""
    return cents(Decimal(quantity) * Decimal(price) * (HUNDRED - Decimal(percent)) / HUNDRED)


def _kind(percent: Decimal) -> str:
    return "covered" if percent >= HUNDRED else "partly" if percent > 0 else "chargeable"


def decide(what: str, on: dt.date, equipment: Mapping[str, Any] | None,
           contract: Mapping[str, Any] | None) -> Cover:
    """The coverage of a `what` ("parts", "labour" or "travel") line on the job date `on`."""
    warranty_field = "parts_warranty_end" if what == "parts" else "labour_warranty_end"
    warranty_end: dt.date | None = equipment.get(warranty_field) if equipment else None
    if warranty_end is not None and on <= warranty_end:
        until = fmt_date(warranty_end)
        reason = _("Parts warranty until %(date)s", date=until) if what == "parts" else _(
            "Labour warranty until %(date)s", date=until)
        return Cover("covered", HUNDRED, reason)
    if contract and contract["state"] in ("active", "expired") and contract["start_date"] <= on <= contract["end_date"]:
        if what == "travel":
            percent = HUNDRED if contract["travel_covered"] else Decimal(0)
        else:
            percent = Decimal(contract["parts_coverage" if what == "parts" else "labour_coverage"])
        if percent > 0:
            shown = format(percent.normalize(), "f")
            return Cover(_kind(percent), percent, _("Contract %(number)s covers %(percent)s%%",
                                                    number=contract["number"], percent=shown))
    if warranty_end is not None:
        ended = fmt_date(warranty_end)
        reason = _("Parts warranty ended on %(date)s", date=ended) if what == "parts" else _(
            "Labour warranty ended on %(date)s", date=ended)
        return Cover("chargeable", Decimal(0), reason)
    return Cover("chargeable", Decimal(0), _("No warranty or contract covers it"))


async def job_date(order: Mapping[str, Any]) -> dt.date:
    """The day the work was (or will be) done, in the firm's time zone."""
    when = order.get("done_at") or order.get("started_at") or order.get("scheduled_start")
    zone = await firm_timezone()
    return (when.astimezone(zone) if when else dt.datetime.now(zone)).date()


@dataclass(frozen=True)
class Basis:
    """What pricing a work order's lines needs, read once."""

    on: dt.date
    equipment: dict[str, Any] | None
    contract: dict[str, Any] | None
    hourly_rate: Decimal


async def basis(order: Mapping[str, Any]) -> Basis:
    equipment = contract = None
    if order.get("equipment"):
        equipment = await Equipment.select().where(Equipment.id == order["equipment"]).first().run()
    contract_id = order.get("contract") or (equipment or {}).get("contract")
    if contract_id:
        contract = await Contract.select().where(Contract.id == contract_id).first().run()
    return Basis(await job_date(order), equipment, contract, await hourly_rate(order))


async def hourly_rate(order: Mapping[str, Any]) -> Decimal:
    """The job type's hourly rate, else its labour article's sale price, else zero."""
    if not order.get("job_type"):
        return Decimal(0)
    row = await JobType.select(JobType.hourly_rate, JobType.labour_product.sale_price.as_alias("product_price")) \
        .where(JobType.id == order["job_type"]).first().run()
    if row is None:
        return Decimal(0)
    return Decimal(row["hourly_rate"] or 0) or Decimal(row["product_price"] or 0)


async def part_price(product: int) -> Decimal:
    row = await Product.select(Product.sale_price).where(Product.id == product).first().run()
    return Decimal(row["sale_price"]) if row else Decimal(0)


def part_values(line: Mapping[str, Any], base: Basis, price: Decimal) -> dict[str, Any]:
    """A part line's coverage and amount (its own override kept)."""
    if line["override_reason"]:
        percent = Decimal(line["covered_percent"])
        return {"unit_price": price, "amount": charged(line["used"], price, percent)}
    cover = decide("parts", base.on, base.equipment, base.contract)
    return {"coverage": cover.coverage, "coverage_reason": cover.reason, "covered_percent": cover.percent,
            "unit_price": price, "amount": charged(line["used"], price, cover.percent)}


def time_values(entry: Mapping[str, Any], base: Basis) -> dict[str, Any]:
    rate = Decimal(entry["rate"]) if entry.get("rate") else base.hourly_rate
    hours = Decimal(entry["minutes"]) / 60
    if entry["override_reason"]:
        percent = Decimal(entry["covered_percent"])
    else:
        cover = decide("travel" if entry["kind"] == "travel" else "labour", base.on, base.equipment, base.contract)
        percent = cover.percent
    amount = charged(hours, rate, percent) if entry["billable"] else Decimal(0)
    values: dict[str, Any] = {"rate": rate, "amount": amount}
    if not entry["override_reason"]:
        values |= {"coverage": cover.coverage, "coverage_reason": cover.reason, "covered_percent": percent}
    return values


def _changed(row: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if row.get(k) != v}


async def price_work_order(work_order: int) -> None:
    """(Re)price every part line and time entry of the work order that is neither
    overridden nor invoiced, from its equipment, contract and job date."""
    async with transaction():
        order = await WorkOrder.select().where(WorkOrder.id == work_order).first().run()
        if order is None:
            return
        base = await basis(order)
        for line in await PartLine.select().where((PartLine.work_order == work_order) & (PartLine.invoiced == False)).run():  # noqa: E712
            values = _changed(line, part_values(line, base, await part_price(line["product"])))
            if values:
                await records.update(PartLine, line["id"], values, version=line["version"])
        for entry in await TimeEntry.select().where((TimeEntry.work_order == work_order) & (TimeEntry.invoiced == False)).run():  # noqa: E712
            values = _changed(entry, time_values(entry, base))
            if values:
                await records.update(TimeEntry, entry["id"], values, version=entry["version"])


async def override(table: type[PartLine] | type[TimeEntry], line_id: int, coverage: str, percent: Decimal | str | int,
                   reason: str, *, version: int) -> dict[str, Any]:
    """A manager's decision on one line's coverage, with the reason (audited). `percent` is
    the share covered: 100 for covered, 0 for chargeable, in between for partly."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("Say why this line's coverage is overridden."))
    try:
        share = Decimal(str(percent))
    except ArithmeticError:
        share = Decimal(-1)
    if coverage not in COVERAGES:
        raise InvalidValues({"coverage": _("Choose covered, partly covered or chargeable.")})
    if not (0 <= share <= 100) or share != share.quantize(CENT):
        raise InvalidValues({"covered_percent": _("A percentage between 0 and 100.")})
    expected = {"covered": HUNDRED, "chargeable": Decimal(0)}.get(coverage)
    if expected is not None and share != expected:
        share = expected
    if coverage == "partly" and share in (0, HUNDRED):
        raise InvalidValues({"covered_percent": _("Partly covered is more than 0% and less than 100%.")})
    async with transaction():
        row = await table.select().where(table.id == line_id).first().run()
        if row is None:
            raise FieldServiceError(_("This line does not exist any more."))
        if row["invoiced"]:
            raise FieldServiceError(_("This line is invoiced already; its price can no longer change."))
        values: dict[str, Any] = {"coverage": coverage, "covered_percent": share, "override_reason": reason[:2000],
                                  "coverage_reason": _("Overridden: %(reason)s", reason=reason)[:300]}
        if table is PartLine:
            values["amount"] = charged(row["used"], row["unit_price"], share)
        else:
            values["amount"] = charged(Decimal(row["minutes"]) / 60, row["rate"], share) if row["billable"] else Decimal(0)
        return await records.update(table, line_id, values, version=version)


async def clear_override(table: type[PartLine] | type[TimeEntry], line_id: int, *, version: int) -> None:
    """Back to the automatic coverage."""
    async with transaction():
        row = await records.update(table, line_id, {"override_reason": ""}, version=version)
        await price_work_order(row["work_order"])
