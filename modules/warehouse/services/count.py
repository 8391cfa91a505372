"""Inventory counts: what we expect at a location against what was counted.

States: draft -> counting -> done, or cancelled. Opening a count makes one line per
product and lot on hand there, with the expected quantity; starting it refreshes
those. Counted quantities are entered per line (a unit found that nobody expected
gets a new line). Applying makes the quants equal what was counted: for each counted
line the difference against the quantity on hand *at that moment* goes through an
adjustment transfer to or from the inventory location, and the location's
`last_counted` becomes today. Lines left blank are not adjusted.

Cycle counts: a location with `count_interval_days` is due once `last_counted` plus
the interval is today or earlier (or it was never counted); `open_due` opens one
count for each due location without an open count.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.db import records, sequence
from core.db.engine import transaction
from core.i18n import _
from core.jobs import idempotency
from core.products.models import Product
from modules.warehouse.models.count import Count, CountLine
from modules.warehouse.models.location import Location
from modules.warehouse.models.quant import Quant
from modules.warehouse.services import location as locations
from modules.warehouse.services import lot as lots
from modules.warehouse.services import move as moves
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.errors import InvalidTransition, NotAllowed
from modules.warehouse.services.transfer import Line

ZERO = Decimal(0)
OPEN = ("draft", "counting")
COUNTED_KINDS = ("internal", "van")
STATE_LABELS = {"draft": "Draft", "counting": "Counting", "done": "Done", "cancelled": "Cancelled"}


async def get(count: int) -> dict[str, Any]:
    row = await Count.select().where(Count.id == count).first().run()
    if row is None:
        raise NotAllowed(_("Count #%(id)s does not exist.", id=count))
    return row


async def _on_hand(location: int) -> list[dict[str, Any]]:
    return await Quant.select(Quant.product, Quant.lot, Quant.quantity).where(
        (Quant.location == location) & (Quant.quantity > 0)).run()


async def open(location: int, *, planned_on: dt.date | None = None, origin: str = "") -> dict[str, Any]:
    """A draft count of `location` with one line per product and lot on hand there."""
    async with transaction():
        if await locations.kind_of(location) not in COUNTED_KINDS:
            raise NotAllowed(_("Only warehouse shelves and vans are counted."))
        number = await sequence.next_number("warehouse.count")
        row = await records.create(Count, {"number": number, "location": location, "state": "draft",
                                           "planned_on": planned_on or dt.date.today(), "origin": origin})
        for q in await _on_hand(location):
            await records.create(CountLine, {"count": row["id"], "product": q["product"], "lot": q["lot"],
                                             "expected": Decimal(q["quantity"])})
        return row


async def lines(count: int) -> list[dict[str, Any]]:
    """The lines sorted as a person walks the shelf: by product code, then lot."""
    return await CountLine.select(
        *CountLine.all_columns(), CountLine.product.code.as_alias("product_code"),
        CountLine.product.name.as_alias("product_name"), CountLine.product.unit.as_alias("unit"),
        CountLine.product.tracking.as_alias("tracking"), CountLine.lot.name.as_alias("lot_name"),
    ).where(CountLine.count == count).order_by(CountLine.product.code).order_by(CountLine.lot.name).order_by(
        CountLine.id).run()


async def line(line_id: int) -> dict[str, Any]:
    row = await CountLine.select(*CountLine.all_columns(), CountLine.product.tracking.as_alias("tracking")).where(
        CountLine.id == line_id).first().run()
    if row is None:
        raise NotAllowed(_("Count line #%(id)s does not exist.", id=line_id))
    return row


async def _open_count(count: int) -> dict[str, Any]:
    row = await get(count)
    if row["state"] not in OPEN:
        raise InvalidTransition(_("This count is already %(state)s.", state=_(STATE_LABELS[row["state"]]).lower()))
    return row


async def start(count: int) -> dict[str, Any]:
    """Counting starts: expected quantities are read again, lines for new stock added."""
    async with transaction():
        row = await get(count)
        if row["state"] != "draft":
            raise InvalidTransition(_("Only a draft count can be started."))
        have = {(r["product"], r["lot"]): r for r in await CountLine.select().where(CountLine.count == count).run()}
        for q in await _on_hand(row["location"]):
            found = have.pop((q["product"], q["lot"]), None)
            if found is None:
                await records.create(CountLine, {"count": count, "product": q["product"], "lot": q["lot"],
                                                 "expected": Decimal(q["quantity"])})
            elif Decimal(found["expected"]) != Decimal(q["quantity"]):
                await records.update(CountLine, found["id"], {"expected": Decimal(q["quantity"])},
                                     version=found["version"])
        for gone in have.values():  # nothing on hand any more: expect zero
            if Decimal(gone["expected"]) != ZERO:
                await records.update(CountLine, gone["id"], {"expected": ZERO}, version=gone["version"])
        return await records.update(Count, count, {"state": "counting"}, version=row["version"])


def _checked(tracking: str, counted: Decimal | None, has_lot: bool) -> Decimal | None:
    if counted is None:
        return None
    counted = Decimal(counted)
    if counted < 0:
        raise NotAllowed(_("A counted quantity cannot be negative."))
    if tracking == "serial" and has_lot and counted not in (0, 1):
        raise NotAllowed(_("A serial number is there (1) or not (0)."))
    return counted


async def record(line_id: int, counted: Decimal | None) -> dict[str, Any]:
    """Save what was counted on one line (None: not counted yet). A draft count starts counting."""
    async with transaction():
        item = await line(line_id)
        row = await _open_count(item["count"])
        if row["state"] == "draft":
            await records.update(Count, row["id"], {"state": "counting"}, version=row["version"])
        value = _checked(item["tracking"], counted, item["lot"] is not None)
        if value == (Decimal(item["counted"]) if item["counted"] is not None else None):
            return item
        return await records.update(CountLine, line_id, {"counted": value}, version=item["version"])


async def add_line(count: int, product: int, counted: Decimal, *, lot_name: str = "") -> dict[str, Any]:
    """A product (or serial) found that the sheet did not expect."""
    async with transaction():
        row = await _open_count(count)
        lot = await lots.for_line(product, lot_name)
        value = _checked(await moves.tracking(product), counted, lot is not None)
        where = (CountLine.count == count) & (CountLine.product == product)
        where &= CountLine.lot.is_null() if lot is None else CountLine.lot == lot
        if await CountLine.exists().where(where).run():
            raise NotAllowed(_("This product is already on the sheet: enter the count on its line."))
        if row["state"] == "draft":
            await records.update(Count, count, {"state": "counting"}, version=row["version"])
        return await records.create(CountLine, {"count": count, "product": product, "lot": lot,
                                                "expected": ZERO, "counted": value})


async def cancel(count: int) -> dict[str, Any]:
    async with transaction():
        row = await _open_count(count)
        return await records.update(Count, count, {"state": "cancelled"}, version=row["version"])


async def apply(count: int) -> dict[str, Any]:
    """Adjust stock to what was counted; returns the count with `adjustments` (transfer ids)."""
    async with transaction():
        row = await _open_count(count)
        location = row["location"]
        counted = [r for r in await CountLine.select().where(CountLine.count == count).run()
                   if r["counted"] is not None]
        if not counted:
            raise NotAllowed(_("Enter at least one counted quantity before applying the count."))
        gains: list[Line] = []
        losses: list[Line] = []
        costs = await _costs({r["product"] for r in counted})
        for r in counted:
            have = await _quantity(r["product"], location, r["lot"])
            diff = Decimal(r["counted"]) - have
            if diff > 0:
                gains.append(Line(r["product"], diff, r["lot"], costs.get(r["product"])))
            elif diff < 0:
                losses.append(Line(r["product"], -diff, r["lot"], costs.get(r["product"])))
        inventory = await locations.virtual("inventory")
        made = []
        for source, destination, todo in ((location, inventory, losses), (inventory, location, gains)):
            if todo:
                adj = await transfers.create("adjustment", source, destination, todo, origin=row["number"])
                await transfers.validate(adj["id"])
                made.append(int(adj["id"]))
        place = await Location.select(Location.version).where(Location.id == location).first().run()
        await records.update(Location, location, {"last_counted": dt.date.today()}, version=place["version"])
        saved = await records.update(Count, count, {"state": "done", "done_at": dt.datetime.now(dt.UTC)},
                                     version=row["version"])
        return {**saved, "adjustments": made}


async def _quantity(product: int, location: int, lot: int | None) -> Decimal:
    row = await Quant.select(Quant.quantity).where(
        (Quant.product == product) & (Quant.location == location) & (Quant.lot_key == (lot or 0))).first().run()
    return Decimal(row["quantity"]) if row else ZERO


async def _costs(products: set[int]) -> dict[int, Decimal]:
    """Adjustments are valued at the product's cost, so the average cost does not move."""
    if not products:
        return {}
    rows = await Product.select(Product.id, Product.cost).where(Product.id.is_in(list(products))).run()
    return {r["id"]: Decimal(r["cost"] or 0) for r in rows}


def is_due(last_counted: dt.date | None, interval_days: int, today: dt.date) -> bool:
    return interval_days > 0 and (last_counted is None or last_counted + dt.timedelta(days=interval_days) <= today)


async def open_due(today: dt.date | None = None) -> list[int]:
    """Open a cycle count for every due location that has no open count; returns the new count ids."""
    today = today or dt.date.today()
    places = await Location.select(Location.id, Location.last_counted, Location.count_interval_days).where(
        (Location.count_interval_days > 0) & (Location.active == True)  # noqa: E712
        & Location.kind.is_in(list(COUNTED_KINDS))).order_by(Location.id).run()
    opened = []
    for place in places:
        if not is_due(place["last_counted"], place["count_interval_days"], today):
            continue
        async with transaction():
            busy = await Count.exists().where((Count.location == place["id"]) & Count.state.is_in(list(OPEN))).run()
            # Two runs at once (a retry beside the schedule) open it once.
            if busy or not await idempotency.claim(f"warehouse.cycle_count:{place['id']}:{today.isoformat()}"):
                continue
            opened.append(int((await open(place["id"], planned_on=today, origin="cycle"))["id"]))
    return opened
