"""Searches through the search index (core.db.search: FTS5 trigram on SQLite, pg_trgm on
PostgreSQL) find exactly what the plain LIKE search finds, and the index follows
inserts, updates and deletes; a module's index goes when its tables are dropped."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from kit_pages import ruled_catalog_fixture  # noqa: F401
from piccolo.columns import Serial, Varchar
from piccolo.table import Table

from core.auth.current import CurrentUser, load_user
from core.db import records
from core.db.engine import current, is_sqlite
from core.db.migrations import drop_tables
from core.db.search import SearchIndex, fts_name
from core.modules.discovery import discover
from core.partners.controllers import PARTNER_LIST
from core.partners.models import Partner, Territory
from core.registry import Registry, load
from core.testing import make_user
from core.web.kit import ListSpec, fetch_page, parse_state
from core.web.kit.lists import keys_first, selective_words

FIRST = ["Jan", "Élise", "ÉLISE", "élise", "Zoë", "Seán", "Marieke", "Janneke", "Ömer", "Ann"]
LAST = ["O'Brien", '"Quoted" Trading', "de Vries", "Straße", "100% Koffie", "snake_case BV",
        "Jansen", "Çay Evi", "Smit-Van Dam", "D'Arcy"]
CITIES = ["Amsterdam", "'s-Hertogenbosch", "Zürich", "Breda", ""]
QUERIES = ["jan", "JAN", "brien", "o'brien", "O'BRIEN", '"quoted"', 'quoted"', '"', "100%", "%",
           "_case", "snake_case", "élise", "ÉLISE", "lise", "zoë", "straße", "çay", "van dam",
           "jan amsterdam", "ja", "p00012", "zürich", "@example", "nothing-like-this", "an oss"]


class Query(dict):
    def getall(self, key: str, default: list[str] | None = None) -> list[str]:
        value = self.get(key)
        return [value] if value is not None else default or []


async def generated_partners(count: int) -> None:
    rng = random.Random(7)
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city = rng.choice(CITIES)
        email = f"{first.lower()}.{n}@example.nl" if n % 3 else ""
        await records.create(Partner, {"name": f"{first} {last}", "reference": f"P{n:05d}",
                                       "city": city, "email": email})


async def viewer() -> tuple[Registry, CurrentUser]:
    user = await make_user("mia", roles=("manager",))
    current_user = await load_user(user["id"])
    assert current_user is not None
    return await load(discover()), current_user


async def found(spec: ListSpec, q: str, registry: Registry, user: CurrentUser) -> list[int]:
    page = await fetch_page(spec, parse_state(spec, Query(q=q)), registry, user)
    assert not page.has_next
    return [row["id"] for row in page.rows]


async def test_indexed_search_finds_exactly_what_like_finds(core_db: str) -> None:
    await generated_partners(300)
    registry, user = await viewer()
    indexed = replace(PARTNER_LIST, page_size=1000)
    plain = replace(indexed, search_indexed=False)
    assert indexed.search_indexed
    hits = 0
    for q in QUERIES:
        expected = await found(plain, q, registry, user)
        assert await found(indexed, q, registry, user) == expected, q
        hits += bool(expected)
    assert hits >= len(QUERIES) - 4  # the queries mostly match something
    if is_sqlite():  # the index really takes part (rare enough, long enough, no wildcard)
        used = await selective_words(indexed, parse_state(indexed, Query(q="o'brien ja 100% élise")))
        assert used == {"o'brien", "élise"}


async def test_the_index_follows_inserts_updates_and_deletes(core_db: str) -> None:
    registry, user = await viewer()
    spec = replace(PARTNER_LIST, page_size=1000)
    row = await records.create(Partner, {"name": "Quinten O'Hara", "city": "Tilburg"})
    assert await found(spec, "o'hara", registry, user) == [row["id"]]
    await records.update(Partner, row["id"], {"name": "Quinten Vermeulen"}, version=row["version"])
    assert await found(spec, "o'hara", registry, user) == []
    assert await found(spec, "vermeulen", registry, user) == [row["id"]]
    assert await found(spec, "tilburg", registry, user) == [row["id"]]
    await records.delete(Partner, row["id"], version=row["version"] + 1)
    assert await found(spec, "vermeulen", registry, user) == []
    if is_sqlite():  # the FTS table itself holds no stale entry
        fts = fts_name("core_partner")
        left = await Partner.raw(f"SELECT rowid FROM {fts} WHERE {fts} MATCH {{}}", '"vermeulen"').run()
        assert left == []


class SearchDemoThing(Table, tablename="search_demo_thing"):
    id = Serial(primary_key=True)
    name = Varchar(length=100)


async def index_objects() -> list[Any]:
    if is_sqlite():
        return await SearchDemoThing.raw(
            "SELECT name FROM sqlite_master WHERE name LIKE 'search_demo_thing_fts%' ORDER BY name").run()
    return await SearchDemoThing.raw(
        "SELECT indexname AS name FROM pg_indexes WHERE indexname LIKE 'search_demo_thing_%trgm'").run()


async def test_a_modules_index_is_created_and_goes_with_its_tables(core_db: str) -> None:
    await SearchDemoThing.create_table().run()
    await SearchDemoThing.insert(SearchDemoThing(name="Grüne Brücke")).run()
    index = SearchIndex("search_demo_thing", ("name",))
    await index.create(current())
    await SearchDemoThing.insert(SearchDemoThing(name="Rote Brücke")).run()  # after: through the trigger
    assert await index_objects()
    spec = ListSpec(table=SearchDemoThing, columns=PARTNER_LIST.columns[:1], search=("name",),
                    search_indexed=True)
    registry, user = await viewer()
    assert len(await found(spec, "brücke", registry, user)) == 2
    await drop_tables([SearchDemoThing])
    assert await index_objects() == []
    assert not await SearchDemoThing.table_exists().run()


async def test_dropping_an_index_leaves_the_table_searchable_by_like(core_db: str) -> None:
    await SearchDemoThing.create_table().run()
    index = SearchIndex("search_demo_thing", ("name",))
    await index.create()
    await index.drop()
    assert await index_objects() == []
    await SearchDemoThing.insert(SearchDemoThing(name="Blaue Brücke")).run()  # no trigger left to fail
    spec = ListSpec(table=SearchDemoThing, columns=PARTNER_LIST.columns[:1], search=("name",))
    registry, user = await viewer()
    assert len(await found(spec, "blaue", registry, user)) == 1
    await drop_tables([SearchDemoThing])


async def test_a_searchs_pages_read_keys_first_and_match_the_plain_search_page_by_page(ruled_catalog) -> None:
    """A search reads its page's keys through the list index, then their rows: with record
    rules, filters, every sort (a joined label too) and across page boundaries, the pages
    are row for row those of the one-query search."""
    north = (await records.create(Territory, {"code": "N", "name": "North"}))["id"]
    south = (await records.create(Territory, {"code": "S", "name": "South"}))["id"]
    rng = random.Random(11)
    for n in range(120):
        await records.create(Partner, {
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "reference": f"R{n:04d}", "city": rng.choice(CITIES),
            "email": f"{rng.choice(['jan', 'info', 'an'])}{n}@example.nl", "is_customer": rng.random() < 0.6,
            "kind": rng.choice(["person", "organisation"]), "territory": rng.choice([north, south, None])})
    registry = await load(ruled_catalog)
    indexed = replace(PARTNER_LIST, page_size=7)
    plain = replace(indexed, search_indexed=False)
    states = [{"q": "jan"}, {"q": "an", "sort": "territory_name"}, {"q": "an", "sort": "city", "dir": "desc"},
              {"q": "jan e", "kind": "person"}, {"q": "ÉLISE", "sort": "name", "dir": "desc"},
              {"q": "an", "customer": "no", "territory": str(north)}]
    for login, roles in (("mia", ("manager",)), ("lotte", ("sales",))):
        made = await make_user(login, roles=roles)
        user = await load_user(made["id"])
        assert user is not None
        for query in states:
            number, pages = 1, 0
            while True:
                state = parse_state(indexed, Query(**query, page=str(number)))
                got = await fetch_page(indexed, state, registry, user)
                expected = await fetch_page(plain, state, registry, user)
                assert got == expected, (login, query, number)
                pages += bool(got.rows)
                if not got.has_next:
                    break
                number += 1
            assert pages >= 2 or query.get("territory"), (login, query)  # the pages really were crossed


async def test_a_common_words_walk_reads_the_list_index_alone(core_db: str) -> None:
    """The keys of a search page come from core_partner's list index (name, id and the
    searched columns): the walk tests the words on index entries, not table rows."""
    await generated_partners(50)
    registry, user = await viewer()
    state = parse_state(PARTNER_LIST, Query(q="jan"))
    query = keys_first(PARTNER_LIST, state, registry, user, frozenset(), 0)
    if is_sqlite():
        plan = await Partner.raw(f"EXPLAIN QUERY PLAN {query}").run()
        assert any("COVERING INDEX core_partner_list_name" in row["detail"] for row in plan), plan
        names = [r["name"] for r in await Partner.raw(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'core_partner'").run()]
    else:
        rows = await Partner.raw("SELECT indexdef FROM pg_indexes WHERE indexname = 'core_partner_list_name'").run()
        assert rows and "(name, id, reference, city, email)" in rows[0]["indexdef"], rows
        names = [r["indexname"] for r in await Partner.raw(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'core_partner'").run()]
    # The name-only index is gone: PostgreSQL's planner preferred it and sorted every equal name.
    assert "core_partner_list_name" in names and "core_partner_name" not in names, names


async def test_postgresql_finds_a_rare_word_through_the_one_index_on_the_searched_text(core_db: str) -> None:
    """One trigram index on the lowercased searched text serves a word in any column (the
    search's expression is the index's: with only bitmap scans allowed the planner finds
    it); a common word walks the list index, testing that same expression on its entries.
    (Which of the two a rare word gets is the planner's choice by table size: on 100k
    partners, the index.)"""
    if is_sqlite():
        return
    from core.db.engine import current, planned_for_values

    rng = random.Random(3)
    for start in range(0, 3000, 500):
        await Partner.insert(*[Partner(name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", reference=f"P{n:05d}",
                                       city=rng.choice(CITIES), email=f"mail{n}@example.nl")
                               for n in range(start, start + 500)]).run()
    await Partner.raw("ANALYZE core_partner").run()
    registry, user = await viewer()
    names = [r["indexname"] for r in await Partner.raw(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'core_partner'").run()]
    assert "core_partner_search_trgm" in names and "core_partner_name_trgm" not in names, names

    async def plan(q: str, seqscan: bool) -> str:
        query = keys_first(PARTNER_LIST, parse_state(PARTNER_LIST, Query(q=q)), registry, user, frozenset(), 0)
        async with planned_for_values():
            if not seqscan:  # only a bitmap scan left: an index whose expression is the search's
                for scan in ("seqscan", "indexscan", "indexonlyscan"):
                    await current().run_ddl(f"SET LOCAL enable_{scan} = off")
            return "\n".join(r["QUERY PLAN"] for r in await Partner.raw(f"EXPLAIN {query}").run())

    rare = await plan("zwolle", seqscan=False)
    assert "core_partner_search_trgm" in rare and "core_partner_list_name" not in rare, rare
    common = await plan("jan", seqscan=True)
    assert "Index Only Scan using core_partner_list_name" in common, common


async def test_a_search_is_planned_for_its_own_words_and_other_queries_are_not(core_db: str) -> None:
    from core.db.engine import planned_for_values

    async def mode() -> str:
        return (await Partner.raw("SHOW plan_cache_mode").run())[0]["plan_cache_mode"]

    if is_sqlite():
        async with planned_for_values():  # nothing to set: SQLite plans every statement
            assert await Partner.count().run() >= 0
        return
    assert await mode() == "auto"
    async with planned_for_values():
        assert await mode() == "force_custom_plan"
    assert await mode() == "auto"  # LOCAL: gone with the transaction, not left on the pooled connection
