"""Stock value: quantity on hand x the product's (average) cost, at stocked locations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.products.models import Product
from modules.warehouse.models.location import STOCKED_KINDS, Location
from modules.warehouse.services.stock_levels import STOCKED_SQL, dec, fmt_qty, within

CENT = Decimal("0.01")


@dataclass(frozen=True)
class WarehouseValue:
    warehouse: int | None
    code: str
    name: str
    value: Decimal


async def by_warehouse() -> list[WarehouseValue]:
    """The stock value of each warehouse (its locations and vans), largest first; stock at
    locations outside any warehouse (in transit, at repairers) comes last, without a code."""
    places = await Location.select(
        Location.id, Location.warehouse, Location.warehouse.code.as_alias("code"),
        Location.warehouse.name.as_alias("name")).where(Location.kind.is_in(list(STOCKED_KINDS))).run()
    if not places:
        return []
    cond, args = within("q.location", [p["id"] for p in places])
    values = {r["location"]: dec(r["value"]) for r in await Product.raw(
        f"SELECT q.location, SUM(q.quantity * p.cost) AS value FROM warehouse_quant q "
        f"JOIN core_product p ON p.id = q.product WHERE {cond} AND q.quantity > 0 GROUP BY q.location", *args).run()}
    found: dict[int | None, WarehouseValue] = {}
    for place in places:
        if place["id"] not in values:
            continue
        key = place["warehouse"]
        before = found.get(key, WarehouseValue(key, place["code"] or "", place["name"] or "", Decimal(0)))
        found[key] = WarehouseValue(key, before.code, before.name, before.value + values[place["id"]])
    rounded = [WarehouseValue(v.warehouse, v.code, v.name, v.value.quantize(CENT)) for v in found.values()]
    return sorted(rounded, key=lambda v: (v.warehouse is None, -v.value))


async def lines(warehouse: int | None = None) -> list[dict[str, Any]]:
    """Every product on hand per location: quantity, unit cost and value (lots summed)."""
    where, args = f"l.kind IN ({STOCKED_SQL}) AND q.quantity > 0", []
    if warehouse:
        where += " AND l.warehouse = {}"
        args.append(warehouse)
    rows = await Product.raw(
        f"SELECT l.id AS location, l.full_name, w.code AS warehouse_code, w.name AS warehouse_name, "
        f"p.id AS product, p.code, p.name, p.unit, p.cost, SUM(q.quantity) AS quantity FROM warehouse_quant q "
        f"JOIN warehouse_location l ON l.id = q.location JOIN core_product p ON p.id = q.product "
        f"LEFT JOIN warehouse_warehouse w ON w.id = l.warehouse WHERE {where} "
        f"GROUP BY l.id, l.full_name, w.code, w.name, p.id, p.code, p.name, p.unit, p.cost "
        f"ORDER BY l.full_name, p.code", *args).run()
    out = []
    for r in rows:
        qty, cost = dec(r["quantity"]), dec(r["cost"])
        out.append({**r, "quantity": qty, "cost": cost, "value": (qty * cost).quantize(CENT)})
    return out


async def report(record_id: int | None = None) -> dict[str, Any]:
    """The stock valuation report: per location, its products and a subtotal; a total per
    warehouse and overall."""
    from core.company.models import Company

    groups: dict[int, dict[str, Any]] = {}
    for line in await lines():
        group = groups.setdefault(line["location"], {
            "name": line["full_name"], "warehouse": line["warehouse_name"] or "", "lines": [], "value": Decimal(0)})
        group["lines"].append(line)
        group["value"] += line["value"]
    company = await Company.select(Company.currency).first().run()
    today = dt.date.today()
    warehouses = await by_warehouse()
    return {
        "locations": list(groups.values()),
        "warehouses": warehouses,
        "total": sum((w.value for w in warehouses), Decimal(0)),
        "product_count": len({line["product"] for g in groups.values() for line in g["lines"]}),
        "currency": company["currency"] if company and company["currency"] else "EUR",
        "valued_on": today,
        "qty": fmt_qty,
    }
