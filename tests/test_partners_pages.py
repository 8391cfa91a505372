"""The partner and territory pages: permissions, the detail page, and output escaping of
hostile text on the list, the detail page and the CSV export."""

from __future__ import annotations

from kit_pages import HTML, HTMX, client_as_fixture, names, ruled_catalog_fixture  # noqa: F401

from core.db import records
from core.partners.models import Partner, Territory
from core.testing import make_user, post_form

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', '<div hx-get="/logout">')
TEXT_FIELDS = ("name", "reference", "vat_number", "email", "phone", "job_title", "street", "postcode",
               "city", "notes")
ALL_COLUMNS = [("cols", c) for c in ("name", "kind", "reference", "parent_name", "city", "email", "phone",
                                      "territory_name", "vat_number", "country")]


def assert_escaped(html: str) -> None:
    for payload in PAYLOADS:
        assert payload not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;div hx-get=&#34;/logout&#34;&gt;" in html


async def test_users_without_the_permission_are_refused(client_as) -> None:
    await make_user("nobody", permissions=("core.home.read",))
    await make_user("reader", permissions=("core.partner.read",))
    row = await records.create(Partner, {"name": "Hotel Central"})
    client = await client_as("nobody")
    for url in ("/contacts/partners", "/contacts/partners/export.csv", f"/contacts/partners/{row['id']}",
                "/contacts/partners/options", "/contacts/territories"):
        assert (await client.get(url, headers=HTML)).status_code == 403, url
    client = await client_as("reader")
    assert (await client.get("/contacts/partners", headers=HTML)).status_code == 200
    page = (await client.get(f"/contacts/partners/{row['id']}", headers=HTML)).text
    assert f'/contacts/partners/{row["id"]}/edit"' not in page  # no Edit button without write
    for url in ("/contacts/partners/new", f"/contacts/partners/{row['id']}/edit"):
        assert (await client.get(url, headers=HTML)).status_code == 403, url
    refused = await post_form(client, f"/contacts/partners/{row['id']}/edit",
                              {"name": "Taken over", "kind": "organisation", "version": "1"}, headers=HTML)
    assert refused.status_code == 403
    assert (await Partner.select(Partner.name).where(Partner.id == row["id"]).first().run())["name"] == "Hotel Central"


async def test_the_detail_page_shows_the_partner_its_people_and_the_history_tab(client_as) -> None:
    await make_user("mia", roles=("manager",))
    nbo = await records.create(Territory, {"code": "NBO", "name": "Noord-Brabant Oost"})
    org = await records.create(Partner, {"name": "Café De Zwaan", "city": "'s-Hertogenbosch", "is_customer": True,
                                         "territory": nbo["id"], "notes": "Two-group machine."})
    await records.create(Partner, {"name": "Marieke van den Heuvel", "kind": "person", "parent": org["id"],
                                   "job_title": "Owner"})
    client = await client_as("mia")
    response = await client.get(f"/contacts/partners/{org['id']}", headers=HTML)
    assert response.status_code == 200
    page = response.text
    assert "<h1" in page and "Café De Zwaan" in page and "Noord-Brabant Oost" in page
    assert "Marieke van den Heuvel" in page and "Owner" in page and "Two-group machine." in page
    assert f'href="/contacts/partners/{org["id"]}/edit"' in page
    assert "History" in page
    assert (await client.get("/contacts/partners/999999", headers=HTML)).status_code == 404


async def test_hostile_text_in_every_partner_field_comes_back_escaped(client_as) -> None:
    await make_user("mia", roles=("manager",))
    territory = await records.create(Territory, {"code": "X", "name": PAYLOADS[0] + PAYLOADS[2]})
    made = []
    for payload in PAYLOADS:
        # Cut to the column's length (PostgreSQL enforces it): the postcode holds 20 characters.
        values = {f: payload[: getattr(Partner._meta.get_column_by_name(f), "length", None)] for f in TEXT_FIELDS}
        made.append(await records.create(Partner, {**values, "territory": territory["id"]}))
    client = await client_as("mia")
    listed = await client.get("/contacts/partners", params=ALL_COLUMNS, headers=HTML)
    assert len(names(listed.text)) == 3
    assert_escaped(listed.text)
    assert_escaped((await client.get("/contacts/partners", params=ALL_COLUMNS, headers=HTMX)).text)
    for row in made:
        assert_escaped((await client.get(f"/contacts/partners/{row['id']}", headers=HTML)).text)
        assert_escaped((await client.get(f"/contacts/partners/{row['id']}/edit", headers=HTML)).text)
    exported = await client.get("/contacts/partners/export.csv", params=ALL_COLUMNS)
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in exported.headers["content-disposition"]
    assert_options = (await client.get("/contacts/partners/options", params={"q": "alert"})).text
    assert "<script>" not in assert_options and "&lt;script&gt;" in assert_options


async def test_hostile_text_typed_into_the_form_is_stored_as_text_and_escaped(client_as) -> None:
    await make_user("mia", roles=("manager",))
    client = await client_as("mia")
    free_text = ("name", "reference", "job_title", "street", "city", "notes")  # postcode: 20 characters
    for payload in PAYLOADS:
        response = await post_form(client, "/contacts/partners/new", {
            **{f: payload for f in free_text}, "kind": "organisation", "language": "nl", "country": "NL",
            "email": payload, "phone": payload,
        }, headers=HTML)
        assert response.status_code == 400  # e-mail and phone refuse it, the page escapes it
        assert payload not in response.text
    response = await post_form(client, "/contacts/partners/new", {
        **{f: PAYLOADS[2] for f in free_text}, "kind": "organisation", "language": "nl", "country": "NL",
    }, headers=HTML)
    assert response.status_code == 303
    detail = (await client.get(response.headers["location"], headers=HTML)).text
    assert PAYLOADS[2] not in detail and "&lt;div hx-get=&#34;/logout&#34;&gt;" in detail


async def test_territories_have_their_own_list_and_form(client_as) -> None:
    await make_user("mia", roles=("manager",))
    client = await client_as("mia")
    created = await post_form(client, "/contacts/territories/new",
                              {"code": "NBO", "name": "Noord-Brabant Oost", "postcodes": "52, 53,54"}, headers=HTML)
    assert created.status_code == 303
    row = await Territory.select().where(Territory.code == "NBO").first().run()
    assert row["postcodes"] == "52,53,54"
    duplicate = await post_form(client, "/contacts/territories/new",
                                {"code": "NBO", "name": "Again", "postcodes": "5x"}, headers=HTML)
    assert duplicate.status_code == 400
    assert "This value is already used by another record." in duplicate.text
    assert "Enter two-digit prefixes separated by commas" in duplicate.text
    assert names((await client.get("/contacts/territories", headers=HTML)).text) == ["NBO"]
    page = (await client.get("/contacts/territories", headers=HTML)).text
    assert 'aria-current="page">Territories</a>' in page and ">Contacts</a>" in page
