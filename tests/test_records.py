"""Optimistic locking, the audit log, and document sequences."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from core.db import records, sequence
from core.db.audit import history
from core.db.context import acting_as
from core.partners.models import Partner


async def test_update_bumps_version_and_stamps_who(core_db: str) -> None:
    with acting_as(7):
        row = await records.create(Partner, {"name": "Café De Zwaan", "is_customer": True})
        saved = await records.update(Partner, row["id"], {"city": "Tilburg"}, version=row["version"])
    assert saved["version"] == 2 and saved["updated_by"] == 7 and saved["created_by"] == 7


async def test_a_stale_update_is_refused_and_changes_nothing(core_db: str) -> None:
    row = await records.create(Partner, {"name": "Hotel Central"})
    await records.update(Partner, row["id"], {"city": "Breda"}, version=1)
    with pytest.raises(records.StaleRecordError, match="version 1, it is now at version 2"):
        await records.update(Partner, row["id"], {"city": "Eindhoven"}, version=1)
    current = await Partner.select().where(Partner.id == row["id"]).first().run()
    assert current["city"] == "Breda" and current["version"] == 2


async def test_concurrent_edits_from_the_same_version_let_exactly_one_win(core_db: str) -> None:
    row = await records.create(Partner, {"name": "Bistro Oost"})

    async def edit(city: str) -> str:
        try:
            await records.update(Partner, row["id"], {"city": city}, version=1)
            return "ok"
        except records.StaleRecordError:
            return "stale"

    results = await asyncio.gather(*(edit(f"City {i}") for i in range(10)))
    assert results.count("ok") == 1 and results.count("stale") == 9


async def test_updating_a_missing_record_says_so(core_db: str) -> None:
    with pytest.raises(records.RecordNotFound, match="core_partner #999"):
        await records.update(Partner, 999, {"city": "X"}, version=1)


async def test_changes_write_audit_entries_with_old_and_new_values(core_db: str) -> None:
    with acting_as(3):
        row = await records.create(Partner, {"name": "Lunchroom Zuid", "city": "Oss"})
        await records.update(Partner, row["id"], {"city": "Uden", "name": "Lunchroom Zuid"}, version=1)
    entries = await history(Partner, row["id"])
    writes = [e for e in entries if e["action"] == "write"]
    assert [(e["field"], e["old"], e["new"], e["user_id"]) for e in writes] == [("city", "Oss", "Uden", 3)]
    assert {e["field"] for e in entries if e["action"] == "create"} >= {"name", "city"}


async def test_many_records_are_created_in_order_stamped_and_audited_like_one(core_db: str) -> None:
    names = [f"Koffiebar {n}" for n in range(1203)]  # more than one INSERT's worth
    with acting_as(3):
        ids = await records.create_many(Partner, [{"name": n, "city": "Oss"} for n in names])
        quiet = await records.create_many(Partner, [{"name": "Stil", "city": ""}], log_fields=False)
    rows = await Partner.select(Partner.id, Partner.name, Partner.version, Partner.created_by).where(
        Partner.id.is_in(ids)).order_by(Partner.id).run()
    assert [r["name"] for r in rows] == names and [r["id"] for r in rows] == ids
    assert {(r["version"], r["created_by"]) for r in rows} == {(1, 3)}
    logged = await history(Partner, ids[-1])
    assert {(e["field"], e["new"], e["user_id"]) for e in logged} == {("name", names[-1], 3), ("city", "Oss", 3)}
    assert [(e["action"], e["field"]) for e in await history(Partner, quiet[0])] == [("create", "")]
    with pytest.raises(ValueError, match="same fields"):
        await records.create_many(Partner, [{"name": "A"}, {"name": "B", "city": "Oss"}])
    with pytest.raises(ValueError, match="no column"):
        await records.create_many(Partner, [{"nmae": "A"}])


async def test_a_failed_bulk_create_writes_nothing(core_db: str) -> None:
    from core.db.engine import transaction

    before = await Partner.count().run()
    with pytest.raises(RuntimeError):
        async with transaction():
            await records.create_many(Partner, [{"name": f"P{n}"} for n in range(10)])
            raise RuntimeError("crash after the write")
    assert await Partner.count().run() == before


async def test_audit_entry_rolls_back_with_the_change(core_db: str) -> None:
    from core.db.engine import transaction

    row = await records.create(Partner, {"name": "Garage Noord"})
    with pytest.raises(RuntimeError):
        async with transaction():
            await records.update(Partner, row["id"], {"city": "Zwolle"}, version=1)
            raise RuntimeError("crash after the write")
    assert not [e for e in await history(Partner, row["id"]) if e["action"] == "write"]
    current = await Partner.select(Partner.city, Partner.version).where(Partner.id == row["id"]).first().run()
    assert current == {"city": "", "version": 1}


async def test_delete_checks_the_version_and_is_audited(core_db: str) -> None:
    row = await records.create(Partner, {"name": "Temp"})
    with pytest.raises(records.StaleRecordError):
        await records.delete(Partner, row["id"], version=5)
    await records.delete(Partner, row["id"], version=1)
    assert not await Partner.exists().where(Partner.id == row["id"]).run()
    assert (await history(Partner, row["id"]))[0]["action"] == "delete"


async def test_sequence_numbers_follow_the_pattern_and_reset_yearly(core_db: str) -> None:
    await sequence.define("test.wo", "WO/{year}/{number:05d}")
    assert await sequence.next_number("test.wo", dt.date(2026, 3, 1)) == "WO/2026/00001"
    assert await sequence.next_number("test.wo", dt.date(2026, 3, 2)) == "WO/2026/00002"
    assert await sequence.next_number("test.wo", dt.date(2027, 1, 1)) == "WO/2027/00001"


async def test_sequence_numbers_are_unique_under_concurrent_allocation(core_db: str) -> None:
    await sequence.define("test.inv", "INV{number:04d}", reset="never")
    numbers = await asyncio.gather(*(sequence.next_number("test.inv") for _ in range(40)))
    assert len(set(numbers)) == 40
    assert sorted(numbers) == [f"INV{i:04d}" for i in range(1, 41)]


async def test_unknown_sequence_is_named(core_db: str) -> None:
    with pytest.raises(sequence.UnknownSequence, match="nope"):
        await sequence.next_number("nope")
