"""The example module's background jobs (declared in the manifest)."""

from __future__ import annotations

from steward_example.services import water_test_due


async def flag_due_water_tests() -> int:
    """Nightly: flag customers whose last water test is older than twelve months."""
    return await water_test_due.flag_due()
