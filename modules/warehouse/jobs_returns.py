"""Daily jobs of the returns area: overdue repairs and vendor claims, cycle counts.

Declared (with their schedules) in parts/returns.py; both are idempotent.
"""

from __future__ import annotations

from modules.warehouse.services import count, overdue


async def flag_overdue() -> dict[str, int]:
    """Flag repairs out and vendor claims that became overdue, and mail the managers about them."""
    return await overdue.flag()


async def open_due_counts() -> int:
    """Open a cycle count for every location that is due and has no open count."""
    return len(await count.open_due())
