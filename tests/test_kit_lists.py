"""List pages of the UI kit (core.web.kit.lists), proven on the partner list: search, filters,
sorting, pagination, column choice, the htmx rows fragment and the CSV export."""

from __future__ import annotations

import csv
import io

from kit_pages import HTML, HTMX, cells, client_as_fixture, names, ruled_catalog_fixture  # noqa: F401

from core.auth.current import load_user
from core.db import records
from core.modules.discovery import discover
from core.partners.controllers import PARTNER_LIST
from core.partners.models import Partner, Territory
from core.registry import load
from core.testing import make_user
from core.web.kit import ListSpec, fetch_page, parse_state
from core.web.kit.export import safe_cell


class Query(dict):
    """A stand-in for request.query_params (a multi-dict)."""

    def getall(self, key: str, default: list[str] | None = None) -> list[str]:
        value = self.get(key)
        return value if isinstance(value, list) else ([value] if value is not None else default or [])


async def partner(name: str, **values: object) -> int:
    return (await records.create(Partner, {"name": name, **values}))["id"]


async def some_partners() -> dict[str, int]:
    north = (await records.create(Territory, {"code": "N", "name": "North"}))["id"]
    south = (await records.create(Territory, {"code": "S", "name": "South"}))["id"]
    return {
        "zwaan": await partner("Café De Zwaan", city="'s-Hertogenbosch", is_customer=True, territory=north,
                               email="info@dezwaan.nl", reference="C0001"),
        "central": await partner("Hotel Central", city="Breda", is_customer=True, territory=south,
                                 email="info@central.nl", reference="C0002"),
        "marieke": await partner("Marieke van den Heuvel", kind="person", city="Oss", is_customer=True),
        "bonen": await partner("Bonenbrander BV", city="Utrecht", is_supplier=True, reference="S0001"),
        "old": await partner("Oude Koffiebar", city="Breda", is_customer=True, active=False),
        "north": north,
    }


async def test_search_is_case_insensitive_and_every_word_must_match_some_field(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await some_partners()
    client = await client_as("mia")
    for q, expected in [("zwaan", ["Café De Zwaan"]), ("BREDA", ["Hotel Central", "Oude Koffiebar"]),
                        ("central breda", ["Hotel Central"]), ("c0001", ["Café De Zwaan"]),
                        ("dezwaan.nl", ["Café De Zwaan"]), ("central oss", [])]:
        response = await client.get("/contacts/partners", params={"q": q}, headers=HTML)
        assert response.status_code == 200
        assert names(response.text) == expected, q
    assert "Nothing matches this search." in response.text


async def test_filters_combine_and_unknown_values_are_ignored(client_as) -> None:
    await make_user("mia", roles=("manager",))
    made = await some_partners()
    client = await client_as("mia")

    async def listed(**params: str) -> list[str]:
        return names((await client.get("/contacts/partners", params=params, headers=HTML)).text)

    assert await listed(supplier="yes") == ["Bonenbrander BV"]
    assert await listed(customer="yes", kind="person") == ["Marieke van den Heuvel"]
    assert await listed(territory=str(made["north"])) == ["Café De Zwaan"]
    assert await listed(active="no") == ["Oude Koffiebar"]
    assert await listed(customer="yes", active="yes", q="breda") == ["Hotel Central"]
    assert len(await listed(kind="evil'); drop table core_partner; --", territory="x")) == 5


async def test_sorting_by_a_column_its_direction_and_a_joined_label(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await some_partners()
    client = await client_as("mia")
    page = await client.get("/contacts/partners", params={"sort": "city", "dir": "desc", "customer": "yes"},
                            headers=HTML)
    assert [row[3] for row in cells(page.text)] == ["Oss", "Breda", "Breda", "'s-Hertogenbosch"]
    assert 'aria-sort="descending"' in page.text
    by_territory = await client.get("/contacts/partners", params={"sort": "territory_name", "q": "o",
                                                                  "territory": ""}, headers=HTML)
    listed = [r[0] for r in cells(by_territory.text) if r[5]]
    assert listed == ["Café De Zwaan", "Hotel Central"]
    unknown = await client.get("/contacts/partners", params={"sort": "password_hash"}, headers=HTML)
    assert names(unknown.text) == sorted(names(unknown.text))


async def test_empty_values_sort_last_going_up_and_first_going_down_on_both_engines(core_db: str) -> None:
    made = await some_partners()  # Zwaan in North, Central in South, the others in no territory
    user = await load_user((await make_user("mia", roles=("manager",)))["id"])
    assert user is not None
    registry = await load(discover())

    async def order(direction: str) -> list[str]:
        state = parse_state(PARTNER_LIST, Query(sort="territory_name", dir=direction, active=""))
        return [r["name"] for r in (await fetch_page(PARTNER_LIST, state, registry, user)).rows]

    none = ["Marieke van den Heuvel", "Bonenbrander BV", "Oude Koffiebar"]  # by id, the tie-break
    assert await order("asc") == ["Café De Zwaan", "Hotel Central", *none]
    assert await order("desc") == [*reversed(none), "Hotel Central", "Café De Zwaan"]
    assert made["north"]


async def test_pages_are_fetched_with_one_extra_row_and_never_repeat_a_record(core_db: str) -> None:
    for i in range(7):
        await partner(f"Partner {i % 3}")  # equal names: the id breaks ties
    user = await make_user("mia", roles=("manager",))
    current = await load_user(user["id"])
    assert current is not None
    registry = await load(discover())
    spec = ListSpec(table=Partner, columns=PARTNER_LIST.columns, sort="name", page_size=3)
    seen: list[int] = []
    for number, more in [(1, True), (2, True), (3, False)]:
        page = await fetch_page(spec, parse_state(spec, Query(page=str(number))), registry, current)
        assert page.has_next is more
        seen += [r["id"] for r in page.rows]
    assert len(seen) == len(set(seen)) == 7
    assert page.first == 7 and page.last == 7


async def test_the_pager_links_carry_the_whole_state(client_as) -> None:
    await make_user("mia", roles=("manager",))
    for i in range(51):
        await partner(f"Klant {i:02d}", city="Tilburg", is_customer=True)
    client = await client_as("mia")
    first = await client.get("/contacts/partners", params={"q": "klant", "customer": "yes"}, headers=HTML)
    assert len(cells(first.text)) == 50 and "Rows 1–50" in first.text
    assert 'href="/contacts/partners?q=klant&amp;customer=yes&amp;sort=name&amp;dir=asc' in first.text
    second = await client.get("/contacts/partners",
                              params={"q": "klant", "customer": "yes", "page": "2"}, headers=HTML)
    assert names(second.text) == ["Klant 50"] and 'rel="next"' not in second.text and 'rel="prev"' in second.text


async def test_column_choice_shows_only_the_chosen_known_columns(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await some_partners()
    client = await client_as("mia")
    response = await client.get("/contacts/partners?cols=name&cols=phone&cols=password_hash&q=zwaan", headers=HTML)
    head = response.text.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert ">Name</a>" in head and ">Phone</a>" in head and "City" not in head
    assert cells(response.text) == [["Café De Zwaan", ""]]
    assert 'value="phone" checked' in response.text and 'value="city">' in response.text


async def test_an_htmx_request_gets_only_the_rows_with_the_state_for_the_url(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await some_partners()
    client = await client_as("mia")
    response = await client.get("/contacts/partners", params={"q": "zwaan"}, headers=HTMX)
    body = response.text.strip()
    assert response.status_code == 200
    assert body.startswith('<div id="rows"') and "<html" not in body and 'id="kit-filters"' not in body
    assert names(body) == ["Café De Zwaan"]
    assert response.headers["hx-push-url"] == "/contacts/partners?q=zwaan&sort=name&dir=asc"
    chosen = await client.get("/contacts/partners", params={"q": "", "kind": "", "cols": ["name", "city"],
                                                             "page": "2"}, headers=HTMX)
    assert chosen.headers["hx-push-url"] == "/contacts/partners?sort=name&dir=asc&cols=name&cols=city&page=2"
    full = await client.get("/contacts/partners", params={"q": "zwaan"}, headers=HTML)
    assert 'hx-push-url="true"' in full.text and 'hx-trigger="input changed delay:250ms' in full.text


async def test_csv_export_has_the_lists_state_and_escapes_formulas(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await some_partners()
    await partner("=HYPERLINK(\"http://evil.example\",\"click\")", city="+31 Breda", email="@SUM(A1)",
                  reference="-2+3", is_supplier=True)
    client = await client_as("mia")
    response = await client.get("/contacts/partners/export.csv",
                                params={"supplier": "yes", "cols": ["name", "city", "email", "reference"]})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["Name", "City", "E-mail", "Reference"]
    assert rows[1:] == [
        ["'=HYPERLINK(\"http://evil.example\",\"click\")", "'+31 Breda", "'@SUM(A1)", "'-2+3"],
        ["Bonenbrander BV", "Utrecht", "", "S0001"],
    ]
    assert [safe_cell(v) for v in ("\tx", "\rx", "plain", "")] == ["'\tx", "'\rx", "plain", ""]


async def test_the_list_export_and_options_obey_record_rules(client_as) -> None:
    await make_user("lotte", roles=("sales",))  # the test module's rule: sales sees customers only
    made = await some_partners()
    client = await client_as("lotte")
    listed = names((await client.get("/contacts/partners", headers=HTML)).text)
    assert "Bonenbrander BV" not in listed and "Hotel Central" in listed
    exported = (await client.get("/contacts/partners/export.csv")).text
    assert "Bonenbrander" not in exported and "Hotel Central" in exported
    options = (await client.get("/contacts/partners/options", params={"q": "b"})).text
    assert "Bonenbrander" not in options and "Oude Koffiebar" in options
    for url in (f"/contacts/partners/{made['bonen']}", f"/contacts/partners/{made['bonen']}/edit"):
        assert (await client.get(url, headers=HTML)).status_code == 404
    assert (await client.get(f"/contacts/partners/{made['central']}", headers=HTML)).status_code == 200


async def test_filter_choices_of_a_many2one_come_from_the_table(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await some_partners()
    client = await client_as("mia")
    page = (await client.get("/contacts/partners", headers=HTML)).text
    assert ">North</option>" in page and ">South</option>" in page


def test_a_filter_default_applies_until_the_url_clears_it() -> None:
    from core.web.kit import Column, Filter

    spec = ListSpec(table=Partner, columns=(Column("name", "Name"),),
                    filters=(Filter("active", "Active", "bool", default="yes"), Filter("kind", "Kind", choices=(
                        ("person", "Person"), ("organisation", "Organisation")))))
    fresh = parse_state(spec, Query())
    assert fresh.filters == {"active": "yes"}
    assert "active=yes" in fresh.url("/p") and "active=&" not in fresh.url("/p")
    cleared = parse_state(spec, Query(active=""))  # the user picked All
    assert cleared.filters == {}
    assert "active=&" in cleared.url("/p", page=2)  # All survives paging
    assert parse_state(spec, Query(active="no", kind="person")).filters == {"active": "no", "kind": "person"}


def test_cells_escape_exactly_as_markupsafe_does() -> None:
    """cells.esc skips markupsafe's Markup per value; the text must stay the same."""
    from markupsafe import Markup, escape

    from core.web.kit.cells import esc, row_cells
    from core.web.kit.lists import Column

    class Text(str):
        pass

    for value in ["", "plain", "Jansen & Zonen <b>\"'", "&amp; already", Markup("<i>kept</i>"), Text("a<b"), 42,
                  3.5, None, "émoji ✓ & 's-Hertogenbosch"]:
        assert esc(value) == str(escape(value)), value

    class Res:
        path = "/x/<y>"

    columns = (Column("name", "Name", "link"), Column("city", "City"), Column("kind", "Kind", "badge",
               choices={"a&b": "A & B"}, badges={"a&b": "o\"k"}), Column("on", "On", "bool"))
    row = {"id": 7, "name": "<Café> & \"Co\"", "city": "'s-Hertogenbosch", "kind": "a&b", "on": True}
    assert str(row_cells(columns, row, Res(), "EUR")) == (
        '<td><a href="/x/&lt;y&gt;/7">&lt;Café&gt; &amp; &#34;Co&#34;</a></td><td>&#39;s-Hertogenbosch</td>'
        '<td><span class="badge badge-o&#34;k">A &amp; B</span></td><td class="center"><span class="kit-yes" '
        'title="Yes">✓</span><span class="visually-hidden">Yes</span></td>')


def test_select_columns_are_built_once_per_choice_and_handed_out_as_new_lists() -> None:
    from core.web.kit.lists import select_columns

    first = select_columns(PARTNER_LIST, ("name", "city"))
    again = select_columns(PARTNER_LIST, ("name", "city"))
    assert first == again and first is not again
    first.append("changed by a caller")
    assert len(select_columns(PARTNER_LIST, ("name", "city"))) == 3
    assert [c._alias for c in select_columns(PARTNER_LIST, ("city", "territory_name", "nope"))] == [
        "id", "city", "territory_name"]
    assert [c._alias for c in select_columns(PARTNER_LIST, ("name",))] == ["id", "name"]


def test_state_urls_are_written_as_urlencode_writes_them() -> None:
    from urllib.parse import urlencode

    from core.web.kit.lists import ListState

    state = ListState(q="jan & co/é+%~", filters={"kind": "a b", "city": "'s-Hertogenbosch"}, sort="name",
                      cols=("name", "e_mail"), default_cols=("name",), default_filters={"active": "yes"})
    for changes in ({}, {"page": 3}, {"sort": "city", "dir": "desc"}, {"q": ""}):
        assert state.url("/x", **changes) == "/x?" + urlencode(state.params(**changes))
