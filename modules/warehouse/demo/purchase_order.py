"""Purchase orders of the last weeks in every state, through the purchase service.

The reordering job has not run yet today: its page and the dashboard show what is below
minimum, and "Order now" drafts it. Refs: `purchase_order.<key>` for the orders below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal as D
from functools import partial
from typing import Any

from core.db.context import acting_as
from modules.warehouse.demo.refs import World, world
from modules.warehouse.demo.timeline import at, backdated, once, today, working_day
from modules.warehouse.models.purchase import PurchaseLine, PurchaseOrder
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import purchase

PO_TABLES = ((PurchaseOrder, ("created_at", "updated_at", "sent_at")), (PurchaseLine, ("created_at", "updated_at")))
BUYER = "manager_eva"  # Eva buys; Pieter receives


@dataclass(frozen=True)
class Order:
    key: str
    supplier: str
    shelf: str
    lines: tuple[tuple[str, int], ...]
    drafted: int  # days ago
    sent: int | None = None  # days ago (None: never sent)
    confirmed: int | None = None
    expected: int | None = None  # days from today (negative: in the past)
    received: int | None = None
    arrived: tuple[tuple[str, int], ...] = ()  # what came on `received` (default: everything)
    serials: tuple[tuple[str, tuple[str, ...]], ...] = ()
    lots: tuple[tuple[str, str], ...] = ()
    cancelled: int | None = None
    note: str = ""


ORDERS: tuple[Order, ...] = (
    Order("macinatura_burrs", "macinatura_precisa", "db_shelf_a", (("SP-BRR-64", 2),), drafted=17, sent=16,
          confirmed=15, expected=-6, received=6),
    Order("macinatura_grinders", "macinatura_precisa", "db_shelf_c", (("GRD-E65", 2), ("GRD-K30", 1)), drafted=17,
          sent=16, confirmed=15, expected=-6, received=6,
          serials=(("GRD-E65", ("PE65-2611-0901", "PE65-2611-0902")), ("GRD-K30", ("PK30-2611-0411",)))),
    Order("lombarde_machines", "macchine_lombarde", "db_shelf_c", (("ESP-2G", 3),), drafted=13, sent=12, confirmed=11,
          expected=-3, received=4, arrived=(("ESP-2G", 1),), serials=(("ESP-2G", ("LC2-2611-0950",)),),
          note="Two machines follow when the next batch leaves the factory."),
    Order("suter_parts", "suter_kaffeetechnik", "db_shelf_a", (("SP-BRU-V", 3), ("SP-MLK-PMP", 3)), drafted=4,
          sent=3, confirmed=2, expected=5, note="Brewing units were on backorder at Suter."),
    Order("aquapura_cartridges", "aquapura", "db_shelf_b", (("WT-CART-L", 12), ("WT-HEAD", 4)), drafted=2, sent=1),
    Order("horeca_slow_movers", "horeca_onderdelen", "db_shelf_a", (("SP-GAU", 4), ("SP-PF-2", 2)), drafted=1,
          note="Add the week's shortages before sending."),
    Order("horeca_pressostats", "horeca_onderdelen", "db_shelf_a", (("SP-PST", 5),), drafted=20, cancelled=19,
          note="The pressure switch is replaced by a new model; order again when its code is known."),
)


async def load_purchase_orders() -> None:
    w = await world()
    for order in sorted(ORDERS, key=lambda o: -o.drafted):  # numbered in the order they were drafted
        await once(f"purchase_order.{order.key}", PurchaseOrder, partial(_play, w, order))


def _stamp(days_ago: int, hour: int) -> dt.datetime:
    return at(working_day(days_ago), hour)


async def _play(w: World, o: Order) -> int:
    with acting_as(w.user[BUYER]):
        async with backdated(_stamp(o.drafted, 9), *PO_TABLES):
            row = await purchase.create(w.partner[o.supplier], w.location[o.shelf], note=o.note)
            for code, qty in o.lines:
                await purchase.add_line(row["id"], w.product[code], D(qty))
        if o.sent is not None:
            async with backdated(_stamp(o.sent, 10), *PO_TABLES):
                await purchase.mark_sent(row["id"])
        if o.confirmed is not None:
            async with backdated(_stamp(o.confirmed, 11), *PO_TABLES):
                await purchase.confirm(row["id"])
        if o.cancelled is not None:
            async with backdated(_stamp(o.cancelled, 14), *PO_TABLES):
                await purchase.cancel(row["id"])
    await _dates(row["id"], o)
    if o.received is not None:
        with acting_as(w.user["warehouse_pieter"]):
            async with backdated(_stamp(o.received, 8), *PO_TABLES):
                await _receive(w, row["id"], o)
    return int(row["id"])


async def _dates(order: int, o: Order) -> None:
    """The order's dates as they were then (the service stamps today's)."""
    changes: dict[Any, Any] = {}
    placed = o.sent if o.sent is not None else o.confirmed
    if placed is not None:
        changes[PurchaseOrder.ordered_on] = working_day(placed)
    if o.expected is not None:
        expected = today() + dt.timedelta(days=o.expected)
        changes[PurchaseOrder.expected_on] = expected
        await Transfer.update({Transfer.scheduled: expected}).where(
            (Transfer.origin == (await purchase.get(order))["number"]) & (Transfer.kind == "receipt")).run()
    if changes:
        await PurchaseOrder.update(changes).where(PurchaseOrder.id == order).run()


async def _receive(w: World, order: int, o: Order) -> None:
    row = await purchase.get(order)
    pending = await purchase.receipt_lines(row)
    by_code = {m["product_code"]: m["id"] for m in pending}
    arrived: Sequence[tuple[str, int]] = o.arrived or o.lines
    done = {by_code[code]: D(qty) for code, qty in arrived}
    serials = {by_code[code]: list(names) for code, names in o.serials}
    lots = {by_code[code]: name for code, name in o.lots}
    await purchase.receive(order, done=done, serials=serials, lots=lots)
