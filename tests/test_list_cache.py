"""Kept list pages (ListSpec(cache=True), core.web.kit.lists.fetch_page): a page read once
is served again only while the revisions (core.db.revisions) of every table it reads
hold; any write to one of them, by any path, makes the next request read afresh. Users
under record rules never share kept pages, and `Cache-Control: no-cache` reads afresh."""

from __future__ import annotations

from typing import Any

import pytest
from kit_pages import HTMX, client_as_fixture, names, ruled_catalog_fixture  # noqa: F401

from core.auth.current import CurrentUser, load_user
from core.db import records
from core.db.engine import is_sqlite, transaction
from core.db.revisions import TableRevisions, TaggedCache, revisions
from core.modules.discovery import Catalog, discover
from core.partners.controllers import PARTNER_LIST
from core.partners.models import Partner, Territory
from core.products.controllers import PRODUCT_LIST
from core.registry import Registry, load
from core.testing import make_user
from core.web.kit import crud
from core.web.kit.lists import Page, fetch_page, parse_state

READ = ("core_partner", "core_territory")


class Query(dict):
    def getall(self, key: str, default: list[str] | None = None) -> list[str]:
        value = self.get(key)
        return [value] if value is not None else default or []


async def user_named(login: str, role: str) -> CurrentUser:
    user = await load_user((await make_user(login, roles=(role,)))["id"])
    assert user is not None
    return user


async def page(registry: Registry, user: CurrentUser, cache: TaggedCache[Page], **query: str) -> Page:
    return await fetch_page(PARTNER_LIST, parse_state(PARTNER_LIST, Query(query)), registry, user, cache)


def test_a_list_reads_its_table_and_the_tables_its_columns_join() -> None:
    assert PARTNER_LIST.read_tables == READ
    assert PRODUCT_LIST.read_tables == ("core_product", "core_product_category")
    assert PARTNER_LIST.cache and PRODUCT_LIST.cache


async def test_every_write_moves_the_revision_of_its_table_only(core_db: str) -> None:
    start = await revisions(READ)
    assert start is not None
    made = await records.create(Partner, {"name": "Café De Zwaan"})
    after_insert = await revisions(READ)
    assert after_insert is not None and after_insert[0] > start[0] and after_insert[1] == start[1]
    await Partner.raw("UPDATE core_partner SET city = 'Oss' WHERE id = {}", made["id"]).run()
    after_update = await revisions(READ)
    assert after_update is not None and after_update[0] > after_insert[0]
    await Partner.delete().where(Partner.id == made["id"]).run()
    after_delete = await revisions(READ)
    assert after_delete is not None and after_delete[0] > after_update[0] and after_delete[1] == start[1]
    await records.create(Territory, {"code": "N", "name": "North"})
    moved = await revisions(READ)
    assert moved is not None and moved[1] > start[1]


async def test_postgresql_bumps_once_per_transaction_at_commit(core_db: str) -> None:
    if is_sqlite():
        return  # SQLite's row triggers bump per row; writers are serialized there anyway
    start = await revisions(READ)
    assert start is not None
    async with transaction():
        for n in range(3):
            await Partner.insert(Partner(name=f"Partner {n}")).run()
    end = await revisions(READ)
    assert end is not None and end[0] == start[0] + 1


async def test_a_table_without_its_counter_is_never_kept(core_db: str) -> None:
    await TableRevisions(("core_territory",)).drop()
    assert await revisions(READ) is None
    user = await user_named("mia", "manager")
    registry = await load(discover())
    cache: TaggedCache[Page] = TaggedCache()
    first = await page(registry, user, cache)
    assert await page(registry, user, cache) is not first and len(cache) == 0
    await TableRevisions(("core_territory",)).create()
    assert await revisions(READ) is not None


async def test_a_kept_page_is_served_until_a_table_it_reads_changes(core_db: str) -> None:
    registry = await load(discover())
    mia, sem = await user_named("mia", "manager"), await user_named("sem", "manager")
    north = await records.create(Territory, {"code": "N", "name": "North"})
    zwaan = await records.create(Partner, {"name": "Café De Zwaan", "territory": north["id"], "city": "Oss"})
    cache: TaggedCache[Page] = TaggedCache()

    first = await page(registry, mia, cache, q="zwaan")
    assert [r["name"] for r in first.rows] == ["Café De Zwaan"]
    assert await page(registry, mia, cache, q="zwaan") is first
    assert await page(registry, sem, cache, q="zwaan") is first  # the same rows for every unruled user
    other = await page(registry, mia, cache, q="oss")
    assert other is not first and await page(registry, mia, cache, q="oss") is other

    # A write through the records layer, one in plain SQL (as another process would), one
    # to a joined table: each is seen by the very next request.
    await records.update(Partner, zwaan["id"], {"name": "Café De Zwaan BV"}, version=zwaan["version"])
    renamed = await page(registry, mia, cache, q="zwaan")
    assert renamed is not first and [r["name"] for r in renamed.rows] == ["Café De Zwaan BV"]
    await Partner.raw("UPDATE core_partner SET city = 'Breda' WHERE id = {}", zwaan["id"]).run()
    moved = await page(registry, mia, cache, q="zwaan")
    assert moved is not renamed and moved.rows[0]["city"] == "Breda"
    await Territory.raw("UPDATE core_territory SET name = 'Noord' WHERE id = {}", north["id"]).run()
    relabelled = await page(registry, mia, cache, q="zwaan")
    assert relabelled is not moved and relabelled.rows[0]["territory_name"] == "Noord"
    await Partner.delete().where(Partner.id == zwaan["id"]).run()
    assert (await page(registry, mia, cache, q="zwaan")).rows == []


async def test_nothing_read_inside_a_transaction_is_kept(core_db: str) -> None:
    registry = await load(discover())
    mia = await user_named("mia", "manager")
    cache: TaggedCache[Page] = TaggedCache()
    with pytest.raises(RuntimeError):
        async with transaction():
            await records.create(Partner, {"name": "Never Committed BV"})
            seen = await page(registry, mia, cache, q="committed")
            assert [r["name"] for r in seen.rows] == ["Never Committed BV"]  # its own write
            raise RuntimeError("rolled back")
    assert len(cache) == 0
    assert (await page(registry, mia, cache, q="committed")).rows == []


async def test_users_under_record_rules_read_their_own_rows(ruled_catalog: Catalog) -> None:
    registry = await load(ruled_catalog)
    mia, lotte = await user_named("mia", "manager"), await user_named("lotte", "sales")
    await records.create(Partner, {"name": "Hotel Central", "is_customer": True})
    await records.create(Partner, {"name": "Bonenbrander BV", "is_supplier": True})
    cache: TaggedCache[Page] = TaggedCache()
    everyone = await page(registry, mia, cache)
    assert [r["name"] for r in everyone.rows] == ["Bonenbrander BV", "Hotel Central"]
    ruled = await page(registry, lotte, cache)
    assert [r["name"] for r in ruled.rows] == ["Hotel Central"]
    assert await page(registry, lotte, cache) is not ruled and len(cache) == 1


async def test_the_rows_fragment_follows_edits_and_no_cache_reads_afresh(client_as: Any, monkeypatch: Any) -> None:
    await make_user("mia", roles=("manager",))
    made = await records.create(Partner, {"name": "Café De Zwaan"})
    client = await client_as("mia")
    url = "/contacts/partners?q=zwaan"
    assert names((await client.get(url, headers=HTMX)).text) == ["Café De Zwaan"]
    edit = await client.get(f"/contacts/partners/{made['id']}/edit", headers={"accept": "text/html"})
    token = client.cookies.get("steward_csrf")
    form = {"_csrf_token": token, "version": str(made["version"]), "kind": "organisation", "name": "Zwaan & Co",
            "language": "nl", "country": "NL", "active": "on"}
    assert edit.status_code == 200
    saved = await client.post(f"/contacts/partners/{made['id']}/edit", data=form)
    assert saved.status_code == 303, saved.text[:500]
    assert names((await client.get(url, headers=HTMX)).text) == ["Zwaan & Co"]

    seen: list[object] = []
    real = crud.fetch_page

    async def spy(*args: Any) -> Page:
        seen.append(args[-1])
        return await real(*args)

    monkeypatch.setattr(crud, "fetch_page", spy)
    await client.get(url, headers=HTMX)
    await client.get(url, headers={**HTMX, "cache-control": "no-cache"})
    assert isinstance(seen[0], TaggedCache) and seen[1] is None
