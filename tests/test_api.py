"""The JSON API: permissions, record rules, validation, optimistic locking, pagination, schema."""

from __future__ import annotations

from dataclasses import replace

import msgspec
import pytest

from core.api import tokens
from core.api.resource import ApiResource, patch_of
from core.app import create_app
from core.auth.models import User
from core.db.audit import AuditEntry
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.modules.manifest import RecordRule
from core.partners.models import Partner, Territory
from core.testing import app_client, csrf_token, make_user, sign_in

CUSTOMERS_ONLY = "test_counter"  # the personal role make_user gives user "counter"


@pytest.fixture
def ruled(catalog: Catalog) -> Catalog:
    """Core plus a record rule: the role of user `counter` sees only customers."""
    rule = RecordRule("customers_only", Partner, roles=(CUSTOMERS_ONLY,),
                      domain=lambda uid: Partner.is_customer == True)  # noqa: E712
    core = replace(catalog["core"], record_rules=(*catalog["core"].record_rules, rule))
    return Catalog({**catalog.manifests, "core": core}, catalog.origins)


@pytest.fixture
async def client(core_db: str, ruled: Catalog, settings_for):
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), ruled)
    async with app_client(app) as c:
        yield c


async def as_user(login: str, *, roles: tuple[str, ...] = (), permissions: tuple[str, ...] = ()) -> dict[str, str]:
    await make_user(login, roles=roles, permissions=permissions)
    return {"authorization": f"Bearer {(await tokens.create_token(login, 'test')).token}"}


async def partner(client, auth: dict[str, str], **values) -> dict:
    response = await client.post("/api/v1/partners", json={"name": "Café De Zwaan", **values}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


async def test_each_endpoint_needs_its_permission(client) -> None:
    reader = await as_user("reader", permissions=("core.partner.read",))
    assert (await client.get("/api/v1/partners", headers=reader)).status_code == 200
    refused = await client.post("/api/v1/partners", json={"name": "X"}, headers=reader)
    assert refused.status_code == 403 and "core.partner.write" in refused.json()["detail"]
    assert (await client.get("/api/v1/users", headers=reader)).status_code == 403
    assert (await client.get("/api/v1/products", headers=reader)).status_code == 403


async def test_create_read_update_and_delete_a_partner_with_audit(client) -> None:
    auth = await as_user("eva", roles=("manager",))
    territory = (await Territory.insert(Territory(code="NBO", name="Noord-Brabant Oost")).returning(
        Territory._meta.primary_key).run())[0]["id"]
    created = await partner(client, auth, is_customer=True, territory=territory, email="info@zwaan.nl")
    assert created["version"] == 1 and created["territory"] == territory and created["kind"] == "organisation"
    got = await client.get(f"/api/v1/partners/{created['id']}", headers=auth)
    assert got.json() == created
    changed = await client.patch(f"/api/v1/partners/{created['id']}", json={"version": 1, "city": "Den Bosch"},
                                 headers=auth)
    assert changed.status_code == 200, changed.text
    assert changed.json()["city"] == "Den Bosch" and changed.json()["version"] == 2
    assert changed.json()["email"] == "info@zwaan.nl"  # fields not sent stay as they were
    entries = await AuditEntry.select().where(
        (AuditEntry.table_name == "core_partner") & (AuditEntry.record_id == created["id"])
    ).run()
    eva = await User.select(User._meta.primary_key).where(User.login == "eva").first().run()
    assert {e["user_id"] for e in entries} == {eva["id"]} and {"create", "write"} <= {e["action"] for e in entries}
    assert any(e["field"] == "city" and e["new"] == "Den Bosch" for e in entries)
    gone = await client.delete(f"/api/v1/partners/{created['id']}?version=2", headers=auth)
    assert gone.status_code == 204
    assert (await client.get(f"/api/v1/partners/{created['id']}", headers=auth)).status_code == 404


async def test_a_stale_version_is_refused_with_409_and_nothing_changes(client) -> None:
    auth = await as_user("eva", roles=("manager",))
    created = await partner(client, auth)
    url = f"/api/v1/partners/{created['id']}"
    assert (await client.patch(url, json={"version": 1, "city": "Breda"}, headers=auth)).status_code == 200
    stale = await client.patch(url, json={"version": 1, "city": "Tilburg"}, headers=auth)
    assert stale.status_code == 409 and "version 1" in stale.json()["detail"]
    assert (await client.get(url, headers=auth)).json()["city"] == "Breda"
    assert (await client.delete(f"{url}?version=1", headers=auth)).status_code == 409


async def test_invalid_input_gets_one_message_per_field(client) -> None:
    auth = await as_user("eva", roles=("manager",))
    bad = await client.post("/api/v1/partners", json={"name": " ", "email": "not-an-address", "territory": 999},
                            headers=auth)
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"name", "email", "territory"}
    typed = await client.post("/api/v1/partners", json={"name": "X", "is_customer": "perhaps"}, headers=auth)
    assert typed.status_code == 422 and set(typed.json()["errors"]) == {"is_customer"}
    typo = await client.post("/api/v1/partners", json={"name": "X", "is_custmer": True}, headers=auth)
    assert typo.status_code == 422 and typo.json()["errors"] == {"is_custmer": "Unknown field."}
    no_version = await client.patch("/api/v1/partners/1", json={"city": "X"}, headers=auth)
    assert no_version.status_code == 422 and no_version.json()["errors"] == {"version": "This field is required."}
    assert await Partner.count().run() == 0


async def test_a_person_may_belong_to_an_organisation_which_then_cannot_be_deleted(client) -> None:
    auth = await as_user("eva", roles=("manager",))
    org = await partner(client, auth)
    not_org = await client.post("/api/v1/partners", json={"name": "Org", "parent": org["id"]}, headers=auth)
    assert not_org.status_code == 422 and "parent" in not_org.json()["errors"]
    await partner(client, auth, name="Anna de Vries", kind="person", parent=org["id"])
    refused = await client.delete(f"/api/v1/partners/{org['id']}?version=1", headers=auth)
    assert refused.status_code == 409 and "core_partner (1)" in refused.json()["detail"]
    assert (await client.get(f"/api/v1/partners/{org['id']}", headers=auth)).status_code == 200


async def test_search_filters_and_keyset_pagination(client) -> None:
    auth = await as_user("eva", roles=("manager",))
    for i in range(5):
        await partner(client, auth, name=f"Customer {i}", is_customer=True)
    await partner(client, auth, name="Supplier Lombarda", is_supplier=True)
    first = (await client.get("/api/v1/partners?is_customer=true&limit=2", headers=auth)).json()
    assert [p["name"] for p in first["items"]] == ["Customer 0", "Customer 1"] and first["next_after"]
    second = (await client.get(f"/api/v1/partners?is_customer=true&limit=2&after={first['next_after']}",
                               headers=auth)).json()
    third = (await client.get(f"/api/v1/partners?is_customer=true&limit=2&after={second['next_after']}",
                              headers=auth)).json()
    assert [p["name"] for p in second["items"] + third["items"]] == ["Customer 2", "Customer 3", "Customer 4"]
    assert third["next_after"] is None
    found = (await client.get("/api/v1/partners?q=lombarda", headers=auth)).json()
    assert [p["name"] for p in found["items"]] == ["Supplier Lombarda"]
    too_many = await client.get("/api/v1/partners?limit=201", headers=auth)
    assert too_many.status_code == 422 and "limit" in too_many.json()["errors"]


async def test_record_rules_hide_records_from_lists_and_by_id(client) -> None:
    admin = await as_user("root", roles=("admin",))
    customer = await partner(client, admin, name="Hotel", is_customer=True)
    supplier = await partner(client, admin, name="Lombarda", is_supplier=True)
    counter = await as_user("counter", permissions=("core.partner.read", "core.partner.write"))
    listed = (await client.get("/api/v1/partners", headers=counter)).json()
    assert [p["id"] for p in listed["items"]] == [customer["id"]]
    url = f"/api/v1/partners/{supplier['id']}"
    # An id the user cannot see answers exactly like an id that does not exist.
    assert (await client.get(url, headers=counter)).status_code == 404
    assert (await client.patch(url, json={"version": 1, "name": "Mine"}, headers=counter)).status_code == 404
    assert (await client.delete(f"{url}?version=1", headers=counter)).status_code == 404
    assert (await client.get(url, headers=admin)).json()["name"] == "Lombarda"


async def test_a_write_may_not_move_a_record_out_of_the_writers_sight(client) -> None:
    counter = await as_user("counter", permissions=("core.partner.read", "core.partner.write"))
    hidden = await client.post("/api/v1/partners", json={"name": "Supplier"}, headers=counter)
    assert hidden.status_code == 403 and await Partner.count().run() == 0
    mine = await partner(client, counter, is_customer=True)
    moved = await client.patch(f"/api/v1/partners/{mine['id']}", json={"version": 1, "is_customer": False},
                               headers=counter)
    assert moved.status_code == 403
    assert (await client.get(f"/api/v1/partners/{mine['id']}", headers=counter)).json()["version"] == 1


async def test_products_validate_codes_and_amounts(client) -> None:
    auth = await as_user("pieter", roles=("warehouse",))
    made = await client.post("/api/v1/products", json={"code": "ESP-1G", "name": "Espresso machine",
                                                       "sale_price": "3950.00"}, headers=auth)
    assert made.status_code == 201, made.text
    assert made.json()["sale_price"] == "3950.00" and made.json()["cost"] == "0.0000"
    again = await client.post("/api/v1/products", json={"code": "ESP-1G", "name": "Other", "cost": -1},
                              headers=auth)
    assert again.status_code == 422 and set(again.json()["errors"]) == {"code", "cost"}
    kind = await client.post("/api/v1/products", json={"code": "X", "name": "X", "kind": "gadget"}, headers=auth)
    assert kind.status_code == 422 and "kind" in kind.json()["errors"]
    renamed = await client.patch(f"/api/v1/products/{made.json()['id']}", json={"version": 1, "name": "Compatta"},
                                 headers=auth)
    assert renamed.status_code == 200 and renamed.json()["code"] == "ESP-1G"


async def test_users_are_read_only_and_never_expose_password_hashes(client) -> None:
    auth = await as_user("eva", roles=("manager",))
    listing = await client.get("/api/v1/users", headers=auth)
    one = await client.get(f"/api/v1/users/{listing.json()['items'][0]['id']}", headers=auth)
    for response in (listing, one):
        assert response.status_code == 200
        assert "password" not in response.text and "argon2" not in response.text
    assert listing.json()["items"][0]["roles"] == ["manager"]
    assert (await client.post("/api/v1/users", json={"login": "x"}, headers=auth)).status_code == 405
    assert (await client.patch("/api/v1/users/1", json={"version": 1}, headers=auth)).status_code == 405


async def test_territories_and_categories_are_read_only(client) -> None:
    auth = await as_user("eva", roles=("manager",))
    await Territory.insert(Territory(code="RZD", name="Randstad Zuid")).run()
    listed = (await client.get("/api/v1/territories?q=randstad", headers=auth)).json()
    assert [t["code"] for t in listed["items"]] == ["RZD"]
    assert (await client.get("/api/v1/product-categories", headers=auth)).status_code == 200
    assert (await client.post("/api/v1/territories", json={"code": "X"}, headers=auth)).status_code == 405


async def test_a_session_cookie_alone_can_read_but_never_change(client) -> None:
    await make_user("eva", roles=("manager",))
    await sign_in(client, "eva")
    assert (await client.get("/api/v1/partners")).status_code == 200
    headers = {"x-csrftoken": csrf_token(client)}
    refused = await client.post("/api/v1/partners", json={"name": "Forged"}, headers=headers)
    assert refused.status_code == 403 and "Bearer" in refused.json()["detail"]
    assert await Partner.count().run() == 0


async def test_a_bearer_token_decides_even_when_a_session_cookie_comes_along(client) -> None:
    await make_user("eva", roles=("manager",))
    await sign_in(client, "eva")
    bad = await client.get("/api/v1/partners", headers={"authorization": "Bearer stw_revoked"})
    assert bad.status_code == 401
    token = (await tokens.create_token("eva", "t")).token
    made = await client.post("/api/v1/partners", json={"name": "Real"}, headers={"authorization": f"Bearer {token}"})
    assert made.status_code == 201


async def test_the_schema_lists_the_api_endpoints_and_no_pages(client) -> None:
    assert (await client.get("/api/schema")).status_code == 401
    auth = await as_user("eva", roles=("manager",))
    schema = (await client.get("/api/schema", headers=auth)).json()
    paths = schema["paths"]
    assert {"/api/v1/partners", "/api/v1/partners/{record_id}", "/api/v1/products", "/api/v1/users",
            "/api/v1/territories", "/api/v1/product-categories"} <= set(paths)
    assert all(p.startswith("/api/") for p in paths)
    assert set(paths["/api/v1/partners/{record_id}"]) == {"get", "patch", "delete"}
    assert set(paths["/api/v1/users/{record_id}"]) == {"get"}
    assert "password_hash" not in str(schema["components"]["schemas"]["UserOut"])
    assert schema["components"]["schemas"]["PartnerCreate"]["required"] == ["name"]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert (await client.get("/api/schema/openapi.json", headers=auth)).json()["paths"] == paths


async def test_field_errors_speak_the_users_language(client) -> None:
    auth = await as_user("eva", roles=("manager",))
    await User.update({User.language: "nl"}).where(User.login == "eva").run()
    bad = await client.post("/api/v1/partners", json={"name": "", "territory": 999}, headers=auth)
    assert bad.json()["errors"] == {"name": "Vul een naam in.", "territory": "Er is geen regio met dit id."}


class NoteOut(msgspec.Struct):
    id: int
    version: int
    title: str
    body: str


class NoteCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: str
    body: str = ""


async def test_a_module_adds_its_own_resource_which_answers_only_while_installed(core_db: str, settings_for) -> None:
    from fixture_modules.manifests import ALL, Note

    notes = ApiResource("alpha-notes", Note, NoteOut, permission="alpha.note", create=NoteCreate,
                        update=patch_of(NoteCreate, "NoteUpdate"))
    catalog = discover(extra=[replace(m, controllers=(*m.controllers, notes.controller)) if m.name == "alpha" else m
                              for m in ALL])
    register_apps(catalog.manifests.values())
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        auth = await as_user("root", roles=("admin",))
        assert "/api/v1/alpha-notes" not in (await client.get("/api/schema", headers=auth)).json()["paths"]
        assert (await client.get("/api/v1/alpha-notes", headers=auth)).status_code == 404
        await lifecycle.install(catalog, ["alpha"])
        assert "/api/v1/alpha-notes" in (await client.get("/api/schema", headers=auth)).json()["paths"]
        made = await client.post("/api/v1/alpha-notes", json={"title": "Descale weekly"}, headers=auth)
        assert made.status_code == 201 and made.json()["version"] == 1
        titles = [n["title"] for n in (await client.get("/api/v1/alpha-notes", headers=auth)).json()["items"]]
        assert "Descale weekly" in titles
