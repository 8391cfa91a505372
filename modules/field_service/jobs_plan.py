"""Daily jobs of the equipment area: prepare due maintenance visits, expire ended contracts."""

from __future__ import annotations


async def generate_maintenance() -> dict[str, int]:
    """Make the work orders of maintenance visits whose lead time has come (each once), reserve
    their parts kits, and mark overdue plans."""
    from modules.field_service.services import plan

    result = await plan.generate()
    return {"created": len(result.created), "unreserved": len(result.unreserved), "overdue": result.overdue}


async def expire_contracts() -> dict[str, int]:
    """Active service contracts whose end date has passed become expired."""
    from modules.field_service.services import contract

    return {"expired": await contract.expire()}
