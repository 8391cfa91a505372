"""The stock service API: reserve, release, consume, give back; serials in one place;
the database refusing negative stock; concurrent takers never overdraw."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from core.db.engine import transaction
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.quant import Quant
from modules.warehouse.services import location as locations
from modules.warehouse.services import quant, stock
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.errors import InsufficientStock, SerialElsewhere
from modules.warehouse.services.transfer import Line
from modules.warehouse.tests.conftest import product, shelf

pytestmark = pytest.mark.usefixtures("warehouse_db")


async def receive(product_id: int, location: int, qty: int | str, *, cost: str = "10",
                  serials: list[str] | None = None) -> dict:
    suppliers = await locations.virtual("supplier")
    t = await transfers.create("receipt", suppliers, location, [Line(product_id, Decimal(qty), unit_cost=Decimal(cost))])
    moves = await transfers.lines(t["id"])
    return await transfers.validate(t["id"], serials={moves[0]["id"]: serials} if serials else None)


async def on_hand(product_id: int, location: int) -> Decimal:
    rows = await Quant.select(Quant.quantity).where((Quant.product == product_id) & (Quant.location == location)).run()
    return sum((Decimal(r["quantity"]) for r in rows), Decimal(0))


async def test_receiving_puts_stock_on_hand_and_sets_the_average_cost() -> None:
    p, loc = await product(cost="0"), await shelf()
    await receive(p, loc, 10, cost="4")
    await receive(p, loc, 30, cost="8")
    assert await on_hand(p, loc) == 40
    from core.products.models import Product

    cost = (await Product.select(Product.cost).where(Product.id == p).first().run())["cost"]
    assert Decimal(cost) == Decimal("7.0000")  # (10*4 + 30*8) / 40


async def test_consuming_more_than_available_is_refused_with_the_numbers() -> None:
    p, loc = await product("FLT-01"), await shelf()
    await receive(p, loc, 2)
    with pytest.raises(InsufficientStock) as err:
        await stock.consume("wo:1", p, Decimal(3), location=loc)
    assert (err.value.product_id, err.value.location_id) == (p, loc)
    assert (err.value.wanted, err.value.available) == (3, 2)
    assert "FLT-01" in str(err.value) and "DB/Stock" in str(err.value)
    assert await on_hand(p, loc) == 2


async def test_reserve_then_consume_then_release_the_rest() -> None:
    p, loc = await product(), await shelf()
    await receive(p, loc, 10)
    await stock.reserve("wo:7", p, loc, Decimal(4))
    assert await stock.available(p, loc) == 6
    with pytest.raises(InsufficientStock):
        await stock.reserve("wo:8", p, loc, Decimal(7))
    await stock.consume("wo:7", p, Decimal(3))
    assert await on_hand(p, loc) == 7 and await stock.available(p, loc) == 6
    assert await stock.release("wo:7") == 1
    assert await stock.available(p, loc) == 7


async def test_give_back_returns_an_unused_part() -> None:
    p, loc = await product(), await shelf()
    await receive(p, loc, 5)
    await stock.consume("wo:3", p, Decimal(2), location=loc)
    await stock.give_back("wo:3", p, Decimal(1), loc)
    assert await on_hand(p, loc) == 4


async def test_the_database_refuses_negative_stock_even_without_the_service() -> None:
    p, loc = await product(), await shelf()
    await receive(p, loc, 1)
    with pytest.raises(Exception, match="(?i)constraint|check"):
        async with transaction():
            await Quant.update({Quant.quantity: Decimal(-1)}).where(Quant.product == p).run()
    with pytest.raises(Exception, match="(?i)constraint|check"):
        async with transaction():
            await Quant.update({Quant.reserved: Decimal(2)}).where(Quant.product == p).run()
    assert await on_hand(p, loc) == 1


async def test_fifty_concurrent_consumers_never_overdraw() -> None:
    p, loc = await product(), await shelf()
    await receive(p, loc, 100)

    async def take(i: int) -> bool:
        try:
            await stock.consume(f"wo:{i}", p, Decimal(3), location=loc)
            return True
        except InsufficientStock:
            return False

    results = await asyncio.gather(*(take(i) for i in range(50)))
    assert results.count(True) == 33
    assert await on_hand(p, loc) == 1
    done = await Move.select(Move.quantity).where((Move.product == p) & (Move.state == "done")
                                                   & (Move.source == loc)).run()
    assert sum(Decimal(m["quantity"]) for m in done) == 99


async def test_each_serial_is_reserved_at_most_once_under_concurrency() -> None:
    p, loc = await product("ESP-2G", tracking="serial"), await shelf()
    await receive(p, loc, 10, serials=[f"LC2-{i:04d}" for i in range(10)])
    lots = [r["id"] for r in await Lot.select(Lot.id).where(Lot.product == p).run()]
    assert len(lots) == 10

    async def grab(i: int) -> int | None:
        lot = lots[i % 10]
        try:
            await stock.reserve(f"wo:{i}", p, loc, Decimal(1), lot=lot)
            return lot
        except InsufficientStock:
            return None

    got = [lot for lot in await asyncio.gather(*(grab(i) for i in range(20))) if lot is not None]
    assert sorted(got) == sorted(lots)  # each of the 10 serials once, the 10 repeats refused
    reserved = await Quant.select(Quant.reserved).where(Quant.product == p).run()
    assert all(Decimal(r["reserved"]) <= 1 for r in reserved)


async def test_a_serial_is_in_one_place_only() -> None:
    p, a, b = await product("ESP-1G", tracking="serial"), await shelf("A"), await shelf("B")
    await receive(p, a, 1, serials=["LC1-0001"])
    lot = (await Lot.select(Lot.id, Lot.location).where(Lot.name == "LC1-0001").first().run())
    assert lot["location"] == a
    # Receiving the same serial again while it is on the shelf is refused.
    with pytest.raises(SerialElsewhere):
        await receive(p, b, 1, serials=["LC1-0001"])
    assert await on_hand(p, b) == 0
    t = await transfers.create("internal", a, b, [Line(p, Decimal(1), lot=lot["id"])])
    await transfers.validate(t["id"])
    assert (await Lot.select(Lot.location).where(Lot.id == lot["id"]).first().run())["location"] == b
    assert await on_hand(p, a) == 0 and await on_hand(p, b) == 1


async def test_partial_validation_creates_a_backorder() -> None:
    p, loc = await product(), await shelf()
    suppliers = await locations.virtual("supplier")
    t = await transfers.create("receipt", suppliers, loc, [Line(p, Decimal(10), unit_cost=Decimal(3))])
    m = (await transfers.lines(t["id"]))[0]
    result = await transfers.validate(t["id"], done={m["id"]: Decimal(4)})
    assert result["state"] == "done" and result["backorder"]
    back = await transfers.get(result["backorder"])
    assert back["backorder_of"] == t["id"] and back["state"] == "draft"
    assert [Decimal(x["quantity"]) for x in await transfers.lines(back["id"])] == [6]
    assert await on_hand(p, loc) == 4
    await transfers.validate(back["id"])
    assert await on_hand(p, loc) == 10


async def test_a_done_move_cannot_be_redone_or_cancelled() -> None:
    from modules.warehouse.services import move as moves
    from modules.warehouse.services.errors import InvalidTransition

    p, loc = await product(), await shelf()
    result = await receive(p, loc, 3)
    m = (await transfers.lines(result["id"]))[0]
    with pytest.raises(InvalidTransition):
        await moves.done(m["id"])
    with pytest.raises(InvalidTransition):
        await moves.cancel(m["id"])
    assert await quant.available(p, loc) == 3


async def test_forecast_counts_available_incoming_and_planned_outgoing() -> None:
    from modules.warehouse.services import forecast

    p, loc, van = await product(), await shelf(), await shelf("Van")
    await receive(p, loc, 10)
    await stock.reserve("wo:1", p, loc, Decimal(2))  # reserved: available 8
    await transfers.create("internal", loc, van, [Line(p, Decimal(3))])  # planned outgoing 3
    await transfers.create("receipt", await locations.virtual("supplier"), loc, [Line(p, Decimal(5))])  # incoming 5
    pos = await forecast.position(p, loc)
    assert (pos.on_hand, pos.reserved, pos.available, pos.incoming, pos.outgoing) == (10, 2, 8, 5, 3)
    assert pos.forecast == 10
    assert (await forecast.position(p, van)).forecast == 3
