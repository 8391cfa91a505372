"""Customer returns: receiving brings the goods (and serials) back, each line's outcome
changes stock through transfers, exactly once, and the return's state follows."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from core.db import records
from core.db.records import StaleRecordError
from core.partners.models import Partner
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.rma import Return, ReturnLine, VendorClaim
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import location as locations
from modules.warehouse.services import rma, stock
from modules.warehouse.services.errors import InvalidTransition, NotAllowed, SerialElsewhere
from modules.warehouse.tests.conftest import product, shelf, supplier
from modules.warehouse.tests.test_stock import on_hand, receive

pytestmark = pytest.mark.usefixtures("warehouse_db")


async def customer(name: str = "Café De Kroon") -> int:
    return int((await records.create(Partner, {"name": name, "is_customer": True}))["id"])


async def lot_id(name: str) -> int:
    return int((await Lot.select(Lot.id).where(Lot.name == name).first().run())["id"])


async def where_is(serial: str) -> int | None:
    return (await Lot.select(Lot.location).where(Lot.name == serial).first().run())["location"]


async def sold(product_id: int, shelf_id: int, serials: list[str]) -> None:
    """Receive these serials and deliver them to a customer, as a past sale."""
    await receive(product_id, shelf_id, len(serials), serials=serials)
    for name in serials:
        await stock.consume("sale", product_id, Decimal(1), location=shelf_id, lot=await lot_id(name))


async def received_return(product_id: int, shelf_id: int, *, serial: str = "", qty: int = 1,
                          reason: str = "Leaks at the group head") -> tuple[dict, dict]:
    ret = await rma.create(await customer(), origin="OUT/2026/00007")
    line = await rma.add_line(ret["id"], product_id, Decimal(qty), serial=serial, reason=reason)
    await rma.receive(ret["id"], shelf_id)
    return ret, line


async def test_receiving_brings_a_sold_serial_back_to_the_chosen_shelf() -> None:
    grinder, main, returns_shelf = await product("GRD-E65", tracking="serial"), await shelf("Stock"), await shelf(
        "Returns")
    await sold(grinder, main, ["SN-100"])
    assert await where_is("SN-100") == await locations.virtual("customer")
    ret, _line = await received_return(grinder, returns_shelf, serial="SN-100")
    saved = await rma.get(ret["id"])
    assert saved["state"] == "received" and saved["received_on"] == dt.date.today()
    assert saved["number"].startswith("RMA/")
    assert await where_is("SN-100") == returns_shelf
    assert await on_hand(grinder, returns_shelf) == 1 and await on_hand(grinder, main) == 0
    receipt = await rma.receipt(ret["id"])
    assert (receipt["kind"], receipt["state"], receipt["partner"]) == ("customer_return", "done", ret["partner"])


async def test_a_serial_that_is_still_on_our_shelf_cannot_come_back_from_a_customer() -> None:
    grinder, main = await product("GRD-E65", tracking="serial"), await shelf("Stock")
    await receive(grinder, main, 1, serials=["SN-200"])
    ret = await rma.create(await customer())
    await rma.add_line(ret["id"], grinder, Decimal(1), serial="SN-200")
    with pytest.raises(SerialElsewhere):
        await rma.receive(ret["id"], await shelf("Returns"))
    assert (await rma.get(ret["id"]))["state"] == "draft"
    assert await where_is("SN-200") == main and await on_hand(grinder, main) == 1
    assert not await Transfer.exists().where(Transfer.kind == "customer_return").run()


async def test_a_serial_line_needs_its_serial_and_one_unit() -> None:
    grinder = await product("GRD-E65", tracking="serial")
    ret = await rma.create(await customer())
    with pytest.raises(NotAllowed, match="serial number"):
        await rma.add_line(ret["id"], grinder, Decimal(1))
    with pytest.raises(NotAllowed, match="one unit at a time"):
        await rma.add_line(ret["id"], grinder, Decimal(2), serial="SN-1")
    await rma.add_line(ret["id"], grinder, Decimal(1), serial="SN-1")
    with pytest.raises(NotAllowed, match="twice"):
        await rma.add_line(ret["id"], grinder, Decimal(1), serial="SN-1")


async def test_refund_keeps_the_goods_in_stock_and_finishes_the_return() -> None:
    gasket, returns_shelf = await product("GSK-58"), await shelf("Returns")
    ret, line = await received_return(gasket, returns_shelf, qty=3)
    done = await rma.carry_out(line["id"], "refund")
    assert done["already"] is False and done["transfer"] is None
    assert await on_hand(gasket, returns_shelf) == 3
    saved = await ReturnLine.select().where(ReturnLine.id == line["id"]).first().run()
    assert (saved["outcome"], saved["done"]) == ("refund", "yes")
    assert (await rma.get(ret["id"]))["state"] == "done"


async def test_replace_delivers_another_serial_and_keeps_the_returned_one() -> None:
    grinder, main, returns_shelf = await product("GRD-E65", tracking="serial"), await shelf("Stock"), await shelf(
        "Returns")
    await sold(grinder, main, ["SN-OLD"])
    await receive(grinder, main, 1, serials=["SN-NEW"])
    ret, line = await received_return(grinder, returns_shelf, serial="SN-OLD")
    with pytest.raises(NotAllowed, match="cannot replace itself"):
        await rma.carry_out(line["id"], "replace", rma.Details(serial="SN-OLD"))
    with pytest.raises(NotAllowed, match="replacement unit"):
        await rma.carry_out(line["id"], "replace", rma.Details(serial="SN-NOWHERE"))
    done = await rma.carry_out(line["id"], "replace", rma.Details(serial="SN-NEW"))
    delivery = await Transfer.select().where(Transfer.id == done["transfer"]).first().run()
    assert (delivery["kind"], delivery["partner"], delivery["origin"]) == ("delivery", ret["partner"], ret["number"])
    assert await where_is("SN-NEW") == await locations.virtual("customer")
    assert await where_is("SN-OLD") == returns_shelf
    assert await on_hand(grinder, main) == 0 and await on_hand(grinder, returns_shelf) == 1


async def test_replace_of_an_untracked_part_ships_from_the_shelf_it_came_back_to() -> None:
    filters, returns_shelf = await product("FLT-01"), await shelf("Returns")
    await receive(filters, returns_shelf, 5)
    _ret, line = await received_return(filters, returns_shelf, qty=2)
    assert await on_hand(filters, returns_shelf) == 7
    await rma.carry_out(line["id"], "replace")
    assert await on_hand(filters, returns_shelf) == 5


async def test_scrap_moves_the_returned_unit_to_the_scrap_location() -> None:
    grinder, main, returns_shelf = await product("GRD-E65", tracking="serial"), await shelf("Stock"), await shelf(
        "Returns")
    await sold(grinder, main, ["SN-300"])
    ret, line = await received_return(grinder, returns_shelf, serial="SN-300")
    done = await rma.carry_out(line["id"], "scrap")
    scrap = await Transfer.select().where(Transfer.id == done["transfer"]).first().run()
    assert (scrap["kind"], scrap["origin"]) == ("scrap", ret["number"])
    assert await where_is("SN-300") == await locations.virtual("scrap")
    assert await on_hand(grinder, returns_shelf) == 0


async def test_return_to_vendor_drafts_a_claim_and_ships_the_unit_to_the_supplier() -> None:
    pump, returns_shelf, lombarda = await product("PMP-ULKA", cost="38.50"), await shelf("Returns"), await supplier()
    ret, line = await received_return(pump, returns_shelf, qty=2)
    done = await rma.carry_out(line["id"], "return_to_vendor", rma.Details(
        supplier=lombarda, claim_number="LP-4471", credit_expected=Decimal("77.00")))
    claim = await VendorClaim.select().where(VendorClaim.id == done["claim"]).first().run()
    assert claim["number"].startswith("VC/") and claim["state"] == "draft"
    assert (claim["supplier"], claim["return_line"], claim["product"]) == (lombarda, line["id"], pump)
    assert (claim["quantity"], claim["claim_number"], claim["credit_expected"]) == (2, "LP-4471", Decimal("77.00"))
    shipped = await Transfer.select().where(Transfer.id == done["transfer"]).first().run()
    assert (shipped["kind"], shipped["partner"]) == ("delivery", lombarda)
    assert shipped["destination"] == await locations.virtual("supplier")
    assert await on_hand(pump, returns_shelf) == 0
    assert (await rma.get(ret["id"]))["state"] == "done"


async def test_return_to_vendor_needs_a_supplier() -> None:
    pump, returns_shelf = await product("PMP-ULKA"), await shelf("Returns")
    _ret, line = await received_return(pump, returns_shelf)
    with pytest.raises(NotAllowed, match="supplier"):
        await rma.carry_out(line["id"], "return_to_vendor")
    row = await ReturnLine.select().where(ReturnLine.id == line["id"]).first().run()
    assert row["done"] == "" and not await VendorClaim.exists().run()


async def test_a_line_is_carried_out_once_and_a_second_request_changes_nothing() -> None:
    gasket, returns_shelf = await product("GSK-58"), await shelf("Returns")
    ret = await rma.create(await customer())
    first = await rma.add_line(ret["id"], gasket, Decimal(2))
    await rma.add_line(ret["id"], gasket, Decimal(1), reason="Wrong size")
    await rma.receive(ret["id"], returns_shelf)
    await rma.carry_out(first["id"], "scrap")
    transfers_before = await Transfer.count().run()
    again = await rma.carry_out(first["id"], "scrap")
    other = await rma.carry_out(first["id"], "refund")
    assert again["already"] and other["already"]
    assert await Transfer.count().run() == transfers_before
    assert await on_hand(gasket, returns_shelf) == 1
    assert (await ReturnLine.select(ReturnLine.outcome).where(ReturnLine.id == first["id"]).first().run())[
        "outcome"] == "scrap"
    assert (await rma.get(ret["id"]))["state"] == "received"  # one line still open


async def test_outcomes_wait_for_the_goods_and_lines_are_fixed_once_received() -> None:
    gasket, returns_shelf = await product("GSK-58"), await shelf("Returns")
    ret = await rma.create(await customer())
    line = await rma.add_line(ret["id"], gasket, Decimal(1))
    with pytest.raises(InvalidTransition, match="Receive the return"):
        await rma.carry_out(line["id"], "refund")
    await rma.receive(ret["id"], returns_shelf)
    with pytest.raises(InvalidTransition):
        await rma.add_line(ret["id"], gasket, Decimal(1))
    with pytest.raises(InvalidTransition):
        await rma.cancel(ret["id"])
    with pytest.raises(InvalidTransition):
        await rma.receive(ret["id"], returns_shelf)


async def test_a_draft_return_can_be_cancelled_and_an_empty_one_not_received() -> None:
    ret = await rma.create(await customer())
    with pytest.raises(NotAllowed, match="Add the returned products"):
        await rma.receive(ret["id"], await shelf("Returns"))
    await rma.cancel(ret["id"])
    assert (await Return.select(Return.state).where(Return.id == ret["id"]).first().run())["state"] == "cancelled"


async def test_two_requests_at_once_for_one_line_move_the_stock_once() -> None:
    gasket, returns_shelf = await product("GSK-58"), await shelf("Returns")
    _ret, line = await received_return(gasket, returns_shelf, qty=2)
    results = await asyncio.gather(*(rma.carry_out(line["id"], "scrap") for _ in range(2)), return_exceptions=True)
    done = [r for r in results if isinstance(r, dict) and not r["already"]]
    assert len(done) == 1, results
    assert all(isinstance(r, dict | StaleRecordError) for r in results), results
    assert await Transfer.count().where(Transfer.kind == "scrap").run() == 1
    assert await on_hand(gasket, returns_shelf) == 0
