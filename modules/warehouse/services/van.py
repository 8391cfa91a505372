"""Vans: the stock a technician carries, and asking the warehouse for a refill.

A refill request becomes internal transfers from the van's warehouse to the van, one
per source location: each product comes from where the van's reorder rule says
(`refill_from`), else from the location of the warehouse holding most of it available,
else from the warehouse's main stock location. Warehouse staff reserve and validate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from typing import Any

from core.db.engine import transaction
from core.i18n import _
from core.products.models import Product
from modules.warehouse.models.location import Location
from modules.warehouse.models.quant import Quant
from modules.warehouse.models.reorder_rule import ReorderRule
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import forecast
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.errors import NotAllowed
from modules.warehouse.services.stock_levels import dec

ORIGIN = "refill request"
ZERO = Decimal(0)


async def vans() -> list[dict[str, Any]]:
    """Active vans with their driver, units on hand and open refills."""
    rows = await Location.select(
        Location.id, Location.full_name, Location.name, Location.user, Location.user.name.as_alias("driver"),
        Location.warehouse.code.as_alias("warehouse_code"),
    ).where((Location.kind == "van") & (Location.active == True)).order_by(Location.name).run()  # noqa: E712
    ids = [r["id"] for r in rows] or [0]
    totals: dict[int, dict[str, Decimal]] = {}
    for q in await Quant.select(Quant.location, Quant.product, Quant.quantity, Quant.reserved).where(
            Quant.location.is_in(ids)).run():
        t = totals.setdefault(q["location"], {"on_hand": ZERO, "reserved": ZERO})
        t["on_hand"] += dec(q["quantity"])
        t["reserved"] += dec(q["reserved"])
    products: dict[int, set[int]] = {}
    for q in await Quant.select(Quant.location, Quant.product).where(
            Quant.location.is_in(ids) & (Quant.quantity > 0)).run():
        products.setdefault(q["location"], set()).add(q["product"])
    refills: dict[int, int] = {}
    for t in await Transfer.select(Transfer.destination).where(
            Transfer.destination.is_in(ids) & Transfer.state.is_in(["draft", "reserved"])).run():
        refills[t["destination"]] = refills.get(t["destination"], 0) + 1
    return [{**r, **totals.get(r["id"], {"on_hand": ZERO, "reserved": ZERO}),
             "products": len(products.get(r["id"], ())), "open_refills": refills.get(r["id"], 0)} for r in rows]


async def get(van: int) -> dict[str, Any] | None:
    return await Location.select(
        *Location.all_columns(), Location.user.name.as_alias("driver"),
    ).where((Location.id == van) & (Location.kind == "van")).first().run()


async def stock(van: int) -> list[dict[str, Any]]:
    """Every product in the van or on its way there, with its van rule's min and max."""
    positions = await forecast.positions(van)
    rules = {r["product"]: r for r in await ReorderRule.select(
        ReorderRule.product, ReorderRule.min_qty, ReorderRule.max_qty).where(
        (ReorderRule.location == van) & (ReorderRule.active == True)).run()}  # noqa: E712
    ids = list({*positions, *rules}) or [0]
    products = {p["id"]: p for p in await Product.select(
        Product.id, Product.code, Product.name, Product.unit).where(Product.id.is_in(ids)).run()}
    rows = []
    for pid, product in products.items():
        pos = positions.get(pid, forecast.Position())
        rule = rules.get(pid)
        if not rule and not (pos.on_hand or pos.incoming or pos.outgoing):
            continue  # emptied long ago and no rule: nothing to show
        rows.append({
            "product": pid, "code": product["code"], "name": product["name"], "unit": product["unit"],
            "on_hand": pos.on_hand, "reserved": pos.reserved, "available": pos.available,
            "incoming": pos.incoming, "forecast": pos.forecast, "status": pos.status,
            "min": dec(rule["min_qty"]) if rule else None, "max": dec(rule["max_qty"]) if rule else None,
        })
    return sorted(rows, key=lambda r: r["code"])


def suggestions(rows: Sequence[dict[str, Any]]) -> list[tuple[int, Decimal]]:
    """What a refill request proposes: every product whose forecast is below its rule's max,
    up to the max (whole units)."""
    out = []
    for r in rows:
        if r["max"] is not None and r["forecast"] < r["max"]:
            out.append((r["product"], (r["max"] - r["forecast"]).to_integral_value(ROUND_CEILING)))
    return out


async def open_refills(van: int) -> list[dict[str, Any]]:
    return await Transfer.select(
        Transfer.id, Transfer.number, Transfer.state, Transfer.scheduled, Transfer.origin,
        Transfer.source.full_name.as_alias("source_name"),
    ).where((Transfer.destination == van) & Transfer.state.is_in(["draft", "reserved"])).order_by(Transfer.id).run()


async def main_stock(warehouse: int | None) -> int:
    """The warehouse's main stock location: its first top-level internal location."""
    query = Location.select(Location.id).where(
        (Location.kind == "internal") & (Location.active == True) & Location.parent.is_null())  # noqa: E712
    row = None
    if warehouse:
        row = await query.where(Location.warehouse == warehouse).order_by(Location.id).first().run()
    row = row or await query.where(Location.warehouse.is_not_null()).order_by(Location.id).first().run()
    if row is None:
        raise NotAllowed(_("There is no warehouse stock location to refill the van from."))
    return int(row["id"])


async def _source(van: dict[str, Any], product: int, fallback: int) -> int:
    rule = await ReorderRule.select(ReorderRule.refill_from).where(
        (ReorderRule.location == van["id"]) & (ReorderRule.product == product) & (ReorderRule.active == True)  # noqa: E712
        & ReorderRule.refill_from.is_not_null()).first().run()
    if rule:
        return int(rule["refill_from"])
    where = (Quant.product == product) & (Quant.location.kind == "internal") & (Quant.location.active == True)  # noqa: E712
    if van["warehouse"]:
        where &= Quant.location.warehouse == van["warehouse"]
    best: dict[int, Decimal] = {}
    for q in await Quant.select(Quant.location, Quant.quantity, Quant.reserved).where(where).run():
        best[q["location"]] = best.get(q["location"], ZERO) + dec(q["quantity"]) - dec(q["reserved"])
    found = max(best.items(), key=lambda kv: (kv[1], -kv[0]), default=None)
    return found[0] if found and found[1] > 0 else fallback


async def request_refill(van: int, lines: Sequence[tuple[int, Decimal]]) -> list[dict[str, Any]]:
    """Draft internal transfers bringing `lines` (product, quantity) to the van."""
    row = await get(van)
    if row is None or not row["active"]:
        raise NotAllowed(_("This van is not in use."))
    wanted: dict[int, Decimal] = {}
    for product, qty in lines:
        if qty <= 0:
            raise NotAllowed(_("A move needs a quantity above zero."))
        wanted[product] = wanted.get(product, ZERO) + Decimal(qty)
    if not wanted:
        raise NotAllowed(_("Add at least one product to the refill."))
    fallback = await main_stock(row["warehouse"])
    by_source: dict[int, list[transfers.Line]] = {}
    for product, qty in wanted.items():
        by_source.setdefault(await _source(row, product, fallback), []).append(transfers.Line(product, qty))
    async with transaction():
        return [await transfers.create("internal", source, van, found, origin=ORIGIN)
                for source, found in sorted(by_source.items())]
