"""The language switch in the user menu: from any page, back to that page, in the
chosen language (texts, `<html lang>`, numbers and dates)."""

from __future__ import annotations

import re

import httpx

from core.app import create_app
from core.modules.discovery import Catalog
from core.testing import app_client, make_user, post_form, sign_in

HTML = {"accept": "text/html"}


def next_field(page: str) -> str:
    """The `next` of the user menu's language form."""
    form = re.search(r'<form method="post" action="/account/preferences".*?</form>', page, re.S)
    assert form, "the page has the language switch"
    found = re.search(r'name="next" value="([^"]*)"', form.group(0))
    assert found
    return found.group(1).replace("&amp;", "&")


async def switch(client: httpx.AsyncClient, language: str, page: str, **headers: str) -> httpx.Response:
    return await post_form(client, "/account/preferences", {"language": language, "next": next_field(page)},
                           headers=headers)


async def test_switching_to_dutch_returns_to_the_same_page_in_dutch(core_db: str, catalog: Catalog,
                                                                     settings_for) -> None:
    await make_user("eva", roles=("manager",))
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        before = await client.get("/contacts/partners?q=kroon&sort=city", headers=HTML)
        assert '<html lang="en">' in before.text and ">Partners</h1>" in before.text
        switched = await switch(client, "nl", before.text)
        assert switched.status_code == 303
        assert switched.headers["location"] == "/contacts/partners?q=kroon&sort=city"
        after = await client.get(switched.headers["location"], headers=HTML)
        assert '<html lang="nl">' in after.text
        assert ">Relaties</h1>" in after.text and ">Nieuwe relatie<" in after.text
        back = await switch(client, "en", (await client.get("/account", headers=HTML)).text)
        assert back.headers["location"] == "/account"
        assert "My account" in (await client.get("/account", headers=HTML)).text


async def test_a_page_filtered_through_htmx_is_returned_to_with_its_filters(core_db: str, catalog: Catalog,
                                                                           settings_for) -> None:
    """htmx pushed a newer query into the address bar; the browser sends it as the Referer."""
    await make_user("eva", roles=("manager",))
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        page = (await client.get("/contacts/partners", headers=HTML)).text
        switched = await switch(client, "nl", page, referer="http://testserver/contacts/partners?customer=yes")
        assert switched.headers["location"] == "/contacts/partners?customer=yes"
        elsewhere = await switch(client, "en", page, referer="http://evil.example/contacts/partners?x=1")
        assert elsewhere.headers["location"] == "/contacts/partners", "another site's Referer is ignored"


async def test_a_page_shown_again_after_a_post_leads_back_to_the_page_that_posted(
    core_db: str, catalog: Catalog, settings_for
) -> None:
    await make_user("eva", roles=("manager",))
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        refused = await post_form(client, "/account/password", {"current": "wrong", "new": "x", "confirm": "x"},
                                  headers={"referer": "http://testserver/account"})
        assert refused.status_code == 400
        assert next_field(refused.text) == "/account", "a GET to /account/password would not answer"


async def test_the_switch_never_leads_to_another_site(core_db: str, catalog: Catalog, settings_for) -> None:
    await make_user("eva", roles=("manager",))
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            response = await post_form(client, "/account/preferences", {"language": "nl", "next": target})
            assert response.headers["location"] == "/", target


async def test_signed_out_pages_speak_the_firms_language(core_db: str, catalog: Catalog, settings_for) -> None:
    app = create_app(settings_for(core_db, language="nl", registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        login = await client.get("/login", headers=HTML)
    assert '<html lang="nl">' in login.text


async def test_money_and_dates_on_a_page_follow_the_users_language(core_db: str, catalog: Catalog,
                                                                   settings_for) -> None:
    from decimal import Decimal

    from core.db import records
    from core.products.models import Product

    product = await records.create(Product, {"code": "DESC-1", "name": "Ontkalker", "sale_price": Decimal("1234.5")})
    await make_user("eva", roles=("manager",))
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        english = (await client.get(f"/products/{product['id']}", headers=HTML)).text
        await post_form(client, "/account/preferences", {"language": "nl", "next": "/"})
        dutch = (await client.get(f"/products/{product['id']}", headers=HTML)).text
    assert "€1,234.50" in english
    assert "€\xa01.234,50" in dutch or "€&nbsp;1.234,50" in dutch
