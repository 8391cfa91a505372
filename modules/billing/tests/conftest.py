"""Fixtures for billing tests: a database with the module installed, customers and invoices
built through the services (never raw SQL), and a client that signs users in."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.app import create_app
from core.db import records
from core.modules.discovery import Catalog
from core.partners.models import Partner
from core.products.models import Product
from core.testing import app_client, sign_in
from modules.billing.services import invoice as invoices
from modules.billing.services.invoice import Line

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "hx-request": "true"}
Login = Callable[[str], Any]


@pytest.fixture
async def billing_db(installed: Any) -> str:
    return str(await installed("billing"))


@pytest.fixture
def speaking(catalog: Catalog) -> Any:
    """Switch the language of messages (catalogues loaded as the app loads them)."""
    from core import i18n
    from core.settings import ROOT

    i18n.load_catalogues([ROOT / "core", *[m.root for m in catalog.manifests.values() if m.root]])
    token = i18n.language.set("en")
    yield lambda lang: i18n.language.set(lang)
    i18n.language.reset(token)


@pytest.fixture
async def client_as(billing_db: str, catalog: Catalog, settings_for) -> AsyncIterator[Login]:
    app = create_app(settings_for(billing_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:

        async def login(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield login


async def customer(name: str = "Café De Zwaan", **values: Any) -> int:
    row = await records.create(Partner, {"name": name, "is_customer": True, "street": "Markt 21",
                                         "postcode": "5211 JV", "city": "'s-Hertogenbosch",
                                         "vat_number": "NL001482734B62", "reference": "C0001", **values})
    return int(row["id"])


async def product(code: str = "CON-DESC", name: str = "Descaler, 1 l bottle", price: str = "14.95",
                  kind: str = "consumable") -> int:
    row = await records.create(Product, {"code": code, "name": name, "kind": kind, "sale_price": Decimal(price)})
    return int(row["id"])


async def draft(partner: int | None = None, *lines: Line, **header: Any) -> dict[str, Any]:
    given = lines or (Line("Maintenance visit", 1, "195.00"), Line("Descaling kit", 2, "14.95"))
    return await invoices.create_draft(partner or await customer(), list(given), **header)


def text(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
