"""Transfers through their pages: the form with lines, Reserve / Validate / Cancel as real
forms with CSRF (and as htmx fragments), partial validation with a backorder, serial
numbers, and refusals shown on the page with nothing saved."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from core.db import records
from core.partners.models import Partner
from core.testing import csrf_token, make_user, post_form
from modules.warehouse.models.move import Move
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import location as locations
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.transfer import Line
from modules.warehouse.tests.conftest import product, shelf
from modules.warehouse.tests.stock_http import (
    HTML,
    HTMX,
    client_as_fixture,  # noqa: F401 (the `client_as` fixture)
    first_cells,
    id_in,
    location_of,
    rows,
)
from modules.warehouse.tests.test_stock import on_hand, receive

pytestmark = pytest.mark.usefixtures("warehouse_db")


async def customer(name: str = "Café De Kroon") -> int:
    return int((await records.create(Partner, {"name": name, "is_customer": True, "city": "Utrecht"}))["id"])


async def moves_of(transfer_id: int) -> list[dict]:
    return await Move.select().where(Move.transfer == transfer_id).order_by(Move.id).run()


async def test_a_delivery_is_created_reserved_validated_in_part_and_backordered(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    gasket, filter_, loc = await product("GSK-58"), await product("FLT-01"), await shelf("Shelf A")
    await receive(gasket, loc, 10)
    await receive(filter_, loc, 4)
    kroon = await customer()
    client = await client_as("pieter")
    form = await client.get("/warehouse/transfers/new", params={"kind": "delivery"}, headers=HTML)
    assert form.status_code == 200 and 'name="product_2"' in form.text and '<option value="delivery" selected' in form.text
    response = await post_form(client, "/warehouse/transfers/new", {
        "kind": "delivery", "source": str(loc), "destination": "", "partner": str(kroon), "origin": "SO-1017",
        "lines": "3", "product_0": str(gasket), "quantity_0": "6", "product_1": str(filter_), "quantity_1": "4",
    }, headers=HTML)
    url = location_of(response)
    transfer_id = id_in(url)
    row = await Transfer.select().where(Transfer.id == transfer_id).first().run()
    assert row["number"].startswith("OUT/") and row["state"] == "draft" and row["partner"] == kroon
    assert row["destination"] == await locations.virtual("customer")  # a delivery goes to the customers
    page = (await client.get(url, headers=HTML)).text
    assert "Draft" in page and f'action="{url}/reserve"' in page and f'hx-post="{url}/validate"' in page
    location_of(await post_form(client, f"{url}/reserve", {}))
    lines = await moves_of(transfer_id)
    assert [m["state"] for m in lines] == ["reserved", "reserved"]
    # Deliver 4 of the 6 gaskets and no filters: the rest goes on a backorder, still reserved.
    done = {f"done_{lines[0]['id']}": "4", f"done_{lines[1]['id']}": ""}
    validated = await post_form(client, f"{url}/validate", done, headers=HTML)
    location_of(validated)
    page = (await client.get(url, headers=HTML)).text
    back = await Transfer.select().where(Transfer.backorder_of == transfer_id).first().run()
    assert back is not None and back["state"] == "reserved"
    assert f'href="/warehouse/transfers/{back["id"]}"' in page and back["number"] in page
    assert "the rest waits on backorder" in page
    assert await on_hand(gasket, loc) == 6 and await on_hand(filter_, loc) == 4
    assert [(Decimal(m["quantity"]), m["state"]) for m in await moves_of(back["id"])] == [
        (Decimal(2), "reserved"), (Decimal(4), "reserved")]
    # Done lines are read-only: no inputs, no actions.
    assert 'name="done_' not in page and f'{url}/cancel' not in page and "Done moves are final" in page


async def test_reserving_more_than_available_is_refused_on_the_page_and_nothing_changes(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    gasket, loc = await product("GSK-58"), await shelf("Shelf A")
    await receive(gasket, loc, 2)
    t = await transfers.create("delivery", loc, await locations.virtual("customer"), [Line(gasket, Decimal(5))])
    client = await client_as("pieter")
    url = f"/warehouse/transfers/{t['id']}"
    refused = await post_form(client, f"{url}/reserve", {}, headers=HTML)
    assert refused.status_code == 400
    assert "Not enough GSK-58 Part GSK-58 at DB/Shelf A: 5 wanted, 2 available." in refused.text
    assert 'role="alert"' in refused.text
    assert (await Transfer.select(Transfer.state).where(Transfer.id == t["id"]).first().run())["state"] == "draft"
    # htmx gets the same page with the message (200: htmx swaps only successful answers).
    fragment = await post_form(client, f"{url}/reserve", {}, headers=HTMX)
    assert fragment.status_code == 200 and "5 wanted, 2 available" in fragment.text
    # Validating straight from draft is refused the same way, and takes nothing.
    moves = await moves_of(t["id"])
    refused = await post_form(client, f"{url}/validate", {f"done_{moves[0]['id']}": "5"}, headers=HTML)
    assert refused.status_code == 400 and "5 wanted, 2 available" in refused.text
    assert await on_hand(gasket, loc) == 2
    # A done quantity that is not a number is marked on its line.
    wrong = await post_form(client, f"{url}/validate", {f"done_{moves[0]['id']}": "a few"}, headers=HTML)
    assert wrong.status_code == 400 and "Enter a number." in wrong.text and 'aria-invalid="true"' in wrong.text


async def test_a_receipt_of_serial_numbers_is_validated_with_one_serial_per_unit(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    machine, loc = await product("ESP-2G", tracking="serial"), await shelf("Shelf C")
    client = await client_as("pieter")
    url = location_of(await post_form(client, "/warehouse/transfers/new", {
        "kind": "receipt", "destination": str(loc), "lines": "1", "product_0": str(machine), "quantity_0": "2"},
        headers=HTML))
    move = (await moves_of(id_in(url)))[0]
    page = (await client.get(url, headers=HTML)).text
    assert f'name="serials_{move["id"]}"' in page
    short = await post_form(client, f"{url}/validate", {f"done_{move['id']}": "2",
                                                         f"serials_{move['id']}": "SN-0001"}, headers=HTML)
    assert short.status_code == 400 and "Enter 2 serial numbers, one per unit (1 given)." in short.text
    assert "SN-0001" in short.text  # what was typed is kept
    location_of(await post_form(client, f"{url}/validate", {f"done_{move['id']}": "2",
                                                             f"serials_{move['id']}": "SN-0001\nSN-0002"}))
    assert await on_hand(machine, loc) == 2
    card = (await client.get(f"/warehouse/products/{machine}", headers=HTML)).text
    assert "SN-0002" in card and "DB/Shelf C" in card


async def test_the_transfer_form_keeps_what_was_typed_and_marks_each_wrong_field(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    gasket, loc = await product("GSK-58"), await shelf("Shelf A")
    client = await client_as("pieter")
    empty = await post_form(client, "/warehouse/transfers/new", {"kind": "internal", "lines": "2"}, headers=HTML)
    assert empty.status_code == 400 and "Add at least one line." in empty.text
    wrong = await post_form(client, "/warehouse/transfers/new", {
        "kind": "internal", "source": str(loc), "lines": "2", "product_0": str(gasket), "quantity_0": "-1",
        "quantity_1": "3"}, headers=HTML)
    assert wrong.status_code == 400
    assert "At least 0.001." in wrong.text and "This field is required." in wrong.text
    assert 'value="-1"' in wrong.text
    nowhere = await post_form(client, "/warehouse/transfers/new", {
        "kind": "internal", "source": str(loc), "lines": "1", "product_0": str(gasket), "quantity_0": "1"},
        headers=HTML)
    assert nowhere.status_code == 400 and "Choose where the goods go to." in nowhere.text
    # "Add a line" shows the form again with one more row (no JavaScript needed).
    more = await post_form(client, "/warehouse/transfers/new", {"kind": "internal", "lines": "3", "_more": "1",
                                                                "product_0": str(gasket)}, headers=HTML)
    assert more.status_code == 200 and 'name="product_3"' in more.text
    assert await Transfer.count().run() == 0


async def test_cancelling_releases_the_reservation(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    gasket, loc = await product("GSK-58"), await shelf()
    await receive(gasket, loc, 3)
    t = await transfers.create("delivery", loc, await locations.virtual("customer"), [Line(gasket, Decimal(3))])
    await transfers.reserve(t["id"])
    client = await client_as("pieter")
    url = f"/warehouse/transfers/{t['id']}"
    assert 'data-confirm="' in (await client.get(url, headers=HTML)).text
    location_of(await post_form(client, f"{url}/cancel", {}))
    assert (await Transfer.select(Transfer.state).where(Transfer.id == t["id"]).first().run())["state"] == "cancelled"
    from modules.warehouse.services import stock

    assert await stock.available(gasket, loc) == 3


async def test_the_history_shows_the_labels_of_kind_and_state_of_a_validated_transfer(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    gasket, a, b = await product("GSK-58"), await shelf("Shelf A"), await shelf("Shelf B")
    await receive(gasket, a, 2)
    t = await transfers.create("internal", a, b, [Line(gasket, Decimal(2))])
    await transfers.reserve(t["id"])
    await transfers.validate(t["id"])
    client = await client_as("pieter")
    history = (await client.get(f"/warehouse/transfers/{t['id']}?tab=history", headers=HTML)).text
    assert re.search(r'State</span>\s*<span class="history-old">Reserved</span>[^\n]*history-new">Done<', history)
    assert re.search(r'Kind</span>\s*<span class="history-new">Internal transfer<', history)  # as created
    assert 'history-new">done<' not in history and 'history-new">internal<' not in history


async def test_actions_need_the_csrf_token_and_the_write_permission(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    await make_user("inge", roles=("purchaser",))
    gasket, loc = await product("GSK-58"), await shelf()
    await receive(gasket, loc, 3)
    t = await transfers.create("delivery", loc, await locations.virtual("customer"), [Line(gasket, Decimal(1))])
    url = f"/warehouse/transfers/{t['id']}"
    client = await client_as("pieter")
    assert (await client.post(f"{url}/reserve", data={})).status_code == 403
    client = await client_as("inge")
    page = (await client.get(url, headers=HTML)).text
    assert "/reserve" not in page and 'name="done_' not in page
    assert (await post_form(client, f"{url}/reserve", {})).status_code == 403
    assert (await client.post(f"{url}/validate", data={"_csrf_token": csrf_token(client)})).status_code == 403
    assert (await Transfer.select(Transfer.state).where(Transfer.id == t["id"]).first().run())["state"] == "draft"


async def test_the_transfer_list_filters_by_kind_state_and_either_location(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    gasket, a, b = await product("GSK-58"), await shelf("Shelf A"), await shelf("Shelf B")
    inbound = await receive(gasket, a, 5)
    moved = await transfers.create("internal", a, b, [Line(gasket, Decimal(2))], origin="restock")
    client = await client_as("pieter")

    async def listed(**params: str) -> list[str]:
        response = await client.get("/warehouse/transfers", params=params, headers=HTML)
        assert response.status_code == 200
        return first_cells(response.text)

    assert await listed() == [moved["number"], inbound["number"]]
    assert await listed(kind="internal") == [moved["number"]]
    assert await listed(state="done") == [inbound["number"]]
    assert await listed(location=str(a)) == [moved["number"], inbound["number"]]  # from or to Shelf A
    assert await listed(location=str(b)) == [moved["number"]]
    assert await listed(q="restock") == [moved["number"]]
    table = rows((await client.get("/warehouse/transfers", params={"kind": "internal"}, headers=HTML)).text)
    assert table == [[moved["number"], "Internal transfer", "Draft", "DB/Shelf A", "DB/Shelf B", "",
                      table[0][6], "restock"]]
