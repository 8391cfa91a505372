"""The product and product category pages: money in the company currency, the code
kept unique, tracking only for stock, filters, permissions and output escaping."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from kit_pages import HTML, HTMX, cells, client_as_fixture, names, ruled_catalog_fixture  # noqa: F401

from core.db import records
from core.products.models import Product, ProductCategory
from core.testing import make_user, post_form

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', '<div hx-get="/logout">')
ALL_COLUMNS = [("cols", c) for c in ("code", "name", "kind", "category_name", "unit", "sale_price", "cost",
                                      "tracking", "warranty_months", "active")]
FORM = {"code": "ESP-2G", "name": "Espresso machine 2 groups", "kind": "stockable", "unit": "unit",
        "sale_price": "7.450,00", "cost": "4812,5", "tracking": "serial", "warranty_months": "24", "active": "1"}


async def test_a_product_is_created_with_money_typed_the_dutch_way(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    machines = await records.create(ProductCategory, {"name": "Espresso machines"})
    client = await client_as("pieter")
    form_page = (await client.get("/products/new", headers=HTML)).text
    assert '<span class="kit-affix">EUR</span>' in form_page and '<span class="kit-affix">months</span>' in form_page
    response = await post_form(client, "/products/new", {**FORM, "category": str(machines["id"])}, headers=HTML)
    assert response.status_code == 303
    row = await Product.select().where(Product.code == "ESP-2G").first().run()
    assert row["sale_price"] == Decimal("7450.00") and row["cost"] == Decimal("4812.5")
    assert row["category"] == machines["id"] and row["warranty_months"] == 24
    detail = (await client.get(response.headers["location"], headers=HTML)).text
    assert "€7,450.00" in detail and "Espresso machines" in detail and "24 months" in detail
    assert "By serial number" in detail
    edit = (await client.get(f"/products/{row['id']}/edit", headers=HTML)).text
    assert 'value="7450.00"' in edit and 'value="4812.50"' in edit


async def test_a_duplicate_code_and_tracking_a_service_are_refused_inline(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    await records.create(Product, {"code": "ESP-2G", "name": "Espresso machine"})
    client = await client_as("pieter")
    response = await post_form(client, "/products/new", FORM, headers=HTML)
    assert response.status_code == 400 and "This value is already used by another record." in response.text
    service = await post_form(client, "/products/new", {**FORM, "code": "SRV-1", "kind": "service"}, headers=HTML)
    assert service.status_code == 400
    assert "Only stockable products are tracked by lot or serial number." in service.text
    assert await Product.count().run() == 1


async def test_a_code_saved_by_someone_else_after_the_check_is_a_field_error_not_a_crash(client_as, monkeypatch) -> None:
    from core.web.kit import crud

    await make_user("pieter", roles=("warehouse",))
    checked = crud.validate

    async def then_someone_else_saves(form, data, *args, **kwargs):  # between the form's check and its write
        found = await checked(form, data, *args, **kwargs)
        await records.create(Product, {"code": data["code"], "name": f"Saved first as {data['code']}"})
        return found

    monkeypatch.setattr(crud, "validate", then_someone_else_saves)
    client = await client_as("pieter")
    response = await post_form(client, "/products/new", FORM, headers=HTML)
    assert response.status_code == 400
    assert 'aria-describedby="f-code-error"' in response.text
    assert "This value is already used by another record." in response.text
    assert 'value="Espresso machine 2 groups"' in response.text  # what was typed is kept
    assert [r["name"] for r in await Product.select(Product.name).run()] == ["Saved first as ESP-2G"]
    other = await records.create(Product, {"code": "GR-1", "name": "Grinder"})
    edit = await post_form(client, f"/products/{other['id']}/edit", {**FORM, "code": "GR-2", "version": "1"},
                           headers=HTML)
    assert edit.status_code == 400 and 'aria-describedby="f-code-error"' in edit.text
    assert await Product.select(Product.code).where(Product.id == other["id"]).first().run() == {"code": "GR-1"}


async def test_the_database_refusing_a_duplicate_names_the_column(client_as) -> None:
    from core.db.records import DuplicateValue

    await records.create(Product, {"code": "ESP-2G", "name": "Espresso machine"})
    try:
        await records.create(Product, {"code": "ESP-2G", "name": "Again"})
    except DuplicateValue as exc:
        assert exc.columns == ("code",) and exc.table is Product
    else:
        raise AssertionError("a duplicate code was saved")
    assert await Product.count().run() == 1


async def test_filters_sorting_and_the_money_column(client_as) -> None:
    await make_user("mia", roles=("manager",))
    grinders = await records.create(ProductCategory, {"name": "Grinders"})
    await records.create(Product, {"code": "GR-1", "name": "Grinder", "category": grinders["id"],
                                   "sale_price": Decimal("1299.00")})
    await records.create(Product, {"code": "SRV-H", "name": "Service hour", "kind": "service", "unit": "hour",
                                   "sale_price": Decimal("85.00")})
    await records.create(Product, {"code": "OLD-1", "name": "Old grinder", "active": False})
    client = await client_as("mia")

    async def listed(**params: str) -> list[str]:
        return names((await client.get("/products", params=params, headers=HTML)).text)

    assert await listed(kind="service") == ["SRV-H"]
    assert await listed(category=str(grinders["id"])) == ["GR-1"]
    assert await listed(active="no") == ["OLD-1"]
    assert await listed(q="grinder", sort="code", dir="desc") == ["OLD-1", "GR-1"]
    rows = cells((await client.get("/products", params={"q": "GR-1"}, headers=HTML)).text)
    assert rows == [["GR-1", "Grinder", "Stockable", "Grinders", "€1,299.00", "✓Yes"]]
    export = (await client.get("/products/export.csv", params={"q": "gr-1", "cols": ["code", "sale_price"]})).text
    assert list(csv.reader(io.StringIO(export))) == [["Code", "Sale price"], ["GR-1", "1299.00"]]


async def test_technicians_read_products_but_may_not_change_them(client_as) -> None:
    await make_user("jan", roles=("technician",))
    row = await records.create(Product, {"code": "F-1", "name": "Water filter"})
    client = await client_as("jan")
    assert (await client.get("/products", headers=HTML)).status_code == 200
    assert (await client.get(f"/products/{row['id']}", headers=HTML)).status_code == 200
    assert (await client.get("/products/new", headers=HTML)).status_code == 403
    assert (await client.get("/products/categories/new", headers=HTML)).status_code == 403
    refused = await post_form(client, f"/products/{row['id']}/edit", {**FORM, "version": "1"}, headers=HTML)
    assert refused.status_code == 403


async def test_hostile_text_in_every_product_field_comes_back_escaped(client_as) -> None:
    await make_user("mia", roles=("manager",))
    category = await records.create(ProductCategory, {"name": PAYLOADS[0] + PAYLOADS[2]})
    made = [await records.create(Product, {"code": f"X{i}{p}", "name": p, "description": p,
                                           "category": category["id"]})
            for i, p in enumerate(PAYLOADS)]
    client = await client_as("mia")
    for page in ((await client.get("/products", params=ALL_COLUMNS, headers=HTML)).text,
                 (await client.get("/products", params=ALL_COLUMNS, headers=HTMX)).text,
                 *[(await client.get(f"/products/{r['id']}", headers=HTML)).text for r in made],
                 *[(await client.get(f"/products/{r['id']}/edit", headers=HTML)).text for r in made],
                 (await client.get(f"/products/categories/{category['id']}", headers=HTML)).text):
        for payload in PAYLOADS:
            assert payload not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    exported = await client.get("/products/export.csv", params=ALL_COLUMNS)
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["x-content-type-options"] == "nosniff"


async def test_categories_nest_but_not_in_themselves(client_as) -> None:
    await make_user("mia", roles=("manager",))
    client = await client_as("mia")
    parent = await post_form(client, "/products/categories/new", {"name": "Machines"}, headers=HTML)
    assert parent.status_code == 303
    parent_id = int(parent.headers["location"].rsplit("/", 1)[1])
    child = await post_form(client, "/products/categories/new", {"name": "Espresso", "parent": str(parent_id)},
                            headers=HTML)
    assert child.status_code == 303
    itself = await post_form(client, f"/products/categories/{parent_id}/edit",
                             {"name": "Machines", "parent": str(parent_id), "version": "1"}, headers=HTML)
    assert itself.status_code == 400 and "A record cannot refer to itself." in itself.text
    rows = cells((await client.get("/products/categories", headers=HTML)).text)
    assert rows == [["Espresso", "Machines"], ["Machines", ""]]
    page = (await client.get("/products/categories", headers=HTML)).text
    assert 'aria-current="page">Categories</a>' in page
