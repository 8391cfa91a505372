"""Quants: the only code that changes stock quantities.

Every change is one conditional atomic UPDATE, and the table's check constraints
(quantity >= 0, 0 <= reserved <= quantity) refuse anything that slips past, so
concurrent takes can never drive stock negative on SQLite or PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from modules.warehouse.models.location import Location
from modules.warehouse.models.quant import Quant
from modules.warehouse.services.errors import InsufficientStock

ZERO = Decimal(0)


def _plus(column: str, amount: Decimal) -> QueryString:
    """`column + amount` (Piccolo has no arithmetic on Numeric columns)."""
    return QueryString(f'"{column}" + {{}}', amount)


def _free_at_least(amount: Decimal) -> WhereRaw:
    return WhereRaw('"quantity" - "reserved" >= {}', amount)


def _place(product: int, location: int, lot: int | None) -> Any:
    return (Quant.product == product) & (Quant.location == location) & (Quant.lot_key == (lot or 0))


async def available(product: int, location: int, lot: int | None = None) -> Decimal:
    """On hand minus reserved, for one lot (or, for `lot=None`, all lots together)."""
    where = (Quant.product == product) & (Quant.location == location)
    if lot is not None:
        where &= Quant.lot_key == lot
    rows = await Quant.select(Quant.quantity, Quant.reserved).where(where).run()
    return sum((Decimal(r["quantity"]) - Decimal(r["reserved"]) for r in rows), ZERO)


async def shortage(product: int, location: int, lot: int | None, wanted: Decimal) -> InsufficientStock:
    """The error to raise, with names and what is available now."""
    from core.products.models import Product

    prod = await Product.select(Product.code, Product.name).where(Product.id == product).first().run()
    loc = await Location.select(Location.full_name).where(Location.id == location).first().run()
    label = f"{prod['code']} {prod['name']}" if prod else ""
    return InsufficientStock(product, location, Decimal(wanted), await available(product, location, lot),
                             label, loc["full_name"] if loc else "")


async def add(product: int, location: int, lot: int | None, qty: Decimal) -> None:
    """Put `qty` units at `location` (creating the quant on first use)."""
    change = {Quant.quantity: _plus("quantity", qty)}
    if await Quant.update(change).where(_place(product, location, lot)).returning(Quant.id).run():
        return
    await Quant.insert(
        Quant(product=product, location=location, lot=lot, lot_key=lot or 0, quantity=ZERO, reserved=ZERO)
    ).on_conflict(target=(Quant.product, Quant.location, Quant.lot_key), action="DO NOTHING").run()
    await Quant.update(change).where(_place(product, location, lot)).run()


async def take(product: int, location: int, lot: int | None, qty: Decimal, *, reserved: Decimal = ZERO) -> None:
    """Remove `qty` units, `reserved` of which were reserved for this move.

    Succeeds only if the unreserved part is still available; otherwise
    raises InsufficientStock and changes nothing."""
    free = qty - reserved
    rows = await (
        Quant.update({Quant.quantity: _plus("quantity", -qty), Quant.reserved: _plus("reserved", -reserved)})
        .where(_place(product, location, lot) & (Quant.reserved >= reserved) & _free_at_least(free))
        .returning(Quant.id)
        .run()
    )
    if not rows:
        raise await shortage(product, location, lot, qty)


async def reserve(product: int, location: int, lot: int | None, qty: Decimal) -> None:
    """Promise `qty` available units to a move, or raise InsufficientStock."""
    rows = await (
        Quant.update({Quant.reserved: _plus("reserved", qty)})
        .where(_place(product, location, lot) & _free_at_least(qty))
        .returning(Quant.id)
        .run()
    )
    if not rows:
        raise await shortage(product, location, lot, qty)


async def unreserve(product: int, location: int, lot: int | None, qty: Decimal) -> None:
    await Quant.update({Quant.reserved: _plus("reserved", -qty)}).where(
        _place(product, location, lot) & (Quant.reserved >= qty)).run()


async def lots_available(product: int, location: int) -> list[tuple[int, Decimal]]:
    """(lot id, available) of a tracked product at `location`, oldest lots first."""
    rows = await (
        Quant.select(Quant.lot_key, Quant.quantity, Quant.reserved)
        .where((Quant.product == product) & (Quant.location == location) & (Quant.lot_key != 0)
               & _free_at_least(Decimal("0.001")))
        .order_by(Quant.lot_key)
        .run()
    )
    return [(r["lot_key"], Decimal(r["quantity"]) - Decimal(r["reserved"])) for r in rows]
