"""Repairs out: the unit goes to the repairer's location (made on first use) and comes
back, a loaner goes to the customer and home again, all through transfers; the daily
job flags exactly the overdue repairs and vendor claims, once, and mails the managers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.auth.users import create_user
from core.mail import service as mail_service
from core.mail.models import MailMessage
from modules.warehouse import jobs_returns
from modules.warehouse.models.location import Location
from modules.warehouse.models.rma import VendorClaim
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import location as locations
from modules.warehouse.services import overdue, repair, rma, vendor_claim
from modules.warehouse.services.errors import InvalidTransition, NotAllowed
from modules.warehouse.tests.conftest import product, shelf, supplier
from modules.warehouse.tests.test_rma import customer, lot_id, sold, where_is
from modules.warehouse.tests.test_stock import on_hand, receive

pytestmark = pytest.mark.usefixtures("warehouse_db")
TODAY = dt.date.today()


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, tuple[Any, ...]]]:
    """Mail deliveries queued (no worker runs in these tests)."""
    calls: list[tuple[str, tuple[Any, ...]]] = []

    async def enqueue(job: str, *args: Any, delay: float | None = None) -> None:
        calls.append((job, args))

    monkeypatch.setattr(mail_service, "enqueue", enqueue)
    return calls


async def sent_out(expected: dt.date | None, *, serial: str = "SN-1", loaner: str = "",
                   give_loaner_to: int | None = None) -> tuple[dict, int, int]:
    """A grinder on the shelf sent to a repairer; returns (repair, product, shelf)."""
    grinder, main = await product(f"GRD-{serial}", tracking="serial"), await shelf("Stock", code=f"W{serial[-2:]}")
    await receive(grinder, main, 1, serials=[serial])
    loaner_id = None
    if loaner:
        await receive(grinder, main, 1, serials=[loaner])
        loaner_id = await lot_id(loaner)
    sent = await repair.send(repair.Shipment(
        product=grinder, quantity=Decimal(1), source=main, repairer=await supplier(f"Fix-It {serial}"),
        lot=await lot_id(serial), carrier="PostNL", tracking_number="3SABC123", expected_return=expected,
        loaner=loaner_id, customer=give_loaner_to))
    return sent, grinder, main


async def test_sending_makes_a_repairer_location_and_moves_the_unit_there() -> None:
    sent, grinder, main = await sent_out(TODAY + dt.timedelta(days=10))
    assert (sent["kind"], sent["state"], sent["carrier"], sent["tracking_number"]) == (
        "repair_out", "done", "PostNL", "3SABC123")
    assert sent["number"].startswith("RPO/")
    place = await Location.select().where(Location.id == sent["destination"]).first().run()
    assert (place["kind"], place["partner"]) == ("repairer", sent["partner"])
    assert await where_is("SN-1") == place["id"]
    assert await on_hand(grinder, main) == 0 and await on_hand(grinder, place["id"]) == 1
    # The same repairer's next unit goes to the same location.
    assert await repair.repairer_location(sent["partner"]) == place["id"]


async def test_a_loaner_goes_to_the_customer_and_comes_home_with_the_repaired_unit() -> None:
    cafe = await customer()
    sent, grinder, main = await sent_out(TODAY + dt.timedelta(days=10), loaner="SN-LOAN", give_loaner_to=cafe)
    customers = await locations.virtual("customer")
    assert sent["loaner"] == await lot_id("SN-LOAN")
    assert await where_is("SN-LOAN") == customers
    lend = await repair.loan_of(sent["number"])
    assert (lend["kind"], lend["partner"]) == ("delivery", cafe)
    back = await repair.receive_back(sent["id"])
    assert (back["kind"], back["origin"], back["destination"]) == ("repair_in", sent["number"], main)
    assert await where_is("SN-1") == main and await where_is("SN-LOAN") == main
    assert await on_hand(grinder, main) == 2
    home = await Transfer.select().where((Transfer.kind == "customer_return") & (Transfer.origin == sent["number"])
                                         ).first().run()
    assert home["partner"] == cafe and home["state"] == "done"
    with pytest.raises(InvalidTransition, match="already back"):
        await repair.receive_back(sent["id"])


async def test_a_loaner_needs_a_customer_and_cannot_be_the_unit_itself() -> None:
    grinder, main = await product("GRD-9", tracking="serial"), await shelf()
    await receive(grinder, main, 1, serials=["SN-9"])
    unit = await lot_id("SN-9")
    base = {"product": grinder, "quantity": Decimal(1), "source": main, "repairer": await supplier(), "lot": unit}
    with pytest.raises(NotAllowed, match="customer"):
        await repair.send(repair.Shipment(**base, loaner=unit))
    with pytest.raises(NotAllowed, match="cannot be the unit"):
        await repair.send(repair.Shipment(**base, loaner=unit, customer=await customer()))
    assert await where_is("SN-9") == main and not await Transfer.exists().where(Transfer.kind == "repair_out").run()


async def test_a_returned_unit_goes_for_repair_and_back_to_the_customer() -> None:
    grinder, main, returns_shelf = await product("GRD-E65", tracking="serial"), await shelf("Stock"), await shelf(
        "Returns")
    await sold(grinder, main, ["SN-RMA"])
    await receive(grinder, main, 1, serials=["SN-SPARE"])
    ret = await rma.create(await customer())
    line = await rma.add_line(ret["id"], grinder, Decimal(1), serial="SN-RMA", reason="Motor hums")
    await rma.receive(ret["id"], returns_shelf)
    fixer = await supplier("Mazzer Service Center")
    done = await rma.carry_out(line["id"], "repair", rma.Details(
        repairer=fixer, carrier="DHL", tracking_number="JD0001", expected_return=TODAY + dt.timedelta(days=7),
        loaner="SN-SPARE"))
    sent = await Transfer.select().where(Transfer.id == done["transfer"]).first().run()
    assert (sent["kind"], sent["origin"], sent["source"]) == ("repair_out", ret["number"], returns_shelf)
    assert await where_is("SN-SPARE") == await locations.virtual("customer")
    assert (await rma.get(ret["id"]))["state"] == "done"
    await repair.receive_back(sent["id"], give_to=ret["partner"])
    assert await where_is("SN-RMA") == await locations.virtual("customer")  # fixed and delivered
    assert await where_is("SN-SPARE") == main  # the loaner is home


async def test_overdue_is_past_the_expected_date_and_not_back() -> None:
    late, *_ = await sent_out(TODAY - dt.timedelta(days=2), serial="SN-11")
    due_today, *_ = await sent_out(TODAY, serial="SN-12")
    undated, *_ = await sent_out(None, serial="SN-13")
    late_but_back, *_ = await sent_out(TODAY - dt.timedelta(days=5), serial="SN-14")
    await repair.receive_back(late_but_back["id"])
    assert [r["id"] for r in await repair.overdue(TODAY)] == [late["id"]]
    listed = {r["id"]: r["is_overdue"] for r in await repair.listing("all")}
    assert listed == {late["id"]: True, due_today["id"]: False, undated["id"]: False, late_but_back["id"]: False}
    assert [r["id"] for r in await repair.listing("out")] == [undated["id"], due_today["id"], late["id"]]
    assert [r["id"] for r in await repair.listing("back")] == [late_but_back["id"]]


async def overdue_claim(due: dt.date, state_path: tuple[str, ...] = ("submit",)) -> dict:
    code = f"PMP-{due:%m%d}-{'-'.join(state_path)}"
    row = await vendor_claim.create({"supplier": await supplier(), "product": await product(code),
                                     "quantity": Decimal(1), "due_on": due})
    for action in state_path:
        row = await vendor_claim.move(row["id"], action, credit=Decimal(5))
    return row


async def test_the_daily_job_flags_exactly_the_overdue_ones_once_and_mails_the_managers(queued) -> None:
    await create_user("eva", "correct-horse-battery", ["manager"], name="Eva de Vries", email="eva@koffiepunt.example")
    await create_user("pieter", "correct-horse-battery", ["warehouse"], email="pieter@koffiepunt.example")
    late, *_ = await sent_out(TODAY - dt.timedelta(days=1), serial="SN-21")
    on_time, *_ = await sent_out(TODAY + dt.timedelta(days=3), serial="SN-22")
    late_claim = await overdue_claim(TODAY - dt.timedelta(days=3))
    future_claim = await overdue_claim(TODAY + dt.timedelta(days=3))
    credited = await overdue_claim(TODAY - dt.timedelta(days=3), ("submit", "accept", "credit"))
    rejected = await overdue_claim(TODAY - dt.timedelta(days=3), ("submit", "reject"))

    assert await jobs_returns.flag_overdue() == {"repairs": 1, "claims": 1, "mails": 1}
    flagged = {r["id"] for r in await Transfer.select(Transfer.id).where(Transfer.overdue == "yes").run()}
    assert flagged == {late["id"]} and on_time["id"] not in flagged
    claims = {r["id"] for r in await VendorClaim.select(VendorClaim.id).where(VendorClaim.overdue == "yes").run()}
    assert claims == {late_claim["id"]}
    assert not claims & {future_claim["id"], credited["id"], rejected["id"]}
    message = await MailMessage.select().first().run()
    assert message["recipients"] == "eva@koffiepunt.example"
    assert "1 repair(s) out, 1 vendor claim(s)" in message["subject"]
    assert late["number"] in message["body_text"] and late_claim["number"] in message["body_text"]
    assert len(queued) == 1

    # A second run the same day: nothing new, no second mail.
    assert await jobs_returns.flag_overdue() == {"repairs": 0, "claims": 0, "mails": 0}
    assert await MailMessage.count().run() == 1 and len(queued) == 1

    # Back from repair and credited: the flags go.
    await repair.receive_back(late["id"])
    await vendor_claim.move(late_claim["id"], "accept")
    await vendor_claim.move(late_claim["id"], "credit", credit=Decimal(20))
    await overdue.flag()
    assert not await Transfer.exists().where(Transfer.overdue == "yes").run()
    assert not await VendorClaim.exists().where(VendorClaim.overdue == "yes").run()


async def test_the_overdue_tile_counts_what_is_late_now() -> None:
    await sent_out(TODAY - dt.timedelta(days=4), serial="SN-31")
    await overdue_claim(TODAY - dt.timedelta(days=1))
    items = await overdue.open_items()
    assert (items["repair_count"], items["claim_count"]) == (1, 1)
    assert items["repairs"][0]["days"] == 4 and items["repairs"][0]["repairer"] == "Fix-It SN-31"
    assert items["claims"][0]["days"] == 1


async def test_without_a_manager_to_mail_the_flags_are_still_set(queued) -> None:
    await sent_out(TODAY - dt.timedelta(days=1), serial="SN-41")
    assert await overdue.flag() == {"repairs": 1, "claims": 0, "mails": 0}
    assert await MailMessage.count().run() == 0

