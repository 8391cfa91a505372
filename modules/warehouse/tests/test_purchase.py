"""Supplier price tiers and purchase orders: the state machine, the receipt a confirmation
creates, receiving (partial, serials, lots, average cost) and mailing the order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from core.db import records
from core.jobs import broker
from core.mail.models import MailAttachment, MailMessage
from core.modules.discovery import Catalog
from core.partners.models import Partner
from core.products.models import Product
from modules.warehouse import jobs
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.purchase import PurchaseLine, SupplierPrice
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import forecast, supplier_price
from modules.warehouse.services import purchase as purchases
from modules.warehouse.services.errors import InvalidTransition, NotAllowed, SerialElsewhere
from modules.warehouse.tests.conftest import product, shelf, supplier
from modules.warehouse.tests.test_stock import on_hand, receive

pytestmark = pytest.mark.usefixtures("warehouse_db")
TODAY = dt.date.today()


@pytest.fixture
def job_system(warehouse_db: str, settings_for, catalog: Catalog) -> Iterator[broker.JobSystem]:
    """Jobs enqueued by the code under test land in this test's database (nothing runs them)."""
    system = broker.configure(settings_for(warehouse_db), catalog)
    yield system
    broker.reset()


async def price(product_id: int, supplier_id: int, min_qty: str, unit: str, *, code: str = "",
                lead_days: int = 0, valid_from: dt.date | None = None, valid_to: dt.date | None = None) -> None:
    await records.create(SupplierPrice, {
        "product": product_id, "supplier": supplier_id, "min_qty": Decimal(min_qty), "price": Decimal(unit),
        "supplier_code": code, "lead_days": lead_days, "valid_from": valid_from, "valid_to": valid_to})


async def tiered() -> tuple[int, int]:
    """A gasket from Lombarda: € 14 each, € 12.50 from 10, € 11 from 50 (and stale offers)."""
    p, s = await product("GSK-58"), await supplier()
    await price(p, s, "1", "14.00", code="LP-5800", lead_days=5)
    await price(p, s, "10", "12.50", code="LP-5800")
    await price(p, s, "50", "11.00", code="LP-5800")
    await price(p, s, "10", "9.00", valid_to=TODAY - dt.timedelta(days=1))  # expired
    await price(p, s, "10", "8.00", valid_from=TODAY + dt.timedelta(days=30))  # not yet valid
    return p, s


async def order_of(p: int, s: int, qty: str = "6", **kw) -> int:
    loc = kw.pop("destination", None) or await shelf()
    order = await purchases.create(s, loc)
    await purchases.add_line(order["id"], p, Decimal(qty), **kw)
    return int(order["id"])


async def state(order: int) -> str:
    return (await purchases.get(order))["state"]


async def test_best_price_is_the_cheapest_valid_tier_the_quantity_reaches() -> None:
    p, s = await tiered()
    assert (await supplier_price.best_price(p, s, Decimal(6))).price == Decimal("14.00")
    assert (await supplier_price.best_price(p, s, Decimal(10))).price == Decimal("12.50")
    assert (await supplier_price.best_price(p, s, Decimal(60))).price == Decimal("11.00")
    # The future offer counts once it is valid.
    later = TODAY + dt.timedelta(days=31)
    assert (await supplier_price.best_price(p, s, Decimal(10), later)).price == Decimal("8.00")
    assert await supplier_price.best_price(p, await supplier("Other B.V."), Decimal(10)) is None


async def test_the_hint_says_how_many_more_reach_the_next_tier_and_its_price() -> None:
    p, s = await tiered()
    assert await supplier_price.next_tier_hint(p, s, Decimal(6)) == (
        "Order 4 more for the next price tier (€12.50 instead of €14.00).")
    assert await supplier_price.next_tier_hint(p, s, Decimal(10)) == (
        "Order 40 more for the next price tier (€11.00 instead of €12.50).")
    assert await supplier_price.next_tier_hint(p, s, Decimal(50)) is None


async def test_lines_are_priced_from_the_supplier_and_one_product_is_one_line() -> None:
    p, s = await tiered()
    order = await order_of(p, s, "6")
    [line] = await purchases.lines(order)
    assert Decimal(line["unit_price"]) == Decimal("14.00")
    await purchases.add_line(order, p, Decimal(4))  # reaches the 10+ tier: re-priced
    [line] = await purchases.lines(order)
    assert (Decimal(line["quantity"]), Decimal(line["unit_price"])) == (10, Decimal("12.50"))
    await purchases.update_line(line["id"], Decimal(12), Decimal("12.00"), line["version"])  # a negotiated price
    await purchases.add_line(order, p, Decimal(40))
    [line] = await purchases.lines(order)
    assert (Decimal(line["quantity"]), Decimal(line["unit_price"])) == (52, Decimal("12.00"))


async def test_services_cannot_be_bought_on_a_purchase_order() -> None:
    s = await supplier()
    labour = (await records.create(Product, {"code": "SRV-1", "name": "Labour", "kind": "service"}))["id"]
    order = await purchases.create(s, await shelf())
    with pytest.raises(NotAllowed, match="service"):
        await purchases.add_line(order["id"], labour, Decimal(1))


async def test_illegal_state_changes_are_refused_with_a_clear_message() -> None:
    p, s = await tiered()
    order = await order_of(p, s)
    number = (await purchases.get(order))["number"]
    assert number.startswith(f"PO/{TODAY.year}/")
    with pytest.raises(InvalidTransition, match="has nothing|Only a confirmed"):
        await purchases.receive(order)
    await purchases.mark_sent(order)
    with pytest.raises(InvalidTransition) as err:
        await purchases.mark_sent(order)
    assert str(err.value) == f"{number} is sent: it cannot become sent, only confirmed, cancelled."
    await purchases.cancel(order)
    for change in (purchases.confirm, purchases.cancel, purchases.mark_sent):
        with pytest.raises(InvalidTransition, match="can no longer change"):
            await change(order)
    with pytest.raises(NotAllowed, match="no longer a draft"):
        await purchases.add_line(order, p, Decimal(1))


async def test_an_order_without_lines_cannot_be_sent_or_confirmed() -> None:
    order = await purchases.create(await supplier(), await shelf())
    with pytest.raises(NotAllowed, match="no lines"):
        await purchases.confirm(order["id"])


async def test_confirming_creates_the_incoming_receipt_the_forecast_counts() -> None:
    p, s = await tiered()
    loc = await shelf()
    order = await order_of(p, s, "12", destination=loc)
    confirmed = await purchases.confirm(order)
    assert confirmed["state"] == "confirmed"
    assert confirmed["expected_on"] == TODAY + dt.timedelta(days=5)  # the supplier's lead time
    [receipt] = await Transfer.select().where(Transfer.origin == confirmed["number"]).run()
    assert (receipt["kind"], receipt["state"], receipt["partner"], receipt["destination"]) == (
        "receipt", "draft", s, loc)
    [move] = await Move.select().where(Move.transfer == receipt["id"]).run()
    assert (Decimal(move["quantity"]), Decimal(move["unit_cost"])) == (12, Decimal("12.50"))
    position = await forecast.position(p, loc)
    assert (position.on_hand, position.incoming, position.forecast) == (0, 12, 12)


async def test_a_partial_receipt_leaves_a_backorder_and_the_rest_completes_the_order() -> None:
    p, s = await tiered()
    loc = await shelf()
    order = await order_of(p, s, "12", destination=loc)
    await purchases.confirm(order)
    [move] = await purchases.receipt_lines(await purchases.get(order))
    result = await purchases.receive(order, {move["id"]: Decimal(5)})
    assert result["state"] == "partial" and result["backorder"]
    assert await on_hand(p, loc) == 5
    [line] = await purchases.lines(order)
    assert Decimal(line["received"]) == 5
    back = await Transfer.select().where(Transfer.id == result["backorder"]).first().run()
    assert (back["state"], back["origin"]) == ("draft", result["number"])
    assert (await forecast.position(p, loc)).incoming == 7
    [rest] = await purchases.receipt_lines(await purchases.get(order))
    assert Decimal(rest["quantity"]) == 7
    done = await purchases.receive(order)  # the rest
    assert done["state"] == "received" and done["backorder"] is None
    assert await on_hand(p, loc) == 12
    [line] = await purchases.lines(order)
    assert Decimal(line["received"]) == 12
    with pytest.raises(InvalidTransition):
        await purchases.cancel(order)


async def test_receiving_serials_creates_the_units_at_the_destination() -> None:
    p, s, loc = await product("MTR-230", tracking="serial"), await supplier(), await shelf()
    order = await order_of(p, s, "3", unit_price=Decimal("180"), destination=loc)
    await purchases.confirm(order)
    [move] = await purchases.receipt_lines(await purchases.get(order))
    with pytest.raises(NotAllowed, match="Enter 2 serial numbers"):
        await purchases.receive(order, {move["id"]: Decimal(2)}, {move["id"]: "SN-1"})
    result = await purchases.receive(order, {move["id"]: Decimal(2)}, {move["id"]: "SN-1\n SN-2 \n"})
    assert result["state"] == "partial"
    lots = await Lot.select(Lot.name, Lot.location).where(Lot.product == p).order_by(Lot.name).run()
    assert [(r["name"], r["location"]) for r in lots] == [("SN-1", loc), ("SN-2", loc)]
    assert await on_hand(p, loc) == 2
    [rest] = await purchases.receipt_lines(await purchases.get(order))
    with pytest.raises(SerialElsewhere, match="SN-1 is at DB/Stock"):  # a unit is in one place only
        await purchases.receive(order, {rest["id"]: Decimal(1)}, {rest["id"]: ["SN-1"]})
    done = await purchases.receive(order, {rest["id"]: Decimal(1)}, {rest["id"]: ["SN-3"]})
    assert done["state"] == "received"


async def test_a_serial_already_in_stock_cannot_be_received_again() -> None:
    p, s, loc = await product("MTR-230", tracking="serial"), await supplier(), await shelf()
    await receive(p, loc, 1, serials=["SN-9"])
    order = await order_of(p, s, "1", unit_price=Decimal("180"), destination=loc)
    await purchases.confirm(order)
    [move] = await purchases.receipt_lines(await purchases.get(order))
    with pytest.raises(SerialElsewhere, match="SN-9"):
        await purchases.receive(order, {move["id"]: Decimal(1)}, {move["id"]: "SN-9"})
    assert await state(order) == "confirmed"


async def test_receiving_a_lot_tracked_part_asks_for_its_lot() -> None:
    p, s, loc = await product("GRS-1", tracking="lot"), await supplier(), await shelf()
    order = await order_of(p, s, "10", unit_price=Decimal("3"), destination=loc)
    await purchases.confirm(order)
    [move] = await purchases.receipt_lines(await purchases.get(order))
    with pytest.raises(NotAllowed, match="lot number"):
        await purchases.receive(order, {move["id"]: Decimal(4)})
    result = await purchases.receive(order, {move["id"]: Decimal(4)}, lots={move["id"]: "L2026-07"})
    [lot] = await Lot.select().where(Lot.product == p).run()
    assert lot["name"] == "L2026-07" and await on_hand(p, loc) == 4
    [rest] = await purchases.receipt_lines(await purchases.get(order))
    assert rest["lot"] is None and rest["transfer"] == result["backorder"]  # the next delivery has its own lot


async def test_receiving_moves_the_average_cost_to_the_order_price() -> None:
    p, s, loc = await product("FLT-01", cost="0"), await supplier(), await shelf()
    await receive(p, loc, 10, cost="4")
    order = await order_of(p, s, "30", unit_price=Decimal("8"), destination=loc)
    await purchases.confirm(order)
    await purchases.receive(order)
    cost = (await Product.select(Product.cost).where(Product.id == p).first().run())["cost"]
    assert Decimal(cost) == Decimal("7.0000")  # (10 * 4 + 30 * 8) / 40


async def test_cancelling_a_confirmed_order_cancels_its_receipt() -> None:
    p, s = await tiered()
    loc = await shelf()
    order = await order_of(p, s, "5", destination=loc)
    await purchases.confirm(order)
    await purchases.cancel(order)
    [receipt] = await Transfer.select().where(Transfer.origin == (await purchases.get(order))["number"]).run()
    assert receipt["state"] == "cancelled"
    assert (await forecast.position(p, loc)).incoming == 0


async def test_a_receipt_validated_on_the_transfer_page_updates_the_order() -> None:
    from modules.warehouse.services import transfer as transfers

    p, s = await tiered()
    order = await order_of(p, s, "5")
    confirmed = await purchases.confirm(order)
    receipt = await purchases.open_receipt(confirmed)
    await transfers.validate(receipt["id"])
    refreshed = await purchases.refresh(order)
    assert refreshed["state"] == "received"


async def test_sending_mails_the_pdf_to_the_supplier_in_their_language_once(job_system) -> None:
    p, s = await tiered()
    await Partner.update({Partner.email: "ordini@lombarda.example", Partner.language: "nl"}).where(
        Partner.id == s).run()
    order = await order_of(p, s, "6")
    await purchases.request_sending(order)
    assert await state(order) == "draft"  # the job marks it sent once mailed
    message = await jobs.send_purchase_order(order)
    assert await state(order) == "sent"
    number = (await purchases.get(order))["number"]
    row = await MailMessage.select().where(MailMessage.id == message).first().run()
    assert row["recipients"] == "ordini@lombarda.example"
    assert row["subject"].startswith(f"Inkooporder {number} van ")
    assert (row["table_name"], row["record_id"]) == ("warehouse_purchase_order", order)
    [pdf] = await MailAttachment.select().where(MailAttachment.message == message).run()
    assert pdf["filename"] == number.replace("/", "-") + ".pdf" and pdf["data"].startswith(b"%PDF")
    assert await jobs.send_purchase_order(order) is None  # a redelivered job mails nothing more
    assert await MailMessage.count().run() == 1


async def test_a_supplier_without_an_address_cannot_be_mailed(job_system) -> None:
    p, s = await tiered()
    order = await order_of(p, s)
    with pytest.raises(NotAllowed, match="no e-mail address"):
        await purchases.request_sending(order)


async def test_the_purchase_order_document_lists_lines_with_supplier_codes() -> None:
    p, s = await tiered()
    order = await order_of(p, s, "10")
    doc = await purchases.document(order)
    [line] = doc["lines"]
    assert (line["supplier_code"], line["amount"], doc["total"]) == ("LP-5800", Decimal("125.00"), Decimal("125.00"))
    assert await PurchaseLine.count().run() == 1
