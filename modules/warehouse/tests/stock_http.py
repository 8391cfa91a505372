"""Shared helpers of the stock pages' tests: an app with the warehouse installed, a client
that signs users in, and small readers of the HTML it answers.

Test files import the fixture by its function name (`client_as_fixture`) and ask for
it as `client_as`."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from core.app import create_app
from core.modules.discovery import Catalog
from core.testing import app_client, sign_in

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "hx-request": "true"}
Login = Callable[[str], Any]


@pytest.fixture(name="client_as")
async def client_as_fixture(warehouse_db: str, catalog: Catalog, settings_for) -> AsyncIterator[Login]:
    app = create_app(settings_for(warehouse_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:

        async def login(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield login


def text(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def rows(html: str) -> list[list[str]]:
    """The text of each cell of each row of the first table body."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def first_cells(html: str) -> list[str]:
    return [r[0] for r in rows(html) if r]


def location_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text[:800]
    return response.headers["location"]


def id_in(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[1])
