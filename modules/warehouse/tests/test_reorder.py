"""Reordering: forecast below, at and above the minimum, rounding to the multiple, draft
purchase orders grouped per supplier, no duplicates on a second run, van refills, and the
purchasers' summary mail."""

from __future__ import annotations

import datetime as dt
import email
from collections.abc import Iterator
from decimal import Decimal
from email import policy

import pytest

from core.auth.users import create_user
from core.db import records
from core.jobs import broker
from core.mail.deliver import deliver_mail
from core.mail.models import MailMessage
from core.modules.discovery import Catalog
from core.settings import Settings
from modules.warehouse import jobs
from modules.warehouse.models.move import Move
from modules.warehouse.models.purchase import PurchaseLine, PurchaseOrder
from modules.warehouse.models.reorder_rule import ReorderRule
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import location as locations
from modules.warehouse.services import purchase as purchases
from modules.warehouse.services import reorder, stock
from modules.warehouse.services.reorder import order_quantity
from modules.warehouse.tests.conftest import product, shelf, supplier
from modules.warehouse.tests.test_purchase import price
from modules.warehouse.tests.test_stock import receive

pytestmark = pytest.mark.usefixtures("warehouse_db")
TODAY = dt.date.today()
D = Decimal


@pytest.fixture
def settings(warehouse_db: str, settings_for, catalog: Catalog) -> Iterator[Settings]:
    """Jobs and mail go to this test's database and var/ (the outbox)."""
    made = settings_for(warehouse_db)
    broker.configure(made, catalog)
    yield made
    broker.reset()


async def rule(product_id: int, location: int, min_qty: int, max_qty: int, *, multiple: int = 1,
               supplier_id: int | None = None, refill_from: int | None = None, **extra) -> int:
    return int((await records.create(ReorderRule, {
        "product": product_id, "location": location, "min_qty": D(min_qty), "max_qty": D(max_qty),
        "multiple": D(multiple), "supplier": supplier_id, "refill_from": refill_from, **extra}))["id"])


async def orders() -> list[dict]:
    return await PurchaseOrder.select().order_by(PurchaseOrder.id).run()


async def lines() -> list[dict]:
    return await PurchaseLine.select(*PurchaseLine._meta.columns, PurchaseLine.order.supplier.as_alias("supplier")
                                     ).order_by(PurchaseLine.id).run()


async def stocked(qty: int, *, code: str = "GSK-58") -> tuple[int, int, int]:
    """A product with `qty` on the shelf and a supplier; (product, shelf, supplier)."""
    p, loc, s = await product(code), await shelf(), await supplier()
    if qty:
        await receive(p, loc, qty)
    return p, loc, s


async def planned(rule_id: int) -> list[reorder.Need]:
    return await reorder.plan(await reorder.rules([rule_id]))


async def test_a_forecast_below_the_minimum_orders_up_to_the_maximum() -> None:
    p, loc, s = await stocked(3)
    r = await rule(p, loc, 5, 20, supplier_id=s)
    [need] = await planned(r)
    assert (need.forecast, need.quantity, need.supplier) == (3, 17, s)


async def test_a_forecast_exactly_at_the_minimum_orders_nothing() -> None:
    p, loc, s = await stocked(5)
    r = await rule(p, loc, 5, 20, supplier_id=s)
    assert await planned(r) == []
    await stock.reserve("wo:1", p, loc, D(1))  # promised to a work order: 4 available, below 5
    [need] = await planned(r)
    assert (need.forecast, need.quantity) == (4, 16)


async def test_a_forecast_above_the_minimum_orders_nothing() -> None:
    p, loc, s = await stocked(9)
    assert await planned(await rule(p, loc, 5, 20, supplier_id=s)) == []


async def test_the_quantity_is_rounded_up_to_the_multiple() -> None:
    assert order_quantity(D(3), D(20), D(10)) == 20  # 17 -> two boxes of 10
    assert order_quantity(D(3), D(20), D(6)) == 18
    assert order_quantity(D(0), D(20), D(5)) == 20
    assert order_quantity(D("2.5"), D(10), D("0.5")) == D("7.5")
    p, loc, s = await stocked(3)
    [need] = await planned(await rule(p, loc, 5, 20, multiple=10, supplier_id=s))
    assert need.quantity == 20


async def test_incoming_receipts_count_so_a_confirmed_order_is_not_ordered_again() -> None:
    p, loc, s = await stocked(2)
    r = await rule(p, loc, 5, 20, supplier_id=s)
    order = await purchases.create(s, loc)
    await purchases.add_line(order["id"], p, D(10), D(4))
    await purchases.confirm(order["id"])
    assert await planned(r) == []  # 2 on hand + 10 incoming >= 5


async def test_snoozed_and_inactive_rules_order_nothing_until_they_wake() -> None:
    p, loc, s = await stocked(0)
    snoozed = await rule(p, loc, 5, 20, supplier_id=s, snooze_until=TODAY + dt.timedelta(days=3))
    assert await planned(snoozed) == []
    assert len(await reorder.plan(await reorder.rules([snoozed]), on=TODAY + dt.timedelta(days=3))) == 1
    idle = await rule(p, loc, 5, 20, supplier_id=s, active=False)
    assert await reorder.rules([idle]) == []
    rows = await ReorderRule.select().where(ReorderRule.id == idle).run()
    assert await reorder.plan(rows) == []


async def test_drafts_are_grouped_per_supplier_with_the_suppliers_prices() -> None:
    loc = await shelf()
    lombarda, brasa = await supplier("Lombarda Parts S.r.l."), await supplier("Brasa Koffietechniek B.V.")
    gasket, filter_, valve = await product("GSK-58"), await product("FLT-01"), await product("VLV-12")
    await price(gasket, lombarda, "1", "14.00")
    await price(gasket, lombarda, "10", "12.50")
    r1 = await rule(gasket, loc, 5, 20, supplier_id=lombarda)
    r2 = await rule(filter_, loc, 2, 6, supplier_id=lombarda)
    r3 = await rule(valve, loc, 1, 4, multiple=4, supplier_id=brasa)
    summary = await reorder.run(notify=False)
    found = await orders()
    assert [(o["supplier"], o["state"], o["origin"], o["destination"]) for o in found] == [
        (lombarda, "draft", "reorder", loc), (brasa, "draft", "reorder", loc)]
    assert [(ln["order"], ln["product"], ln["quantity"], ln["rule_id"]) for ln in await lines()] == [
        (found[0]["id"], gasket, 20, r1), (found[0]["id"], filter_, 6, r2), (found[1]["id"], valve, 4, r3)]
    assert Decimal((await lines())[0]["unit_price"]) == Decimal("12.50")  # 20 reach the 10+ tier
    assert [(o["supplier"], o["lines"], o["created"]) for o in summary.orders] == [
        ("Lombarda Parts S.r.l.", 2, True), ("Brasa Koffietechniek B.V.", 1, True)]
    assert summary.orders[0]["total"] == Decimal("275.20")  # 20 x 12.50 + 6 x 4.20 (no price: our cost)


async def test_a_second_run_drafts_nothing_new_while_the_first_drafts_are_open() -> None:
    p, loc, s = await stocked(1)
    await rule(p, loc, 5, 20, supplier_id=s)
    first = await reorder.run(notify=False)
    assert len(first.orders) == 1
    again = await reorder.run(notify=False)
    assert again.empty
    [order] = await orders()
    await purchases.mark_sent(order["id"])
    assert (await reorder.run(notify=False)).empty  # sent: still on order
    await purchases.confirm(order["id"])
    assert (await reorder.run(notify=False)).empty  # confirmed: on its receipt
    assert len(await orders()) == 1 and len(await lines()) == 1


async def test_a_new_need_extends_the_open_reorder_draft_of_that_supplier() -> None:
    p, loc, s = await stocked(1)
    await rule(p, loc, 5, 20, supplier_id=s)
    await reorder.run(notify=False)
    other = await product("FLT-01")
    await rule(other, loc, 2, 6, supplier_id=s)
    summary = await reorder.run(notify=False)
    assert [(o["created"], o["lines"]) for o in summary.orders] == [(False, 1)]
    [order] = await orders()
    assert [ln["product"] for ln in await lines()] == [p, other]
    assert order["state"] == "draft"


async def test_a_rule_without_supplier_buys_from_the_cheapest_or_is_reported() -> None:
    loc = await shelf()
    dear, cheap = await supplier("Dear B.V."), await supplier("Cheap B.V.")
    p, orphan = await product("GSK-58"), await product("ODD-1")
    await price(p, dear, "1", "15")
    await price(p, cheap, "1", "13")
    await rule(p, loc, 5, 20)
    await rule(orphan, loc, 1, 2)
    summary = await reorder.run(notify=False)
    assert [o["supplier"] for o in summary.orders] == ["Cheap B.V."]
    assert [(u["product"], u["quantity"]) for u in summary.unsourced] == [("ODD-1 Part ODD-1", 2)]


async def test_van_rules_draft_one_refill_transfer_from_the_warehouse_once() -> None:
    p, main, _s = await stocked(50)
    other = await product("FLT-01")
    await receive(other, main, 10)
    jan = await create_user("jan", "correct-horse-battery", ["technician"])
    van = (await locations.create({"name": "Van Jan", "kind": "van", "user": jan["id"]}))["id"]
    r1 = await rule(p, van, 2, 6, refill_from=main)
    r2 = await rule(other, van, 1, 3, refill_from=main)
    summary = await reorder.run(notify=False)
    assert summary.orders == [] and [t["lines"] for t in summary.transfers] == [2]
    [refill] = await Transfer.select().where(Transfer.kind == "internal").run()
    assert (refill["source"], refill["destination"], refill["state"], refill["origin"]) == (main, van, "draft", "reorder")
    moved = await Move.select().where(Move.transfer == refill["id"]).order_by(Move.id).run()
    assert [(m["product"], m["quantity"], m["origin"]) for m in moved] == [
        (p, 6, f"reorder:{r1}"), (other, 3, f"reorder:{r2}")]
    assert (await reorder.run(notify=False)).empty  # the draft refill is incoming at the van
    assert await Transfer.count().where(Transfer.kind == "internal").run() == 1


async def test_the_purchasers_get_a_summary_in_the_outbox(settings: Settings) -> None:
    await create_user("piet", "correct-horse-battery", ["purchaser"], name="Piet Inkoop",
                      email="piet@koffiepunt.example", language="nl")
    await create_user("eva", "correct-horse-battery", ["manager"], email="eva@koffiepunt.example")
    p, loc, s = await stocked(1)
    await rule(p, loc, 5, 20, supplier_id=s)
    result = await jobs.reorder()
    assert result == {"orders": 1, "transfers": 0, "unsourced": 0}
    [message] = await MailMessage.select().run()
    assert message["recipients"] == "piet@koffiepunt.example"  # purchasers, not the manager
    await deliver_mail(message["id"], settings)
    sent = email.message_from_bytes((settings.var_dir / "outbox" / f"{message['id']}.eml").read_bytes(),
                                    policy=policy.default)
    assert sent["Subject"] == "Bijbestellen: 1 inkooporder, 0 busaanvullingen"
    body = sent.get_body(("plain",)).get_content()
    number = (await orders())[0]["number"]
    assert f"- {number} Lombarda Parts S.r.l.: 1 regel toegevoegd" in body
    assert await jobs.reorder() == {"orders": 0, "transfers": 0, "unsourced": 0}
    assert await MailMessage.count().run() == 1  # nothing new, no mail


async def test_without_purchasers_the_managers_get_the_summary(settings: Settings) -> None:
    await create_user("eva", "correct-horse-battery", ["manager"], email="eva@koffiepunt.example")
    p, loc, s = await stocked(0)
    await rule(p, loc, 5, 20, supplier_id=s)
    await jobs.reorder()
    [message] = await MailMessage.select().run()
    assert message["recipients"] == "eva@koffiepunt.example"
    assert message["subject"] == "Reordering: 1 purchase order, 0 van refills"


async def test_the_below_minimum_tile_lists_what_is_short() -> None:
    p, loc, s = await stocked(1)
    await rule(p, loc, 5, 20, supplier_id=s)
    other = await product("FLT-01")
    await receive(other, loc, 9)
    await rule(other, loc, 2, 6, supplier_id=s)
    shown, count = await reorder.below_minimum()
    assert count == 1 and [(r["product"], r["forecast"], r["min_qty"]) for r in shown] == [("GSK-58 Part GSK-58", 1, 5)]


async def test_two_rules_for_one_product_and_location_order_once() -> None:
    p, loc, s = await stocked(2)
    await rule(p, loc, 5, 20, supplier_id=s)
    await rule(p, loc, 10, 30, supplier_id=s)
    await reorder.run(notify=False)
    first = [(ln["product"], ln["quantity"]) for ln in await lines()]
    second = await reorder.run(notify=False)
    assert [(ln["product"], ln["quantity"]) for ln in await lines()] == first, second
