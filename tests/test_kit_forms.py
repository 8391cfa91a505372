"""Forms of the UI kit (core.web.kit.forms and the CRUD controller): typed parsing, errors
inline per field with the typed values kept and nothing saved, the optimistic lock
refusing a stale edit, and the many2one picker with and without JavaScript."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kit_pages import HTML, HTMX, client_as_fixture, ruled_catalog_fixture  # noqa: F401

from core.db import records
from core.db.audit import AuditEntry
from core.partners.controllers import PARTNER_FORM
from core.partners.models import Partner, Territory
from core.products.controllers import PRODUCT_FORM
from core.testing import make_user, post_form
from core.web.kit import Field, Form, parse


def test_values_are_typed_and_each_bad_field_gets_its_own_message() -> None:
    values, errors = parse(PRODUCT_FORM, {
        "code": "ESP-2G", "name": "Espresso machine", "kind": "stockable", "unit": "unit",
        "sale_price": "1.234,50", "cost": "812.1234", "tracking": "serial", "warranty_months": "24",
        "active": "1",
    })
    assert errors == {}
    assert values["sale_price"] == Decimal("1234.50") and values["cost"] == Decimal("812.1234")
    assert values["warranty_months"] == 24 and values["active"] is True and values["category"] is None
    _values, errors = parse(PRODUCT_FORM, {
        "code": "has space", "name": "", "kind": "boat", "unit": "unit", "sale_price": "12,345",
        "cost": "abc", "tracking": "none", "warranty_months": "999999999999",
    })
    assert set(errors) == {"code", "name", "kind", "sale_price", "cost", "warranty_months"}
    assert errors["name"] == "This field is required."
    assert errors["sale_price"] == "At most 2 decimals."
    assert errors["cost"] == "Enter a number."


def test_lengths_come_from_the_column_and_dates_and_emails_are_checked() -> None:
    form = Form(table=Partner, fields=(Field("name", "Name"), Field("email", "E-mail", "email")))
    _v, errors = parse(form, {"name": "x" * 201, "email": "not-an-address"})
    assert errors == {"name": "At most 200 characters.",
                      "email": "Enter an e-mail address like name@example.com."}
    dated = Form(table=Partner, fields=(Field("notes", "When", "date"),))
    assert parse(dated, {"notes": "2026-02-30"})[1] == {"notes": "Enter a date as YYYY-MM-DD."}
    assert parse(dated, {"notes": "2026-02-28"})[0] == {"notes": dt.date(2026, 2, 28)}


def test_cross_field_rules_run_once_the_fields_are_valid() -> None:
    _v, errors = parse(PARTNER_FORM, {"kind": "organisation", "name": "Hotel", "parent": "5",
                                      "language": "nl", "country": "NL"})
    assert errors == {"parent": "Only a person belongs to an organisation."}


async def partner_count() -> int:
    return await Partner.count().run()


async def test_an_invalid_form_shows_field_errors_keeps_values_and_saves_nothing(client_as) -> None:
    await make_user("mia", roles=("manager",))
    client = await client_as("mia")
    before, audit = await partner_count(), await AuditEntry.count().run()
    response = await post_form(client, "/contacts/partners/new", {
        "kind": "organisation", "name": "Koffie & Co", "email": "koffie-at-co", "country": "N1",
        "language": "nl", "city": "Den Bosch", "is_customer": "1",
    }, headers=HTML)
    assert response.status_code == 400
    page = response.text
    assert 'aria-invalid="true" aria-describedby="f-email-error"' in page
    assert "Enter an e-mail address like name@example.com." in page
    assert "Enter a two-letter country code such as NL." in page
    assert 'value="Koffie &amp; Co"' in page and 'value="koffie-at-co"' in page and 'value="Den Bosch"' in page
    assert 'name="is_customer" checked' in page and 'name="is_supplier" checked' not in page
    assert await partner_count() == before and await AuditEntry.count().run() == audit


async def test_a_valid_form_creates_the_record_and_redirects_to_it(client_as) -> None:
    await make_user("mia", roles=("manager",))
    territory = await records.create(Territory, {"code": "NBO", "name": "Noord-Brabant Oost"})
    client = await client_as("mia")
    response = await post_form(client, "/contacts/partners/new", {
        "kind": "organisation", "name": "Stadshotel", "email": "info@stadshotel.nl", "country": "nl",
        "language": "nl", "territory": str(territory["id"]), "is_customer": "1", "active": "1",
    }, headers=HTML)
    assert response.status_code == 303
    row = await Partner.select().where(Partner.name == "Stadshotel").first().run()
    assert response.headers["location"] == f"/contacts/partners/{row['id']}"
    assert row["country"] == "NL" and row["territory"] == territory["id"] and row["is_customer"] is True
    assert row["is_supplier"] is False and row["created_by"] is not None


async def test_a_stale_edit_is_refused_with_409_and_a_reload_link(client_as) -> None:
    await make_user("mia", roles=("manager",))
    row = await records.create(Partner, {"name": "Bistro Oost", "city": "Oss"})
    await records.update(Partner, row["id"], {"city": "Uden"}, version=1)  # someone else saved
    client = await client_as("mia")
    form = {"kind": "organisation", "name": "Bistro Oost", "city": "Veghel", "country": "NL",
            "language": "nl", "version": "1"}
    response = await post_form(client, f"/contacts/partners/{row['id']}/edit", form, headers=HTML)
    assert response.status_code == 409
    assert "your changes were not saved" in response.text
    assert f'href="/contacts/partners/{row["id"]}/edit">Reload the record</a>' in response.text
    assert 'value="Veghel"' in response.text
    stored = await Partner.select(Partner.city, Partner.version).where(Partner.id == row["id"]).first().run()
    assert stored == {"city": "Uden", "version": 2}
    fresh = await post_form(client, f"/contacts/partners/{row['id']}/edit", {**form, "version": "2"}, headers=HTML)
    assert fresh.status_code == 303


async def test_the_options_route_searches_as_you_type_within_the_filters(client_as) -> None:
    await make_user("mia", roles=("manager",))
    org = await records.create(Partner, {"name": "Hotel Zwaanhof"})
    await records.create(Partner, {"name": "Zwaantje Jansen", "kind": "person"})
    client = await client_as("mia")
    response = await client.get("/contacts/partners/options",
                                params={"kind": "organisation", "field": "parent", "_q_parent": "ZWAAN"},
                                headers=HTMX)
    assert response.status_code == 200
    assert f'<option value="{org["id"]}" selected>Hotel Zwaanhof</option>' in response.text
    assert "Jansen" not in response.text and "<html" not in response.text
    form = (await client.get("/contacts/partners/new", headers=HTML)).text
    assert 'hx-get="/contacts/partners/options?kind=organisation"' in form
    assert 'hx-trigger="input changed delay:250ms from:#f-parent-q, click"' in form


async def test_the_picker_searches_without_javascript_and_saves_nothing(client_as) -> None:
    await make_user("mia", roles=("manager",))
    nbo = await records.create(Territory, {"code": "NBO", "name": "Noord-Brabant Oost"})
    await records.create(Territory, {"code": "UGL", "name": "Utrecht/Gelderland"})
    client = await client_as("mia")
    response = await post_form(client, "/contacts/partners/new", {
        "kind": "organisation", "name": "Lunchroom", "_search": "territory", "_q_territory": "brabant",
        "language": "nl", "country": "NL",
    }, headers=HTML)
    assert response.status_code == 200
    select = response.text.split('id="f-territory"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{nbo["id"]}" selected>Noord-Brabant Oost</option>' in select
    assert "Utrecht" not in select and 'value="Lunchroom"' in response.text
    assert await partner_count() == 0


async def test_a_many2one_to_a_record_the_rules_hide_is_refused(client_as) -> None:
    await make_user("lotte", roles=("sales",))  # sees customers only
    supplier = await records.create(Partner, {"name": "Bonenbrander BV", "is_supplier": True})
    client = await client_as("lotte")
    response = await post_form(client, "/contacts/partners/new", {
        "kind": "person", "name": "Piet", "parent": str(supplier["id"]), "language": "nl", "country": "NL",
    }, headers=HTML)
    assert response.status_code == 400 and "Choose one of the options." in response.text
    assert "Bonenbrander" not in response.text
