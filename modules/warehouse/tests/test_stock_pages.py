"""The stock pages: stock by product and by location (search, filters, sorting, pages,
availability colours), the product stock card, locations and warehouses, the dashboard
tiles, and who may open them."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from core.db import records
from core.products.models import Product, ProductCategory
from core.testing import make_user, post_form
from modules.warehouse.models.location import Location
from modules.warehouse.models.reorder_rule import ReorderRule
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import location as locations
from modules.warehouse.services import stock, stock_levels
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.stock_levels import Query, Scope
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
from modules.warehouse.tests.test_stock import receive

pytestmark = pytest.mark.usefixtures("warehouse_db")


async def van(login: str, name: str = "Van Jan") -> int:
    user = await make_user(login, roles=("technician",))
    wh = await Warehouse.select(Warehouse.id).where(Warehouse.code == "DB").first().run()
    return int((await locations.create({"name": name, "kind": "van", "user": user["id"],
                                        "warehouse": wh["id"] if wh else None}))["id"])


async def three_products() -> dict[str, int]:
    """GSK-58: 10 on hand, 4 reserved (green); FLT-01: 2 on hand, all reserved (amber);
    PMP-9: never received (red); a service that the stock pages leave out."""
    loc = await shelf("Shelf A")
    gasket, filter_, pump = await product("GSK-58"), await product("FLT-01"), await product("PMP-9")
    await records.create(Product, {"code": "SRV-H", "name": "Service hour", "kind": "service"})
    await receive(gasket, loc, 10)
    await receive(filter_, loc, 2)
    await stock.reserve("wo:1", gasket, loc, Decimal(4))
    await stock.reserve("wo:2", filter_, loc, Decimal(2))
    # A planned receipt of 5 pumps: incoming, so the forecast shows them.
    await transfers.create("receipt", await locations.virtual("supplier"), loc, [Line(pump, Decimal(5))])
    return {"gasket": gasket, "filter": filter_, "pump": pump, "shelf": loc}


async def test_stock_by_product_shows_quantities_forecast_and_availability_colours(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    await three_products()
    client = await client_as("pieter")
    response = await client.get("/warehouse/stock", headers=HTML)
    assert response.status_code == 200
    assert rows(response.text) == [
        ["FLT-01", "Part FLT-01", "", "2", "2", "0", "0", "All reserved"],
        ["GSK-58", "Part GSK-58", "", "10", "4", "6", "6", "Available"],
        ["PMP-9", "Part PMP-9", "", "0", "0", "0", "5", "Out of stock"],
    ]
    page = response.text
    assert page.index('class="wh-row wh-reserved"') < page.index('class="wh-row wh-ok"') < page.index(
        'class="wh-row wh-out"')
    assert 'href="/warehouse/products/' in page and "SRV-H" not in page


async def test_stock_search_filters_and_sorting_follow_the_url(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    found = await three_products()
    seals = await records.create(ProductCategory, {"name": "Seals"})
    await records.update(Product, found["gasket"], {"category": seals["id"]}, version=2)
    utrecht = await shelf("Stock", code="UTR")
    await receive(found["pump"], utrecht, 1)
    van_id = await van("jan")
    await receive(found["filter"], van_id, 3)
    client = await client_as("pieter")

    async def listed(**params: str) -> list[str]:
        response = await client.get("/warehouse/stock", params=params, headers=HTML)
        assert response.status_code == 200
        return first_cells(response.text)

    assert await listed(q="gsk") == ["GSK-58"]
    assert await listed(q="part 9") == ["PMP-9"]
    assert await listed(category=str(seals["id"])) == ["GSK-58"]
    utr = (await Warehouse.select(Warehouse.id).where(Warehouse.code == "UTR").first().run())["id"]
    assert await listed(warehouse=str(utr)) == ["PMP-9"]
    assert await listed(kind="van") == ["FLT-01"]
    assert await listed(availability="available") == ["FLT-01", "GSK-58", "PMP-9"]
    assert await listed(availability="available", kind="internal") == ["GSK-58", "PMP-9"]
    assert await listed(availability="reserved", kind="internal") == ["FLT-01"]
    assert await listed(sort="available", dir="desc") == ["GSK-58", "FLT-01", "PMP-9"]
    assert await listed(sort="on_hand") == ["PMP-9", "FLT-01", "GSK-58"]
    assert await listed(sort="nonsense", kind="bogus") == ["FLT-01", "GSK-58", "PMP-9"]
    fragment = await client.get("/warehouse/stock", params={"q": "flt"}, headers=HTMX)
    assert fragment.text.lstrip().startswith('<div id="rows"') and "<html" not in fragment.text
    assert fragment.headers["hx-push-url"] == "/warehouse/stock?q=flt&sort=code&dir=asc"


async def test_stock_outs_are_stocked_products_with_nothing_available(client_as) -> None:
    found = await three_products()
    extra = await product("ORK-1")
    rule_only = await product("NTC-3")
    await records.create(ReorderRule, {"product": rule_only, "location": found["shelf"], "min_qty": Decimal(1),
                                       "max_qty": Decimal(4)})
    assert extra  # never stocked and no rule: not a stock-out, only "out of stock"
    query = Query(scope=Scope(kind="internal"), availability="stockout")
    page = await stock_levels.by_product(query)
    assert [r.code for r in page.rows] == ["FLT-01", "NTC-3"]
    assert await stock_levels.count(query) == 2
    out = await stock_levels.by_product(Query(availability="out"))
    assert [r.code for r in out.rows] == ["NTC-3", "ORK-1", "PMP-9"]


async def test_the_stock_list_forecast_counts_the_open_moves_of_its_scope_only() -> None:
    gasket, loc = await product("GSK-58"), await shelf("Shelf A")
    van_id = await van("jan")
    await receive(gasket, loc, 10)
    await receive(gasket, van_id, 1)
    await stock.reserve("wo:1", gasket, loc, Decimal(2))  # reserved, so not planned outgoing too
    await transfers.create("internal", loc, van_id, [Line(gasket, Decimal(3))])  # a draft refill of the van

    async def level(scope: Scope, availability: str = "") -> tuple[Decimal, ...]:
        (row,) = (await stock_levels.by_product(Query(scope=scope, availability=availability))).rows
        return row.on_hand, row.reserved, row.incoming, row.outgoing, row.forecast

    assert await level(Scope()) == (11, 2, 3, 3, 9)
    assert await level(Scope(kind="internal")) == (10, 2, 0, 3, 5)
    assert await level(Scope(kind="van")) == (1, 0, 3, 0, 4)
    # Chosen from the summed quants (an availability filter) rather than from products first:
    assert await level(Scope(kind="internal"), "available") == (10, 2, 0, 3, 5)
    assert await level(Scope(kind="van"), "available") == (1, 0, 3, 0, 4)


async def test_pages_of_the_stock_list_never_repeat_or_skip_a_product() -> None:
    loc = await shelf()
    codes = [f"P-{i:02d}" for i in range(7)]
    for code in codes:
        await receive(await product(code), loc, 1)
    for query in (Query(), Query(sort="on_hand", descending=True), Query(availability="available")):
        seen, number = [], 1
        while True:
            page = await stock_levels.by_product(query, number, size=3)
            seen += [r.code for r in page.rows]
            if not page.has_next:
                break
            number += 1
        assert sorted(seen) == codes and len(seen) == len(set(seen)) and number == 3


async def test_the_stock_list_exports_csv_with_the_lists_filters(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    await three_products()
    client = await client_as("pieter")
    export = await client.get("/warehouse/stock/export.csv", params={"availability": "reserved"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(export.text)))
    assert lines[0][:4] == ["Code", "Product", "Category", "On hand"]
    assert [row[0] for row in lines[1:]] == ["FLT-01"]


async def test_stock_by_location_shows_totals_and_value_only_to_who_may_see_costs(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await make_user("pieter", roles=("warehouse",))
    found = await three_products()
    client = await client_as("mia")
    page = (await client.get("/warehouse/stock/locations", headers=HTML)).text
    assert ["DB/Shelf A · Internal", "2", "12", "6", "€120.00"] in rows(page)  # 12 received at 10.00
    assert "/reports/warehouse_stock_valuation.pdf" in page
    client = await client_as("pieter")
    page = (await client.get("/warehouse/stock/locations", headers=HTML)).text
    assert ["DB/Shelf A · Internal", "2", "12", "6"] in rows(page) and "€" not in page
    assert "warehouse_stock_valuation" not in page
    assert found


async def test_the_product_stock_card_shows_places_serials_and_moves_newest_first(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    machine, loc = await product("ESP-2G", tracking="serial"), await shelf("Shelf C")
    van_id = await van("jan")
    await receive(machine, loc, 3, serials=["SN-1", "SN-2", "SN-3"])
    refill = await transfers.create("internal", loc, van_id, [Line(machine, Decimal(1))])
    moves = await transfers.lines(refill["id"])
    await transfers.validate(refill["id"], serials={moves[0]["id"]: ["SN-2"]})
    client = await client_as("pieter")
    page = (await client.get(f"/warehouse/products/{machine}", headers=HTML)).text
    assert "ESP-2G · Part ESP-2G" in page
    serials = page.split("Serial numbers", 1)[1]
    assert "SN-1</td>" in serials and "DB/Shelf C" in serials and "Van Jan" in serials
    history = page.split('id="moves"', 1)[1]
    assert history.index(refill["number"]) < history.index("IN/")  # newest first
    assert "/warehouse/transfers/" in history
    # Pages of moves: htmx swaps only the history.
    older = await client.get(f"/warehouse/products/{machine}", params={"page": "2"}, headers=HTMX)
    assert older.text.lstrip().startswith('<section id="moves"')
    assert (await client.get("/warehouse/products/999999", headers=HTML)).status_code == 404


async def test_the_moves_of_the_stock_card_are_paged_newest_first(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    gasket, loc = await product("GSK-58"), await shelf()
    for _i in range(30):
        await receive(gasket, loc, 1)
    client = await client_as("pieter")
    first = (await client.get(f"/warehouse/products/{gasket}", headers=HTML)).text
    assert first.count('<td class="num">1</td>') == 25 and 'href="?page=2"' in first
    second = (await client.get(f"/warehouse/products/{gasket}", params={"page": "2"}, headers=HTML)).text
    history = second.split('id="moves"', 1)[1]
    assert history.count('<td class="num">1</td>') == 5 and "?page=3" not in history and 'href="?page=1"' in history


async def test_the_stock_card_pages_through_the_open_moves_then_the_done_ones(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    gasket, loc = await product("GSK-58"), await shelf()
    for _i in range(30):
        await receive(gasket, loc, 1)
    customer = await locations.virtual("customer")
    await transfers.create("delivery", loc, customer, [Line(gasket, Decimal(1)) for _i in range(27)])
    client = await client_as("pieter")

    async def states(page: int) -> list[str]:
        html = (await client.get(f"/warehouse/products/{gasket}", params={"page": str(page)}, headers=HTML)).text
        return re.findall(r'class="badge badge-[a-z]+">(Draft|Done)</span>', html.split('id="moves"', 1)[1])

    assert await states(1) == ["Draft"] * 25
    assert await states(2) == ["Draft"] * 2 + ["Done"] * 23
    assert await states(3) == ["Done"] * 7
    assert await states(4) == []


async def test_the_product_page_gets_a_stock_tab_from_the_warehouse(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    await make_user("lotte", roles=("sales",))
    found = await three_products()
    client = await client_as("pieter")
    page = (await client.get(f"/products/{found['gasket']}", headers=HTML)).text
    assert f'hx-get="/warehouse/products/{found["gasket"]}/summary"' in page
    summary = (await client.get(f"/warehouse/products/{found['gasket']}/summary", headers=HTMX)).text
    assert ["DB/Shelf A", "10", "6", "6"] in rows(summary)
    client = await client_as("lotte")  # sales may see products, not the warehouse
    assert "/warehouse/products/" not in (await client.get(f"/products/{found['gasket']}", headers=HTML)).text


async def test_locations_form_a_tree_whose_paths_follow_renames(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    wh = await records.create(Warehouse, {"code": "DB", "name": "Den Bosch"})
    client = await client_as("pieter")
    stock_id = id_in(location_of(await post_form(client, "/warehouse/locations/new", {
        "name": "Stock", "kind": "internal", "warehouse": str(wh["id"]), "count_interval_days": "0"}, headers=HTML)))
    shelf_id = id_in(location_of(await post_form(client, "/warehouse/locations/new", {
        "name": "Shelf A", "kind": "internal", "warehouse": str(wh["id"]), "parent": str(stock_id)}, headers=HTML)))
    names = {r["id"]: r["full_name"] for r in await Location.select(Location.id, Location.full_name).run()}
    assert names[stock_id] == "DB/Stock" and names[shelf_id] == "DB/Stock/Shelf A"
    row = await Location.select(Location.version).where(Location.id == stock_id).first().run()
    response = await post_form(client, f"/warehouse/locations/{stock_id}/edit", {
        "name": "Store", "kind": "internal", "warehouse": str(wh["id"]), "version": str(row["version"])}, headers=HTML)
    location_of(response)
    child = await Location.select(Location.full_name).where(Location.id == shelf_id).first().run()
    assert child["full_name"] == "DB/Store/Shelf A"
    # A location cannot move inside its own subtree.
    row = await Location.select(Location.version).where(Location.id == stock_id).first().run()
    refused = await post_form(client, f"/warehouse/locations/{stock_id}/edit", {
        "name": "Store", "kind": "internal", "parent": str(shelf_id), "version": str(row["version"])}, headers=HTML)
    assert refused.status_code == 400 and "A location cannot be placed inside itself." in refused.text
    # A van needs its technician.
    van_form = await post_form(client, "/warehouse/locations/new", {"name": "Van", "kind": "van"}, headers=HTML)
    assert van_form.status_code == 400 and "A van needs the technician who drives it." in van_form.text
    # A new warehouse code renames every path in it.
    wh_row = await Warehouse.select(Warehouse.version).where(Warehouse.id == wh["id"]).first().run()
    location_of(await post_form(client, f"/warehouse/warehouses/{wh['id']}/edit", {
        "code": "DBS", "name": "Den Bosch", "active": "1", "version": str(wh_row["version"])}, headers=HTML))
    child = await Location.select(Location.full_name).where(Location.id == shelf_id).first().run()
    assert child["full_name"] == "DBS/Store/Shelf A"


async def test_deleting_a_used_location_archives_it_and_archived_ones_are_hidden(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    used, unused = await shelf("Shelf A"), await shelf("Shelf Z")
    await receive(await product(), used, 1)
    client = await client_as("pieter")
    page = (await client.get(f"/warehouse/locations/{used}", headers=HTML)).text
    assert f'action="/warehouse/locations/{used}/archive"' in page and ">Archive<" in page
    assert location_of(await post_form(client, f"/warehouse/locations/{used}/archive", {})).endswith(f"/{used}")
    assert location_of(await post_form(client, f"/warehouse/locations/{unused}/archive", {})) == "/warehouse/locations"
    assert await Location.count().where(Location.id == unused).run() == 0
    row = await Location.select(Location.active).where(Location.id == used).first().run()
    assert row["active"] is False
    listed = first_cells((await client.get("/warehouse/locations", headers=HTML)).text)
    assert "DB/Shelf A" not in listed and "DB/Stock" not in listed
    everything = (await client.get("/warehouse/locations", params={"active": ""}, headers=HTML)).text
    assert "DB/Shelf A" in first_cells(everything)
    assert "active=&amp;" in everything or "active=&" in everything  # "All" survives paging and sorting
    options = (await client.get("/warehouse/locations/options", params={"q": "shelf"})).text
    assert "Shelf A" not in options  # archived locations are not offered in pickers
    assert location_of(await post_form(client, f"/warehouse/locations/{used}/restore", {})).endswith(f"/{used}")
    assert "DB/Shelf A" in first_cells((await client.get("/warehouse/locations", headers=HTML)).text)


async def test_the_shared_virtual_locations_cannot_be_archived_or_change_kind(client_as) -> None:
    from modules.warehouse.services import location as locations

    await make_user("pieter", roles=("warehouse",))
    customers = await locations.virtual("customer")
    client = await client_as("pieter")
    page = (await client.get(f"/warehouse/locations/{customers}", headers=HTML)).text
    assert f'action="/warehouse/locations/{customers}/archive"' not in page
    assert location_of(await post_form(client, f"/warehouse/locations/{customers}/archive", {})).endswith(
        f"/{customers}")
    page = (await client.get(f"/warehouse/locations/{customers}", headers=HTML)).text
    assert "shared virtual location" in page  # the refusal, flashed where the user is
    row = await Location.select(Location.active, Location.kind, Location.version).where(
        Location.id == customers).first().run()
    assert row["active"] is True
    with pytest.raises(locations.InvalidLocation) as refused:
        await locations.update(customers, {"name": "Customers", "kind": "internal"}, row["version"])
    assert refused.value.field == "kind"
    assert (await Location.select(Location.kind).where(Location.id == customers).first().run())["kind"] == "customer"


async def test_stock_pages_answer_only_warehouse_staff(client_as) -> None:
    await make_user("jan", roles=("technician",))
    await make_user("lotte", roles=("sales",))
    await make_user("inge", roles=("purchaser",))
    found = await three_products()
    pages = ["/warehouse/stock", "/warehouse/stock/locations", "/warehouse/stock/export.csv",
             f"/warehouse/products/{found['gasket']}", "/warehouse/transfers", "/warehouse/locations",
             f"/warehouse/locations/{found['shelf']}", "/warehouse/warehouses"]
    for login in ("jan", "lotte"):
        client = await client_as(login)
        for url in pages:
            assert (await client.get(url, headers=HTML)).status_code == 403, (login, url)
    client = await client_as("inge")  # purchasers read stock but change nothing here
    for url in pages:
        assert (await client.get(url, headers=HTML)).status_code == 200, url
    assert (await client.get("/warehouse/transfers/new", headers=HTML)).status_code == 403
    assert (await client.get("/warehouse/locations/new", headers=HTML)).status_code == 403
    assert "/warehouse/stock/locations" in (await client.get("/warehouse", follow_redirects=True,
                                                             headers=HTML)).text


async def test_the_dashboard_shows_stock_outs_and_stock_value(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await make_user("pieter", roles=("warehouse",))
    await three_products()
    client = await client_as("mia")
    home = (await client.get("/", headers=HTML)).text
    tile = home.split('id="tile-warehouse-stock_outs"', 1)[1].split("</section>", 1)[0]
    assert "FLT-01" in tile and "all reserved" in tile and "availability=stockout" in tile
    value = home.split('id="tile-warehouse-stock_value"', 1)[1].split("</section>", 1)[0]
    assert "€120.00" in value and "<svg" in value
    client = await client_as("pieter")  # no costs for warehouse staff
    home = (await client.get("/", headers=HTML)).text
    assert "tile-warehouse-stock_outs" in home and "tile-warehouse-stock_value" not in home
