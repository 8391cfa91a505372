"""Customers due for a water test: last test more than twelve months ago."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.db.engine import transaction
from core.jobs.idempotency import claim
from steward_example.models.water_test import WaterTest
from steward_example.models.water_test_due import WaterTestDue

STALE_AFTER = dt.timedelta(days=365)


async def _last_tests() -> dict[int, dt.date]:
    rows = await WaterTest.select(WaterTest.partner, WaterTest.measured_on).run()
    last: dict[int, dt.date] = {}
    for row in rows:
        if row["measured_on"] > last.get(row["partner"], dt.date.min):
            last[row["partner"]] = row["measured_on"]
    return last


async def flag_due(today: dt.date | None = None) -> int:
    """Flag every customer whose last test is stale, once per stale test; returns how many
    were flagged now. Safe to run twice: each flag claims an idempotency key with it."""
    cutoff = (today or dt.date.today()) - STALE_AFTER
    flagged = 0
    for partner, last in (await _last_tests()).items():
        if last >= cutoff:
            continue
        async with transaction():
            if await claim(f"example.water_test_due:{partner}:{last.isoformat()}"):
                await WaterTestDue.insert(WaterTestDue(partner=partner, last_tested_on=last)).run()
                flagged += 1
    return flagged


async def open_flags() -> list[dict[str, Any]]:
    """Flags not yet settled by a newer test, with the customer's name, oldest test first."""
    last = await _last_tests()
    rows = await WaterTestDue.select(*WaterTestDue.all_columns(),
                                     WaterTestDue.partner.name.as_alias("partner_name")).run()
    return sorted((r for r in rows if last.get(r["partner"]) == r["last_tested_on"]),
                  key=lambda r: r["last_tested_on"])
