"""The SLA job (declared with its five-minute schedule in parts/request.py); idempotent."""

from __future__ import annotations

from modules.field_service.services import sla


async def check_sla() -> dict[str, int]:
    """Warn about service requests near an SLA deadline and mark breached ones, each once."""
    return await sla.check()
