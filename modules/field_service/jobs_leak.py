"""The lost-revenue detector as a nightly job (declared in parts/leak.py)."""

from __future__ import annotations


async def detect_leaks() -> dict[str, int]:
    """Record what is earned but not billed; a rerun updates the same findings."""
    from modules.field_service.services import leak

    summary = await leak.run()
    return {"found": summary.found, "new": summary.new, "resolved": summary.resolved}
