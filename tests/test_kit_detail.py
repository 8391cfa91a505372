"""Detail pages: header, state badge, actions by permission, tabs (own, slots, history,
attachments) with and without htmx, and the audit trail."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from detail_fixture.manifests import DETAIL_TEST, GHOST

from core.app import create_app
from core.auth.models import User
from core.db import records
from core.db.context import acting_as
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import discover
from core.partners.models import Partner, Territory
from core.testing import app_client, make_user, sign_in
from core.web.kit.history import PER_PAGE, history_page

HTML = {"accept": "text/html"}
HTMX_TAB = {**HTML, "hx-request": "true", "hx-target": "detail-tabs"}


@pytest.fixture
async def site(core_db: str, settings_for) -> AsyncIterator[httpx.AsyncClient]:
    catalog = discover(extra=(DETAIL_TEST, GHOST))
    register_apps(catalog.manifests.values())
    await lifecycle.install(catalog, ["detailtest"])
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        yield client


async def partner(user_id: int | None = None, **values: object) -> dict:
    with acting_as(user_id):
        return await records.create(Partner, {"name": "Bakkerij Jansen", "city": "Tilburg",
                                              "email": "info@jansen.example", **values})


def tab_labels(html: str) -> list[str]:
    nav = html.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
    found = re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", label).split()) for label in found]


async def test_header_shows_title_state_badge_summary_and_own_tab_first(site: httpx.AsyncClient) -> None:
    await make_user("rob", permissions=("core.partner.read",))
    row = await partner()
    await sign_in(site, "rob")
    html = (await site.get(f"/detailtest/partners/{row['id']}", headers=HTML)).text
    assert "<h1>Bakkerij Jansen</h1>" in html
    assert '<span class="badge badge-ok">Active</span>' in html
    assert "<dd>Tilburg</dd>" in html
    assert '<p class="contacts-tab">Contacts of Bakkerij Jansen</p>' in html
    assert tab_labels(html) == ["Contacts 2", "Equipment", "History 3", "Attachments 0"]
    assert f'href="/detailtest/partners/{row["id"]}?tab=history"' in html


async def test_each_tab_is_a_link_rendered_server_side_without_javascript(site: httpx.AsyncClient) -> None:
    await make_user("rob", permissions=("core.partner.read",))
    row = await partner()
    await sign_in(site, "rob")
    url = f"/detailtest/partners/{row['id']}"
    html = (await site.get(f"{url}?tab=detailtest-equipment_tab", headers=HTML)).text
    assert "<html" in html and '<p class="equipment-tab">Equipment at Bakkerij Jansen</p>' in html
    assert "contacts-tab" not in html
    assert re.search(r'href="[^"]*tab=detailtest-equipment_tab"[^>]*aria-current="page"', html)
    unknown = (await site.get(f"{url}?tab=nope", headers=HTML)).text
    assert "contacts-tab" in unknown  # an unknown tab falls back to the first


async def test_htmx_tab_request_gets_only_the_tabs_fragment(site: httpx.AsyncClient) -> None:
    await make_user("rob", permissions=("core.partner.read",))
    row = await partner()
    await sign_in(site, "rob")
    response = await site.get(f"/detailtest/partners/{row['id']}?tab=history", headers=HTMX_TAB)
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html and "<h1>" not in html
    assert html.strip().startswith('<section id="detail-tabs"')
    assert 'class="table history"' in html
    assert f'hx-get="/detailtest/partners/{row["id"]}?tab=attachments"' in html
    assert 'hx-push-url="true"' in html and 'hx-select="#detail-tabs"' in html


async def test_slots_of_installed_modules_appear_and_of_uninstalled_ones_do_not(site: httpx.AsyncClient) -> None:
    await make_user("rob", permissions=("core.partner.read",))
    await make_user("pia", permissions=("core.partner.read", "detailtest.plan.read"))
    row = await partner()
    await sign_in(site, "rob")
    labels = tab_labels((await site.get(f"/detailtest/partners/{row['id']}", headers=HTML)).text)
    assert "Equipment" in labels
    assert "Ghost tab" not in labels  # detailghost is discovered but not installed
    assert "Secret plans" not in labels and "Elsewhere" not in labels  # permission; other target
    await sign_in(site, "pia")
    labels = tab_labels((await site.get(f"/detailtest/partners/{row['id']}", headers=HTML)).text)
    assert labels[:3] == ["Contacts 2", "Equipment", "Secret plans"]


async def test_actions_are_filtered_by_permission(site: httpx.AsyncClient) -> None:
    await make_user("rob", permissions=("core.partner.read",))
    await make_user("wim", permissions=("core.partner.read", "core.partner.write"))
    row = await partner()
    url = f"/detailtest/partners/{row['id']}"
    await sign_in(site, "rob")
    html = (await site.get(url, headers=HTML)).text
    assert "Send e-mail" in html and "Edit" not in html and "Archive" not in html
    await sign_in(site, "wim")
    html = (await site.get(url, headers=HTML)).text
    assert f'<a class="button primary" href="{url}/edit">Edit</a>' in html
    form = re.search(rf'<form method="post" action="{url}/archive"[^>]*>(.*?)</form>', html, re.S)
    assert form and 'data-confirm="Archive this partner?"' in form.group(0)
    assert 'name="_csrf_token"' in form.group(1) and 'class="button danger"' in form.group(1)


async def test_history_shows_who_changed_what_and_when(site: httpx.AsyncClient) -> None:
    eva = await make_user("eva", permissions=("core.partner.read", "core.partner.write"))
    await User.update({User.name: "Eva de Vries"}).where(User._meta.primary_key == eva["id"]).run()
    row = await partner()
    with acting_as(eva["id"]):
        await records.update(Partner, row["id"], {"city": "Breda", "is_customer": True}, version=1)
    await sign_in(site, "eva")
    html = (await site.get(f"/detailtest/partners/{row['id']}?tab=history", headers=HTML)).text
    body = html.split('class="table history"', 1)[1]
    newest = body.split("<tr", 3)[2]  # after the header row: the first event, newest first
    assert "Eva de Vries" in newest and "<time datetime=" in newest
    assert re.search(r"City</span>\s*<span class=\"history-old\">Tilburg</span>.*?history-new\">Breda", body, re.S)
    assert re.search(r"Is customer</span>\s*<span class=\"history-old\">No</span>.*?history-new\">Yes", body, re.S)
    assert "System" in body  # the record was created without a signed-in user
    assert re.search(r"Name</span>\s*<span class=\"history-new\">Bakkerij Jansen", body)


async def test_history_is_paginated_fifty_to_a_page(site: httpx.AsyncClient) -> None:
    await make_user("rob", permissions=("core.partner.read",))
    row = await partner()  # 3 create entries, then 51 changes
    for n in range(PER_PAGE + 1):
        await records.update(Partner, row["id"], {"phone": f"013-{n:04d}"}, version=n + 1)
    await sign_in(site, "rob")
    url = f"/detailtest/partners/{row['id']}?tab=history"
    first = (await site.get(url, headers=HTML)).text
    assert first.count('<span class="history-field">') == PER_PAGE
    assert "013-0050" in first and "Page 1 of 2" in first and "tab=history&amp;page=2" in first
    second = (await site.get(url + "&page=2", headers=HTML)).text
    assert second.count('<span class="history-field">') == 3 + 1
    assert "Page 2 of 2" in second and "013-0000" in second and "013-0050" not in second


async def test_secret_fields_show_hidden_in_history(core_db: str) -> None:
    user = await make_user("sam")
    await records.update(User, user["id"], {"password_hash": "argon2id$new", "email": "s@x.example"},
                         version=user["version"])
    changes = (await history_page(User, user["id"])).changes
    by_field = {c.field: c for c in changes if c.action == "write"}
    assert by_field["Password hash"].new == "(hidden)" and by_field["Password hash"].old == "(hidden)"
    assert by_field["Email"].new == "s@x.example"
    assert all("argon2id" not in (c.old + c.new) for c in changes)


async def test_a_foreign_key_change_shows_the_names_of_the_records(site: httpx.AsyncClient) -> None:
    await make_user("rob", permissions=("core.partner.read",))
    org = await partner(name="Jansen Holding")
    person = await partner(name="Piet Jansen", kind="person")
    region = await records.create(Territory, {"code": "NBO", "name": "Noord-Brabant Oost"})
    await records.update(Partner, person["id"], {"parent": org["id"], "territory": region["id"]}, version=1)
    page = await history_page(Partner, person["id"])
    changed = {c.field: (c.old, c.new) for c in page.changes if c.action == "write"}
    assert changed["Parent"] == ("", "Jansen Holding")
    assert changed["Territory"] == ("", "Noord-Brabant Oost")  # the name, not the code


async def test_coded_fields_show_their_labels_in_the_users_language(core_db: str) -> None:
    from core.i18n import language
    from core.partners.controllers import PARTNERS

    made = await partner(name="Piet Jansen", kind="person")
    await records.update(Partner, made["id"], {"kind": "organisation"}, version=made["version"])
    page = await history_page(Partner, made["id"], choices=PARTNERS.choices)
    assert [(c.old, c.new) for c in page.changes if c.action == "write"] == [("Person", "Organisation")]
    token = language.set("nl")
    try:
        page = await history_page(Partner, made["id"], choices=PARTNERS.choices)
    finally:
        language.reset(token)
    assert [(c.old, c.new) for c in page.changes if c.action == "write"] == [("Persoon", "Organisatie")]
    # Without choices, the stored code.
    raw = await history_page(Partner, made["id"])
    assert [(c.old, c.new) for c in raw.changes if c.action == "write"] == [("person", "organisation")]


async def test_an_archived_partner_gets_a_neutral_badge(site: httpx.AsyncClient) -> None:
    await make_user("rob", permissions=("core.partner.read",))
    row = await partner(active=False)
    await sign_in(site, "rob")
    html = (await site.get(f"/detailtest/partners/{row['id']}", headers=HTML)).text
    assert '<span class="badge badge-neutral">Archived</span>' in html


async def test_a_state_tone_outside_the_palette_is_refused() -> None:
    from core.web.kit.detail import detail_context

    with pytest.raises(ValueError, match="'pink' is not one of ok, warn, danger, neutral"):
        await detail_context(None, Partner, {"id": 1}, title="x", state=("Odd", "pink"))  # type: ignore[arg-type]


async def test_a_record_outside_the_users_record_rule_is_not_found(site: httpx.AsyncClient) -> None:
    rita = await make_user("rita", permissions=("core.partner.read",))
    theirs = await partner()
    mine = await partner(rita["id"], name="Rita's client")
    await sign_in(site, "rita")
    assert (await site.get(f"/detailtest/partners/{theirs['id']}", headers=HTML)).status_code == 404
    assert (await site.get(f"/detailtest/partners/{mine['id']}", headers=HTML)).status_code == 200


async def test_tabs_and_history_speak_dutch_to_a_dutch_user(site: httpx.AsyncClient) -> None:
    anna = await make_user("anna", permissions=("core.partner.read",))
    await User.update({User.language: "nl"}).where(User._meta.primary_key == anna["id"]).run()
    row = await partner()
    await sign_in(site, "anna")
    html = (await site.get(f"/detailtest/partners/{row['id']}?tab=history", headers=HTML)).text
    assert "Geschiedenis" in html and "Bijlagen" in html
    assert "Systeem" in html and '<span class="history-field">Plaats</span>' in html
