"""Inventory counts: the sheet expects what the quants say, applying makes the quants equal
what was counted through adjustment transfers, and the cycle-count job opens each due
location's count once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.db import records
from modules.warehouse import jobs_returns
from modules.warehouse.models.count import Count, CountLine
from modules.warehouse.models.location import Location
from modules.warehouse.models.move import Move
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import count, stock
from modules.warehouse.services import location as locations
from modules.warehouse.services.errors import InvalidTransition, NotAllowed, SerialElsewhere
from modules.warehouse.tests.conftest import product, shelf
from modules.warehouse.tests.test_rma import lot_id, where_is
from modules.warehouse.tests.test_stock import on_hand, receive

pytestmark = pytest.mark.usefixtures("warehouse_db")
TODAY = dt.date.today()


async def sheet(count_id: int) -> dict[tuple[str, str | None], dict]:
    return {(r["product_code"], r["lot_name"]): r for r in await count.lines(count_id)}


async def test_a_count_sheet_expects_what_is_on_hand_per_product_and_serial() -> None:
    gasket, grinder, loc = await product("GSK-58"), await product("GRD-E65", tracking="serial"), await shelf()
    await receive(gasket, loc, 12)
    await receive(grinder, loc, 2, serials=["SN-1", "SN-2"])
    opened = await count.open(loc)
    assert opened["number"].startswith("CNT/") and opened["state"] == "draft"
    lines = await sheet(opened["id"])
    assert set(lines) == {("GSK-58", None), ("GRD-E65", "SN-1"), ("GRD-E65", "SN-2")}
    assert lines[("GSK-58", None)]["expected"] == 12 and lines[("GRD-E65", "SN-1")]["expected"] == 1
    assert all(r["counted"] is None for r in lines.values())


async def test_applying_makes_the_quants_equal_to_what_was_counted() -> None:
    gasket, filters, grinder = await product("GSK-58"), await product("FLT-01"), await product(
        "GRD-E65", tracking="serial")
    loc = await shelf()
    await receive(gasket, loc, 12)
    await receive(filters, loc, 4)
    await receive(grinder, loc, 2, serials=["SN-1", "SN-2"])
    opened = await count.open(loc)
    await count.start(opened["id"])
    lines = await sheet(opened["id"])
    await count.record(lines[("GSK-58", None)]["id"], Decimal(10))  # two missing
    await count.record(lines[("GRD-E65", "SN-2")]["id"], Decimal(0))  # not on the shelf
    await count.record(lines[("GRD-E65", "SN-1")]["id"], Decimal(1))
    # FLT-01 left blank: not counted, not adjusted.
    await count.add_line(opened["id"], await product("PMP-ULKA"), Decimal(3))  # found, not expected
    done = await count.apply(opened["id"])
    assert done["state"] == "done" and done["done_at"] is not None and len(done["adjustments"]) == 2
    assert await on_hand(gasket, loc) == 10 and await on_hand(filters, loc) == 4 and await on_hand(grinder, loc) == 1
    assert await on_hand(await product_id("PMP-ULKA"), loc) == 3
    inventory = await locations.virtual("inventory")
    assert await where_is("SN-2") == inventory and await where_is("SN-1") == loc
    adjustments = await Transfer.select().where(Transfer.origin == opened["number"]).order_by(Transfer.id).run()
    assert {(t["kind"], t["source"], t["destination"], t["state"]) for t in adjustments} == {
        ("adjustment", loc, inventory, "done"), ("adjustment", inventory, loc, "done")}
    moved = await Move.select(Move.product, Move.quantity, Move.source).where(
        Move.transfer.is_in([t["id"] for t in adjustments])).run()
    assert sorted((m["quantity"], m["source"] == loc) for m in moved) == [(1, True), (2, True), (3, False)]
    assert (await Location.select(Location.last_counted).where(Location.id == loc).first().run())[
        "last_counted"] == TODAY


async def product_id(code: str) -> int:
    from core.products.models import Product

    return int((await Product.select(Product.id).where(Product.code == code).first().run())["id"])


async def test_the_difference_is_taken_against_the_stock_at_apply_time() -> None:
    gasket, loc = await product("GSK-58"), await shelf()
    await receive(gasket, loc, 12)
    opened = await count.open(loc)
    line = (await count.lines(opened["id"]))[0]
    await count.record(line["id"], Decimal(9))
    await stock.consume("wo:5", gasket, Decimal(2), location=loc)  # used while the count was going on
    await count.apply(opened["id"])
    assert await on_hand(gasket, loc) == 9


async def test_starting_refreshes_the_expected_quantities() -> None:
    gasket, loc = await product("GSK-58"), await shelf()
    await receive(gasket, loc, 5)
    opened = await count.open(loc)
    await receive(gasket, loc, 3)
    await receive(await product("FLT-01"), loc, 2)
    counting = await count.start(opened["id"])
    assert counting["state"] == "counting"
    lines = await sheet(opened["id"])
    assert lines[("GSK-58", None)]["expected"] == 8 and lines[("FLT-01", None)]["expected"] == 2
    with pytest.raises(InvalidTransition):
        await count.start(opened["id"])


async def test_counts_are_checked_and_a_done_count_is_closed() -> None:
    grinder, loc = await product("GRD-E65", tracking="serial"), await shelf()
    await receive(grinder, loc, 1, serials=["SN-1"])
    opened = await count.open(loc)
    line = (await count.lines(opened["id"]))[0]
    with pytest.raises(NotAllowed, match="there \\(1\\) or not"):
        await count.record(line["id"], Decimal(2))
    with pytest.raises(NotAllowed, match="negative"):
        await count.record(line["id"], Decimal(-1))
    with pytest.raises(NotAllowed, match="at least one counted"):
        await count.apply(opened["id"])
    await count.record(line["id"], Decimal(1))
    assert (await count.get(opened["id"]))["state"] == "counting"  # entering a count starts counting
    await count.apply(opened["id"])
    assert not await Transfer.exists().where(Transfer.origin == opened["number"]).run()  # nothing differed
    with pytest.raises(InvalidTransition):
        await count.record(line["id"], Decimal(0))
    with pytest.raises(InvalidTransition):
        await count.cancel(opened["id"])


async def test_a_found_serial_recorded_elsewhere_cannot_be_counted_in_here() -> None:
    grinder, main, other = await product("GRD-E65", tracking="serial"), await shelf("A"), await shelf("B")
    await receive(grinder, main, 1, serials=["SN-1"])
    opened = await count.open(other)
    await count.add_line(opened["id"], grinder, Decimal(1), lot_name="SN-1")
    with pytest.raises(SerialElsewhere):
        await count.apply(opened["id"])
    assert await where_is("SN-1") == main and (await count.get(opened["id"]))["state"] == "counting"
    assert await lot_id("SN-1")


async def test_only_shelves_and_vans_are_counted() -> None:
    with pytest.raises(NotAllowed):
        await count.open(await locations.virtual("customer"))


async def set_cycle(location: int, days: int, last: dt.date | None) -> None:
    row = await Location.select(Location.version).where(Location.id == location).first().run()
    await records.update(Location, location, {"count_interval_days": days, "last_counted": last},
                         version=row["version"])


async def test_the_cycle_count_job_opens_each_due_location_once() -> None:
    due = await shelf("Due")
    due_today = await shelf("Due today")
    never = await shelf("Never counted")
    not_yet = await shelf("Not yet")
    no_cycle = await shelf("No cycle")
    busy = await shelf("Already open")
    await receive(await product("GSK-58"), due, 4)
    await set_cycle(due, 30, TODAY - dt.timedelta(days=45))
    await set_cycle(due_today, 30, TODAY - dt.timedelta(days=30))
    await set_cycle(never, 90, None)
    await set_cycle(not_yet, 30, TODAY - dt.timedelta(days=29))
    await set_cycle(no_cycle, 0, None)
    await set_cycle(busy, 7, TODAY - dt.timedelta(days=10))
    open_already = await count.open(busy)

    assert await jobs_returns.open_due_counts() == 3
    opened = await Count.select().where(Count.origin == "cycle").run()
    assert {c["location"] for c in opened} == {due, due_today, never}
    assert all(c["state"] == "draft" and c["planned_on"] == TODAY for c in opened)
    due_count = next(c for c in opened if c["location"] == due)
    assert len(await CountLine.select(CountLine.id).where(CountLine.count == due_count["id"]).run()) == 1
    assert await Count.count().where(Count.location == busy).run() == 1 and open_already["origin"] == ""

    assert await jobs_returns.open_due_counts() == 0  # a second run the same day
    assert await Count.count().where(Count.origin == "cycle").run() == 3


async def test_a_location_counted_today_is_not_due_again_until_its_interval_has_passed() -> None:
    loc = await shelf()
    await receive(await product("GSK-58"), loc, 4)
    await set_cycle(loc, 7, None)
    [first] = await count.open_due()
    await count.record((await count.lines(first))[0]["id"], Decimal(4))
    await count.apply(first)
    assert await count.open_due() == []
    assert len(await count.open_due(TODAY + dt.timedelta(days=7))) == 1


def test_due_means_last_count_plus_interval_is_today_or_earlier() -> None:
    today = dt.date(2026, 6, 30)
    assert count.is_due(None, 30, today)
    assert count.is_due(dt.date(2026, 5, 31), 30, today)
    assert not count.is_due(dt.date(2026, 6, 1), 30, today)
    assert not count.is_due(None, 0, today)
