"""Vans: a technician sees and uses only their own van (any other answers 404, the stock
pages 403), requests a refill from the warehouse; staff see every van."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.auth.current import load_user
from core.db import records
from core.modules.discovery import Catalog
from core.registry import load
from core.testing import make_user, post_form
from core.web.kit.forms import many2one_options
from modules.warehouse.controllers.transfer import TRANSFER_FORM
from modules.warehouse.models.location import Location
from modules.warehouse.models.move import Move
from modules.warehouse.models.reorder_rule import ReorderRule
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import location as locations
from modules.warehouse.services import stock
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.transfer import Line
from modules.warehouse.tests.conftest import product, shelf
from modules.warehouse.tests.stock_http import (
    HTML,
    client_as_fixture,  # noqa: F401 (the `client_as` fixture)
    location_of,
    rows,
)
from modules.warehouse.tests.test_stock import receive

pytestmark = pytest.mark.usefixtures("warehouse_db")


async def van_of(login: str, name: str) -> int:
    user = await make_user(login, roles=("technician",))
    wh = await Warehouse.select(Warehouse.id).where(Warehouse.code == "DB").first().run()
    return int((await locations.create({"name": name, "kind": "van", "user": user["id"],
                                        "warehouse": wh["id"]}))["id"])


async def two_vans() -> dict[str, int]:
    main = await shelf("Stock")
    gasket = await product("GSK-58")
    jan, sem = await van_of("jan", "Van Jan"), await van_of("sem", "Van Sem")
    await receive(gasket, main, 20)
    await receive(gasket, jan, 3)
    await receive(gasket, sem, 5)
    return {"main": main, "gasket": gasket, "jan": jan, "sem": sem}


async def test_a_technician_is_taken_to_their_own_van_and_sees_its_stock(client_as) -> None:
    found = await two_vans()
    await stock.reserve("wo:9", found["gasket"], found["jan"], Decimal(1))
    client = await client_as("jan")
    response = await client.get("/warehouse/vans", headers=HTML)
    assert location_of(response) == f"/warehouse/vans/{found['jan']}"
    page = (await client.get(f"/warehouse/vans/{found['jan']}", headers=HTML)).text
    assert "Van Jan" in page
    assert ["GSK-58 Part GSK-58", "3", "1", "2", "0", "2", "", "Available"] in rows(page)
    assert "/warehouse/products/" not in page  # no stock card for technicians
    # The Warehouse menu takes them to the van too.
    assert location_of(await client.get("/warehouse", headers=HTML)) == "/warehouse/vans"


async def test_another_technicians_van_answers_404_and_stock_pages_403(client_as) -> None:
    found = await two_vans()
    client = await client_as("jan")
    assert (await client.get(f"/warehouse/vans/{found['sem']}", headers=HTML)).status_code == 404
    assert (await client.get(f"/warehouse/vans/{found['main']}", headers=HTML)).status_code == 404  # not a van
    refill = await post_form(client, f"/warehouse/vans/{found['sem']}/refill",
                             {"lines": "1", "product_0": str(found["gasket"]), "quantity_0": "2"})
    assert refill.status_code == 404
    assert await Transfer.count().where((Transfer.destination == found["sem"]) & (Transfer.kind == "internal")).run() == 0
    for url in ("/warehouse/stock", "/warehouse/stock/locations", f"/warehouse/products/{found['gasket']}",
                "/warehouse/transfers", "/warehouse/locations", f"/warehouse/locations/{found['sem']}",
                "/warehouse/warehouses", "/reports/warehouse_stock_valuation.pdf"):
        assert (await client.get(url, headers=HTML)).status_code == 403, url


async def test_the_record_rule_hides_other_vans_wherever_locations_are_listed(catalog: Catalog) -> None:
    found = await two_vans()
    registry = await load(catalog)
    jan = await Location.select(Location.user).where(Location.id == found["jan"]).first().run()
    user = await load_user(jan["user"])
    assert user is not None
    picker = TRANSFER_FORM.field("source")
    offered = {label for _id, label in await many2one_options(picker, registry, user, q="Van")}
    assert offered == {"DB/Van Jan"}
    offered = {label for _id, label in await many2one_options(picker, registry, user)}
    assert "DB/Stock" in offered and "DB/Van Sem" not in offered


async def test_a_refill_request_makes_an_internal_transfer_from_the_warehouse(client_as) -> None:
    found = await two_vans()
    filter_ = await product("FLT-01")
    shelf_b = await shelf("Shelf B")
    await receive(filter_, shelf_b, 6)
    await records.create(ReorderRule, {"product": found["gasket"], "location": found["jan"], "min_qty": Decimal(2),
                                       "max_qty": Decimal(8)})
    client = await client_as("jan")
    page = (await client.get(f"/warehouse/vans/{found['jan']}", headers=HTML)).text
    # The rule asks for 8; 3 are in the van: 5 are proposed.
    assert f'<option value="{found["gasket"]}" selected>' in page and 'name="quantity_0" value="5"' in page
    response = await post_form(client, f"/warehouse/vans/{found['jan']}/refill", {
        "lines": "3", "product_0": str(found["gasket"]), "quantity_0": "5", "product_1": str(filter_),
        "quantity_1": "2"}, headers=HTML)
    assert location_of(response) == f"/warehouse/vans/{found['jan']}"
    made = await Transfer.select().where((Transfer.destination == found["jan"]) & (Transfer.kind == "internal")).order_by(
        Transfer.id).run()
    # Each product comes from where it lies: gaskets from Stock, filters from Shelf B.
    assert [(t["kind"], t["source"], t["state"]) for t in made] == [
        ("internal", found["main"], "draft"), ("internal", shelf_b, "draft")]
    lines = await Move.select(Move.product, Move.quantity).where(
        Move.transfer.is_in([t["id"] for t in made])).order_by(Move.id).run()
    assert [(m["product"], Decimal(m["quantity"])) for m in lines] == [(found["gasket"], 5), (filter_, 2)]
    page = (await client.get(f"/warehouse/vans/{found['jan']}", headers=HTML)).text
    assert made[0]["number"] in page and "Refill requested" in page
    assert "/warehouse/transfers/" not in page  # the technician cannot open transfers
    wrong = await post_form(client, f"/warehouse/vans/{found['jan']}/refill", {
        "lines": "1", "product_0": str(found["gasket"]), "quantity_0": "0"}, headers=HTML)
    assert wrong.status_code == 400 and "At least 0.001." in wrong.text


async def test_staff_see_every_van_and_the_refills_on_their_way(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    found = await two_vans()
    refill = await transfers.create("internal", found["main"], found["sem"], [Line(found["gasket"], Decimal(2))])
    client = await client_as("pieter")
    page = (await client.get("/warehouse/vans", headers=HTML)).text
    assert [r[:2] for r in rows(page)] == [["Van Jan", "jan"], ["Van Sem", "sem"]]
    assert ["Van Sem", "sem", "DB", "1", "5", "5", "1"] in rows(page)
    sem = (await client.get(f"/warehouse/vans/{found['sem']}", headers=HTML)).text
    assert f'href="/warehouse/transfers/{refill["id"]}"' in sem


async def test_a_technician_without_a_van_is_told_so(client_as) -> None:
    await make_user("tomasz", roles=("technician",))
    client = await client_as("tomasz")
    page = await client.get("/warehouse/vans", headers=HTML)
    assert page.status_code == 200 and "No van is assigned to you." in page.text
