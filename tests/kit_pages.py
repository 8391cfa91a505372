"""Shared helpers of the list/form kit page tests (partners, products): an app whose
catalog adds a record rule on partners, and a client that signs users in."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from core.app import create_app
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.modules.manifest import Manifest, RecordRule
from core.partners.models import Partner
from core.testing import app_client, sign_in

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "hx-request": "true"}

# A rule from a test module: users of the role "sales" see customers only.
RULES = Manifest(
    name="partner_rules", version="0.1.0", summary="Test: sales sees only customers",
    depends=("core",),
    record_rules=(RecordRule("customers only", Partner, ("sales",),
                             lambda uid: Partner.is_customer == True),),  # noqa: E712
)


# Test files import these two fixtures by their function names (ruled_catalog_fixture,
# client_as_fixture); tests ask for them as `ruled_catalog` and `client_as`.
@pytest.fixture(name="ruled_catalog")
async def ruled_catalog_fixture(core_db: str) -> Catalog:
    catalog = discover(extra=(RULES,))
    await lifecycle.install(catalog, ["partner_rules"])
    return catalog


Login = Callable[[str], Any]


@pytest.fixture(name="client_as")
async def client_as_fixture(ruled_catalog: Catalog, core_db: str, settings_for) -> AsyncIterator[Login]:
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), ruled_catalog)
    async with app_client(app) as client:

        async def login(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield login


def cells(html: str) -> list[list[str]]:
    """The text of each body row's cells (tags stripped) of the list's table."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [[html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in rows]


def names(html: str) -> list[str]:
    return [row[0] for row in cells(html)]
