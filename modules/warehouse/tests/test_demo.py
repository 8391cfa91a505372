"""The warehouse demo (Koffiepunt's stock): it adds up, tells a believable story, and loads once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from piccolo.table import Table

from core.db.data import DataRecord, ref
from core.demo import load_demo as load_core_demo
from modules.warehouse.demo import load_demo
from modules.warehouse.models.count import Count, CountLine
from modules.warehouse.models.location import STOCKED_KINDS, Location
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.purchase import PurchaseLine, PurchaseOrder, SupplierPrice
from modules.warehouse.models.quant import Quant
from modules.warehouse.models.reorder_rule import ReorderRule
from modules.warehouse.models.rma import Return, ReturnLine, VendorClaim
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import forecast

pytestmark = pytest.mark.usefixtures("warehouse_db")

TABLES = (Warehouse, Location, Lot, Quant, Transfer, Move, SupplierPrice, ReorderRule, PurchaseOrder, PurchaseLine,
          Return, ReturnLine, VendorClaim, Count, CountLine, DataRecord)


async def _rows(table: type[Table]) -> int:
    return len(await table.select(table._meta.primary_key).run())  # CountLine has a `count` column


async def _load() -> None:
    await load_core_demo()
    await load_demo()


async def _quants_equal_their_done_moves() -> None:
    stocked = {r["id"] for r in await Location.select(Location.id).where(Location.kind.is_in(list(STOCKED_KINDS))).run()}
    expected: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
    reserved: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
    for m in await Move.select().where(Move.state.is_in(["done", "reserved"])).run():
        qty, lot = Decimal(m["quantity"]), m["lot"] or 0
        if m["state"] == "reserved":
            if m["source"] in stocked:
                reserved[(m["product"], m["source"], lot)] += qty
            continue
        if m["destination"] in stocked:
            expected[(m["product"], m["destination"], lot)] += qty
        if m["source"] in stocked:
            expected[(m["product"], m["source"], lot)] -= qty
    quants = {(q["product"], q["location"], q["lot_key"]): q for q in await Quant.select().run()}
    for place, qty in expected.items():
        assert Decimal(quants[place]["quantity"]) == qty, place
    for place, q in quants.items():
        assert Decimal(q["quantity"]) == expected.get(place, 0), place
        assert 0 <= Decimal(q["reserved"]) <= Decimal(q["quantity"]), place
        assert Decimal(q["reserved"]) == reserved.get(place, 0), place


async def test_demo_stock_adds_up_and_loading_twice_adds_nothing() -> None:
    await _load()
    counts = [await _rows(t) for t in TABLES]
    await _quants_equal_their_done_moves()

    await _load()
    assert [await _rows(t) for t in TABLES] == counts
    await _quants_equal_their_done_moves()


async def test_demo_tells_a_believable_story_up_to_today() -> None:
    await _load()
    assert await Warehouse.count().run() == 2
    vans = await Location.select(Location.user).where(Location.kind == "van").run()
    assert len(vans) == 3 and all(v["user"] for v in vans)

    # Price breaks: a gasket gets cheaper by the bag.
    gasket = await ref("core", "product.sp_ghg_85")
    wholesaler = await ref("core", "partner.horeca_onderdelen")
    tiers = await SupplierPrice.select(SupplierPrice.min_qty, SupplierPrice.price).where(
        (SupplierPrice.product == gasket) & (SupplierPrice.supplier == wholesaler)).order_by(SupplierPrice.min_qty).run()
    assert [int(t["min_qty"]) for t in tiers] == [1, 10, 50]
    assert tiers[0]["price"] > tiers[1]["price"] > tiers[2]["price"]

    # Months of history, parts used on work orders, serial numbers where their quant is.
    moves = await Move.select(Move.done_at, Move.origin).where(Move.state == "done").run()
    oldest = min(m["done_at"] for m in moves)
    assert dt.datetime.now(dt.UTC) - oldest > dt.timedelta(days=80)
    assert sum(m["origin"].startswith("WO/") for m in moves) > 50
    serials = await Lot.select(Lot.id, Lot.location).where(Lot.location.is_not_null()).run()
    assert len(serials) > 20
    for s in serials:
        here = await Quant.select(Quant.location, Quant.quantity).where(Quant.lot_key == s["id"]).run()
        assert [q["location"] for q in here if q["quantity"] > 0] in ([s["location"]], [])

    # Where it ends: some parts below their minimum, two out of stock, and work prepared for today.
    low, out = [], []
    for rule in await ReorderRule.select().run():
        position = await forecast.position(rule["product"], rule["location"])
        if position.on_hand == 0:
            out.append(rule)
        elif position.forecast < rule["min_qty"]:
            low.append(rule)
    shelf_a = await ref("warehouse", "location.db_shelf_a")
    assert len([r for r in out if r["location"] == shelf_a]) >= 2
    assert len(low) >= 3
    assert await Transfer.exists().where((Transfer.kind == "receipt") & (Transfer.state == "draft")
                                         & Transfer.backorder_of.is_not_null()).run()
    assert await Move.exists().where((Move.state == "reserved") & Move.origin.like("WO/%")).run()
    # The present: purchase orders in every state, a return
    # whose repair and vendor claim are overdue, a van counted yesterday.
    states = {r["state"] for r in await PurchaseOrder.select(PurchaseOrder.state).run()}
    assert states == {"draft", "sent", "confirmed", "partial", "received", "cancelled"}
    assert await Transfer.exists().where((Transfer.kind == "repair_out") & (Transfer.overdue == "yes")
                                         & Transfer.loaner.is_not_null()).run()
    assert await VendorClaim.exists().where((VendorClaim.state == "submitted") & (VendorClaim.overdue == "yes")).run()
    assert {r["state"] for r in await Return.select(Return.state).run()} == {"done"}
    assert {r["state"] for r in await Count.select(Count.state).run()} == {"done", "draft"}
    assert await Transfer.exists().where(Transfer.kind == "adjustment").run()
