"""The stock area's printed documents: the delivery note / packing slip of a transfer
(Print button on its page) and the stock valuation (only for who may see costs)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from core.db import records
from core.partners.models import Partner
from core.testing import make_user
from modules.warehouse.services import location as locations
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.transfer import Line
from modules.warehouse.tests.conftest import product, shelf
from modules.warehouse.tests.stock_http import (
    HTML,
    client_as_fixture,  # noqa: F401 (the `client_as` fixture)
)
from modules.warehouse.tests.test_stock import receive

pytestmark = pytest.mark.usefixtures("warehouse_db")


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


async def partial_delivery() -> dict:
    gasket, filter_, loc = await product("GSK-58"), await product("FLT-01"), await shelf("Shelf A")
    await receive(gasket, loc, 10)
    kroon = await records.create(Partner, {"name": "Café De Kroon", "is_customer": True, "street": "Oudegracht 12",
                                           "postcode": "3511 AB", "city": "Utrecht"})
    t = await transfers.create("delivery", loc, await locations.virtual("customer"),
                               [Line(gasket, Decimal(4)), Line(filter_, Decimal(2))], partner=kroon["id"],
                               origin="SO-1017")
    moves = await transfers.lines(t["id"])
    result = await transfers.validate(t["id"], done={moves[0]["id"]: Decimal(4), moves[1]["id"]: Decimal(0)})
    return {**t, "backorder": result["backorder"]}


async def test_the_delivery_note_prints_what_left_and_what_follows(client_as) -> None:
    await make_user("pieter", roles=("warehouse",))
    t = await partial_delivery()
    client = await client_as("pieter")
    page = (await client.get(f"/warehouse/transfers/{t['id']}", headers=HTML)).text
    assert f'href="/reports/warehouse_delivery_note/{t["id"]}.pdf"' in page and "Print Delivery note" in page
    response = await client.get(f"/reports/warehouse_delivery_note/{t['id']}.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert t["number"].replace("/", "-") in response.headers["content-disposition"]
    # Written in the customer's language (Café De Kroon reads Dutch), whoever prints it.
    text = pdf_text(response.content)
    assert "Pakbon" in text and t["number"] in text and "Café De Kroon" in text and "Oudegracht 12" in text
    assert "GSK-58" in text and "SO-1017" in text and "Volgt nog" in text and "FLT-01" in text
    assert "Handtekening" in text and "Delivery note" not in text
    # An internal transfer (no customer) prints as a packing slip in the reader's language,
    # with a box to tick per line.
    loc, van = await shelf("Shelf A"), await shelf("Van", code="DB")
    move = await transfers.create("internal", loc, van, [Line(await product("ORK-1"), Decimal(1))])
    preview = await client.get(f"/reports/warehouse_delivery_note/{move['id']}.html")
    assert "Packing slip" in preview.text and "Packed" in preview.text


async def test_the_stock_valuation_is_for_who_may_see_costs(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await make_user("pieter", roles=("warehouse",))
    await make_user("jan", roles=("technician",))
    await partial_delivery()
    client = await client_as("mia")
    page = (await client.get("/warehouse/stock/locations", headers=HTML)).text
    assert 'href="/reports/warehouse_stock_valuation.pdf"' in page
    response = await client.get("/reports/warehouse_stock_valuation.pdf")
    assert response.status_code == 200
    text = pdf_text(response.content)
    # 6 gaskets left at an average cost of 10.00.
    assert "Stock valuation" in text and "DB/Shelf A" in text and "GSK-58" in text and "€60.00" in text
    for login in ("pieter", "jan"):
        client = await client_as(login)
        assert (await client.get("/reports/warehouse_stock_valuation.pdf")).status_code == 403


async def test_technicians_cannot_print_delivery_notes(client_as) -> None:
    await make_user("jan", roles=("technician",))
    t = await partial_delivery()
    client = await client_as("jan")
    assert (await client.get(f"/reports/warehouse_delivery_note/{t['id']}.pdf")).status_code == 403
