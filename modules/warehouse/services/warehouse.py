"""Warehouses: buildings with their own location tree."""

from __future__ import annotations

from typing import Any

from core.db import records
from core.db.engine import transaction
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import location as locations


async def update(warehouse: int, values: dict[str, Any], version: int) -> dict[str, Any]:
    """Save a warehouse; a new code renames the paths of its locations ("DB/Stock" -> "DBS/Stock")."""
    async with transaction():
        row = await records.update(Warehouse, warehouse, values, version=version)
        await locations.rename_warehouse(warehouse)
        return row
