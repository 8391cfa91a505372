"""Parts and time on a work order: planned parts reserved in the warehouse, parts used,
their consumption on completion (exactly once), and time entries.

Stock changes only through the warehouse's stock service API, under the origin
"field_service.work_order:<id>". A work order has one part line per product: planning
more of a product adds to its line and reserves the extra.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from core.auth.models import User
from core.db import records
from core.db.engine import transaction
from core.i18n import _
from core.products.models import Product
from modules.field_service.models.technician import Technician
from modules.field_service.models.work_order import TIME_KINDS, Assignment, PartLine, TimeEntry
from modules.field_service.services import coverage
from modules.field_service.services.errors import FieldServiceError, InvalidValues, PartsShort
from modules.field_service.services.lifecycle import check_open, get, origin
from modules.warehouse.services import location as locations
from modules.warehouse.services import stock

ZERO = Decimal(0)
MAX_QTY = Decimal("99999999999")


def quantity(value: Any, field: str = "quantity", *, zero: bool = False) -> Decimal:
    """A quantity with at most 3 decimals, above zero (or zero when `zero`)."""
    try:
        q = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidValues({field: _("Enter a quantity with at most 3 decimals.")}) from None
    if not q.is_finite() or q != q.quantize(Decimal("0.001")) or abs(q) >= MAX_QTY:
        raise InvalidValues({field: _("Enter a quantity with at most 3 decimals.")})
    if q < 0 or (q == 0 and not zero):
        raise InvalidValues({field: _("The quantity must be above zero.")})
    return q


async def van_of(user: int) -> int | None:
    """The stock location of the technician's van: their technician record's, else the
    warehouse van location they drive."""
    tech = await Technician.select(Technician.van).where(Technician.user == user).first().run()
    if tech and tech["van"]:
        return int(tech["van"])
    return await locations.van_of(user)


async def parts_location(order: Mapping[str, Any]) -> int | None:
    """Where the order's parts come from: its own location, else its lead technician's van."""
    if order.get("stock_location"):
        return int(order["stock_location"])
    lead = await Assignment.select(Assignment.user).where(Assignment.work_order == order["id"]).order_by(
        Assignment.lead, ascending=False).order_by(Assignment.id).first().run()
    return await van_of(lead["user"]) if lead else None


async def _line(work_order: int, product: int) -> dict[str, Any] | None:
    return await PartLine.select().where((PartLine.work_order == work_order) & (PartLine.product == product)).first().run()


async def _product(product: Any) -> dict[str, Any]:
    row = await Product.select().where(Product.id == product).first().run() if isinstance(product, int) else None
    if row is None:
        raise InvalidValues({"product": _("Choose a product.")})
    return row


async def add_part(work_order: int, product: int, qty: Decimal | int | str, *, location: int | None = None,
                   lot: int | None = None, reserve: bool = True) -> dict[str, Any]:
    """Plan `qty` of `product` for the job and (with `reserve`) reserve it at `location`
    (default: the order's parts location or the lead technician's van). Raises
    InsufficientStock (warehouse) when it is not there; nothing is then planned."""
    wanted = quantity(qty)
    async with transaction():
        order = await get(work_order)
        check_open(order)
        item = await _product(product)
        line = await _line(work_order, product)
        place = (line or {}).get("location") or location or await parts_location(order)
        reserved = ZERO
        if reserve and item["kind"] == "stockable":
            if place is None:
                raise InvalidValues({"location": _("Say where the part comes from: no van or stock location is set.")})
            await stock.reserve(origin(work_order), product, place, wanted, lot=lot)
            reserved = wanted
        if line is None:
            line = await records.create(PartLine, {"work_order": work_order, "product": product, "planned": wanted,
                                                   "location": place, "lot": lot, "reserved": reserved})
        else:
            line = await records.update(PartLine, line["id"], {
                "planned": Decimal(line["planned"]) + wanted, "reserved": Decimal(line["reserved"]) + reserved,
                "location": place}, version=line["version"])
        await coverage.price_work_order(work_order)
    return await _fresh(line["id"])


async def use_part(work_order: int, product: int, qty: Decimal | int | str, *, location: int | None = None,
                   lot: int | None = None) -> dict[str, Any]:
    """Record that `qty` of `product` was used on the job (the total, not an addition).
    Stock moves only when the order is completed."""
    used = quantity(qty, "used", zero=True)
    async with transaction():
        order = await get(work_order)
        check_open(order)
        await _product(product)
        line = await _line(work_order, product)
        if line is None:
            line = await records.create(PartLine, {"work_order": work_order, "product": product, "used": used,
                                                   "location": location or await parts_location(order), "lot": lot})
        else:
            changes: dict[str, Any] = {"used": used}
            if location is not None and not line["reserved"]:
                changes["location"] = location
            line = await records.update(PartLine, line["id"], changes, version=line["version"])
        await coverage.price_work_order(work_order)
    return await _fresh(line["id"])


async def remove_part(line_id: int, *, version: int) -> None:
    """Take a part off the job and give back its reservation."""
    async with transaction():
        line = await PartLine.select().where(PartLine.id == line_id).first().run()
        if line is None:
            raise FieldServiceError(_("This part line does not exist any more."))
        check_open(await get(line["work_order"]))
        if line["consumed"]:
            raise FieldServiceError(_("This part was taken from stock already."))
        await stock.release(origin(line["work_order"]), line["product"])
        await records.delete(PartLine, line_id, version=version)


async def _fresh(line_id: int) -> dict[str, Any]:
    row = await PartLine.select().where(PartLine.id == line_id).first().run()
    assert row is not None
    return row


async def release_all(work_order: int) -> None:
    """Give back every reservation of the order (cancelled)."""
    await stock.release(origin(work_order))
    for line in await PartLine.select().where((PartLine.work_order == work_order) & (PartLine.reserved > 0)).run():
        await records.update(PartLine, line["id"], {"reserved": ZERO}, version=line["version"])


async def short_parts(order: Mapping[str, Any]) -> list[str]:
    """Names of the parts that stop completion: planned but neither reserved nor used, or
    used beyond what is reserved plus what is available where they come from."""
    found = []
    for line in await PartLine.select(*PartLine._meta.columns, PartLine.product.name.as_alias("product_name"),
                                      PartLine.product.kind.as_alias("product_kind")).where(
            (PartLine.work_order == order["id"]) & (PartLine.consumed == False)).run():  # noqa: E712
        planned, used, reserved = Decimal(line["planned"]), Decimal(line["used"]), Decimal(line["reserved"])
        short = planned > max(used, reserved)
        if not short and used > reserved and line["product_kind"] == "stockable":
            place = line["location"] or order["stock_location"]
            free = await stock.available(line["product"], place, line["lot"]) if place else ZERO
            short = used > reserved + free
        if short:
            found.append(str(line["product_name"]))
    return found


async def check_not_short(order: Mapping[str, Any], name: str) -> None:
    missing = await short_parts(order)
    if missing:
        raise PartsShort(name, missing)


async def consume_all(order: Mapping[str, Any]) -> None:
    """Take the used parts from stock (reservations first, then the line's location) and
    give back what was reserved but not used. Each line is claimed with its version, so it
    is consumed once however often this runs."""
    where_from = origin(order["id"])
    for line in await PartLine.select(*PartLine._meta.columns, PartLine.product.kind.as_alias("product_kind")).where(
            (PartLine.work_order == order["id"]) & (PartLine.consumed == False)).run():  # noqa: E712
        used = Decimal(line["used"])
        if used > 0 and line["product_kind"] == "stockable":
            await stock.consume(where_from, line["product"], used, location=line["location"] or order["stock_location"],
                                lot=line["lot"])
        await records.update(PartLine, line["id"], {"consumed": True, "reserved": ZERO},
                             version=line["version"])
    await stock.release(where_from)


async def add_time(work_order: int, user: int, minutes: int, *, kind: str = "work", billable: bool = True,
                   started_at: dt.datetime | None = None, note: str = "") -> dict[str, Any]:
    """Log `minutes` of work or travel by `user` on the job; priced by coverage."""
    errors: dict[str, str] = {}
    if kind not in TIME_KINDS:
        errors["kind"] = _("Choose work or travel.")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= 24 * 60:
        errors["minutes"] = _("Enter the minutes spent, from 1 to 1440.")
    if not await User.exists().where(User.id == user).run():
        errors["user"] = _("Choose a technician.")
    if errors:
        raise InvalidValues(errors)
    async with transaction():
        order = await get(work_order)
        check_open(order)
        entry = await records.create(TimeEntry, {"work_order": work_order, "user": user, "kind": kind,
                                                 "minutes": minutes, "billable": billable, "started_at": started_at,
                                                 "note": (note or "").strip()[:300]})
        await coverage.price_work_order(work_order)
    row = await TimeEntry.select().where(TimeEntry.id == entry["id"]).first().run()
    assert row is not None
    return row


async def remove_time(entry_id: int, *, version: int) -> None:
    async with transaction():
        entry = await TimeEntry.select().where(TimeEntry.id == entry_id).first().run()
        if entry is None:
            raise FieldServiceError(_("This time entry does not exist any more."))
        order = await get(entry["work_order"])
        check_open(order)
        await records.delete(TimeEntry, entry_id, version=version)

