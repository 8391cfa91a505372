"""Fixtures for warehouse tests: a database with the module installed, and records built
through the module's services (never raw SQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.db import records
from core.partners.models import Partner
from core.products.models import Product
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import location as locations


@pytest.fixture
async def warehouse_db(installed: Any) -> str:
    return str(await installed("warehouse"))


async def product(code: str = "GSK-58", *, tracking: str = "none", cost: str = "4.20") -> int:
    return (await records.create(Product, {"code": code, "name": f"Part {code}", "kind": "stockable",
                                           "tracking": tracking, "cost": Decimal(cost)}))["id"]


async def shelf(name: str = "Stock", code: str = "DB") -> int:
    wh = await Warehouse.select(Warehouse.id).where(Warehouse.code == code).first().run()
    wh_id = wh["id"] if wh else (await records.create(Warehouse, {"code": code, "name": f"Warehouse {code}"}))["id"]
    return int((await locations.create({"name": name, "kind": "internal", "warehouse": wh_id}))["id"])


async def supplier(name: str = "Lombarda Parts S.r.l.") -> int:
    return int((await records.create(Partner, {"name": name, "is_supplier": True}))["id"])
