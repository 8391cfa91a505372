"""The demo's transfers: receipts from suppliers, machine sales, van refills, scrap.

Each function does one event of the history through the transfer service and
returns the transfer's id (0 when there was nothing to move).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal as D

from core.db import records
from modules.warehouse.demo.refs import World
from modules.warehouse.demo.reorder_rule import SHELF_RULES, VAN_KIT
from modules.warehouse.demo.supplier_price import price_for
from modules.warehouse.models.lot import Lot
from modules.warehouse.services import forecast, quant
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.transfer import Line

ZERO = D(0)


@dataclass(frozen=True)
class Incoming:
    """A receipt line: serial numbers for machines, a lot (batch) for filter cartridges."""

    code: str
    qty: int
    unit_cost: D
    serials: tuple[str, ...] = ()
    lot: str = ""
    expiry: dt.date | None = None
    short: int = 0  # not delivered this time: left on a backorder


async def receive(w: World, supplier: str, dest: str, lines: Sequence[Incoming], *, origin: str,
                  day: dt.date) -> int:
    plan: list[Line] = []
    for inc in lines:
        lot = None
        if inc.lot:
            lot = (await records.create(Lot, {"product": w.product[inc.code], "name": inc.lot,
                                              "expiry": inc.expiry}))["id"]
        plan.append(Line(w.product[inc.code], D(inc.qty), lot=lot, unit_cost=inc.unit_cost))
    t = await transfers.create("receipt", w.location["suppliers"], w.location[dest], plan,
                               partner=w.partner[supplier], origin=origin, scheduled=day)
    made = await transfers.lines(t["id"])
    serials = {m["id"]: list(inc.serials) for m, inc in zip(made, lines, strict=True) if inc.serials}
    done = {m["id"]: D(inc.qty - inc.short) for m, inc in zip(made, lines, strict=True) if inc.short}
    if any(inc.qty > inc.short for inc in lines):  # else nothing came yet: the receipt waits
        await transfers.validate(t["id"], done=done, serials=serials)
    return int(t["id"])


async def lines_from(w: World, source: int, product: int, qty: D) -> list[Line]:
    """Lines taking `qty` of `product` at `source`: one per lot (oldest first) if tracked,
    fewer units if not that many are available."""
    if w.tracking[product] == "none":
        free = await quant.available(product, source)
        return [Line(product, min(qty, free))] if min(qty, free) > 0 else []
    out: list[Line] = []
    for lot, free in await quant.lots_available(product, source):
        if qty <= 0:
            break
        take = min(free, qty)
        out.append(Line(product, take, lot=lot))
        qty -= take
    return out


async def move_internal(w: World, source: str, dest: str, items: Sequence[tuple[str, int]], *, origin: str,
                        day: dt.date, validate: bool = True) -> int:
    """An internal transfer, done (or, unless `validate`, only reserved)."""
    plan: list[Line] = []
    for code, qty in items:
        plan += await lines_from(w, w.location[source], w.product[code], D(qty))
    if not plan:
        return 0
    t = await transfers.create("internal", w.location[source], w.location[dest], plan, origin=origin, scheduled=day)
    if validate:
        await transfers.validate(t["id"])
    else:  # picked and waiting on the bench for the van
        await transfers.reserve(t["id"])
    return int(t["id"])


async def refill_van(w: World, user_key: str, *, day: dt.date, validate: bool = True,
                     to_max: bool = False) -> int:
    """Refill what fell below its min (or, `to_max`, anything short of its max) up to its max,
    from the shelf the item is kept on: what the van's reordering rules ask for."""
    van = w.van(user_key)
    wanted: dict[str, list[tuple[str, int]]] = {}
    for code, low, high, shelf in VAN_KIT:
        on_hand = await quant.available(w.product[code], van)
        if on_hand < low or (to_max and on_hand < high):
            wanted.setdefault(shelf, []).append((code, int(high - on_hand)))
    first = 0
    origin = f"Van refill {day:%G-W%V}"
    for shelf, items in wanted.items():
        made = await move_internal(w, shelf, f"van_{user_key}", items, origin=origin, day=day, validate=validate)
        first = first or made
    return first


@dataclass(frozen=True)
class Sale:
    customer: str
    items: tuple[tuple[str, int], ...]  # machines go out with their serial numbers, oldest first
    note: str = ""


async def deliver(w: World, source: str, sale: Sale, *, origin: str = "", day: dt.date,
                  validate: bool = True) -> int:
    """Machines or parts sold to a customer: delivered, or (not `validate`) reserved for delivery."""
    plan: list[Line] = []
    for code, qty in sale.items:
        plan += await lines_from(w, w.location[source], w.product[code], D(qty))
    if not plan:
        return 0
    t = await transfers.create("delivery", w.location[source], w.location["customers"], plan,
                               partner=w.partner[sale.customer], origin=origin, scheduled=day, note=sale.note)
    await transfers.reserve(t["id"])
    if validate:
        await transfers.validate(t["id"])
    return int(t["id"])


async def scrap(w: World, source: str, items: Sequence[tuple[str, int]], *, note: str, day: dt.date) -> int:
    plan: list[Line] = []
    for code, qty in items:
        plan += await lines_from(w, w.location[source], w.product[code], D(qty))
    if not plan:
        return 0
    t = await transfers.create("scrap", w.location[source], w.location["scrap"], plan, scheduled=day, note=note)
    await transfers.validate(t["id"])
    return int(t["id"])


async def replenish(w: World, supplier: str, shelf: str, *, origin: str, day: dt.date, price_changed: dt.date,
                    skip: frozenset[str] = frozenset(), short: dict[str, int] | None = None) -> int:
    """What the reordering rules ask of `supplier` for `shelf` (forecast below min: up to max,
    rounded up to the multiple), received at once; `short` units stay on a backorder."""
    short = short or {}
    lines: list[Incoming] = []
    for code, rule_shelf, low, high, multiple, rule_supplier, _lead in SHELF_RULES:
        if (rule_shelf, rule_supplier) != (shelf, supplier) or code in skip:
            continue
        have = (await forecast.position(w.product[code], w.location[shelf])).forecast
        if have >= low and code not in short:
            continue
        qty = max(multiple, math.ceil((high - have) / multiple) * multiple)
        batch = f"AP{day:%y%m}-{day.toordinal() % 9000 + len(lines):04d}" if code.startswith("WT-CART") else ""
        lines.append(Incoming(code, qty, price_for(code, supplier, qty, before_price_change=day < price_changed),
                              lot=batch, expiry=day + dt.timedelta(days=3 * 365) if batch else None,
                              short=min(qty, short.get(code, 0))))
    if not lines:
        return 0
    return await receive(w, supplier, shelf, lines, origin=origin, day=day)
