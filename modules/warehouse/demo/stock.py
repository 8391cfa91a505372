"""Parts used on service jobs, through the stock service API as field service calls it.

A technician uses parts from their van (or, without a van, from the main shelves).
What is not there is not used: on the real job it was fetched another day.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal as D

from modules.warehouse.demo.refs import World
from modules.warehouse.services import stock


async def use_parts(w: World, origin: str, source: int, parts: Sequence[tuple[str, int]]) -> int:
    """Consume `parts` for work order `origin` at `source`; returns the first done move's id."""
    first = 0
    for code, qty in parts:
        product = w.product[code]
        wanted = min(D(qty), await stock.available(product, source))
        if wanted <= 0:
            continue
        if w.tracking[product] == "none":
            done = await stock.consume(origin, product, wanted, location=source)
        else:  # lots: reserve picks the oldest batch, consume uses that reservation
            await stock.reserve(origin, product, source, wanted)
            done = await stock.consume(origin, product, wanted)
        first = first or done[0]
    return first


async def reserve_parts(w: World, origin: str, source: int, parts: Sequence[tuple[str, int]]) -> int:
    """Reserve `parts` for a planned work order; returns the first reserved move's id."""
    first = 0
    for code, qty in parts:
        product, wanted = w.product[code], D(qty)
        if await stock.available(product, source) >= wanted:
            reserved = await stock.reserve(origin, product, source, wanted)
            first = first or reserved[0]
    return first
