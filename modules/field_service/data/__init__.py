"""Records every install needs: the document number sequences (a new series each year)."""

from __future__ import annotations

from core.db import sequence

SEQUENCES = (
    ("field_service.request", "Service requests", "SR/{year}/{number:05d}"),
    ("field_service.work_order", "Work orders", "WO/{year}/{number:05d}"),
    ("field_service.contract", "Service contracts", "SC/{year}/{number:05d}"),
)


async def load_data() -> None:
    for code, name, pattern in SEQUENCES:
        await sequence.define(code, pattern, name=name)
