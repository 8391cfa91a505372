"""Forecast: what a location will have once planned moves are done.

forecast = available + incoming - planned outgoing, where
- available = on hand - reserved (reserved units are already promised),
- incoming = draft or reserved moves into the location (receipts, refills, returns),
- planned outgoing = draft moves out of it (reserved ones are counted in `reserved`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from piccolo.query.functions.aggregate import Sum

from modules.warehouse.models.move import Move
from modules.warehouse.models.quant import Quant

ZERO = Decimal(0)


@dataclass(frozen=True)
class Position:
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    incoming: Decimal = ZERO
    outgoing: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def forecast(self) -> Decimal:
        return self.available + self.incoming - self.outgoing

    @property
    def status(self) -> str:
        """The availability colour: ok (green), reserved (amber: all promised), out (red)."""
        if self.available > 0:
            return "ok"
        return "reserved" if self.on_hand > 0 else "out"


async def positions(location: int, products: Iterable[int] | None = None) -> dict[int, Position]:
    """{product id: Position} at `location` (all products with stock or planned moves there)."""
    wanted = list(products) if products is not None else None
    quants = Quant.select(Quant.product, Sum(Quant.quantity).as_alias("on_hand"),
                          Sum(Quant.reserved).as_alias("reserved")).where(Quant.location == location)
    incoming = Move.select(Move.product, Sum(Move.quantity).as_alias("qty")).where(
        (Move.destination == location) & Move.state.is_in(["draft", "reserved"]))
    outgoing = Move.select(Move.product, Sum(Move.quantity).as_alias("qty")).where(
        (Move.source == location) & (Move.state == "draft"))
    if wanted is not None:
        if not wanted:
            return {}
        quants = quants.where(Quant.product.is_in(wanted))
        incoming = incoming.where(Move.product.is_in(wanted))
        outgoing = outgoing.where(Move.product.is_in(wanted))
    found: dict[int, dict[str, Decimal]] = {}
    for r in await quants.group_by(Quant.product).run():
        found.setdefault(r["product"], {})
        found[r["product"]].update(on_hand=Decimal(r["on_hand"] or 0), reserved=Decimal(r["reserved"] or 0))
    for key, query in (("incoming", incoming), ("outgoing", outgoing)):
        for r in await query.group_by(Move.product).run():
            found.setdefault(r["product"], {})[key] = Decimal(r["qty"] or 0)
    return {p: Position(**v) for p, v in found.items()}


async def position(product: int, location: int) -> Position:
    return (await positions(location, [product])).get(product, Position())
