"""Supplier prices: price tiers per product and supplier ("from 10 units on, € 12.50 each"),
each valid between two optional dates. The best price for a quantity is the lowest price
of the valid tiers whose minimum quantity the order reaches; the next tier is the nearest
larger minimum with a lower price, shown as a hint on purchase orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.company.models import Company
from core.i18n import _, fmt_money
from modules.warehouse.models.purchase import SupplierPrice
from modules.warehouse.services.errors import _qty

# Ids per IN (...) list: well under SQLite's limit on bound parameters.
CHUNK = 900


@dataclass(frozen=True)
class Tier:
    min_qty: Decimal
    price: Decimal
    lead_days: int
    supplier_code: str


@dataclass(frozen=True)
class Hint:
    """Ordering `more` units reaches the tier with `price` (now `current` each, or no tier yet)."""

    more: Decimal
    price: Decimal
    current: Decimal | None

    def text(self, currency: str) -> str:
        if self.current is None:
            return _("Order {more} more to reach the supplier's first price tier ({price} each).").format(
                more=_qty(self.more), price=fmt_money(self.price, currency))
        return _("Order {more} more for the next price tier ({price} instead of {current}).").format(
            more=_qty(self.more), price=fmt_money(self.price, currency), current=fmt_money(self.current, currency))


async def company_currency() -> str:
    row = await Company.select(Company.currency).first().run()
    return str(row["currency"]) if row and row["currency"] else "EUR"


TIER_COLUMNS = (SupplierPrice.product, SupplierPrice.supplier, SupplierPrice.min_qty, SupplierPrice.price,
                SupplierPrice.lead_days, SupplierPrice.supplier_code)


def _valid_on(on: dt.date) -> Any:
    return ((SupplierPrice.valid_from.is_null()) | (SupplierPrice.valid_from <= on)) & (
        (SupplierPrice.valid_to.is_null()) | (SupplierPrice.valid_to >= on))


def _tier(row: dict[str, Any]) -> Tier:
    return Tier(Decimal(row["min_qty"]), Decimal(row["price"]), int(row["lead_days"] or 0),
                str(row["supplier_code"] or ""))


async def tiers(product: int, supplier: int, on: dt.date | None = None) -> list[Tier]:
    """The tiers valid on `on` (default today), smallest minimum quantity first."""
    rows = await SupplierPrice.select().where(
        (SupplierPrice.product == product) & (SupplierPrice.supplier == supplier) & _valid_on(on or dt.date.today())
    ).order_by(SupplierPrice.min_qty).order_by(SupplierPrice.price).run()
    return [_tier(r) for r in rows]


def pick(found: Iterable[Tier], qty: Decimal) -> Tier | None:
    """The cheapest tier whose minimum `qty` reaches (None: below every minimum)."""
    reached = [t for t in found if t.min_qty <= qty]
    return min(reached, key=lambda t: (t.price, -t.min_qty)) if reached else None


def following(found: Iterable[Tier], qty: Decimal) -> Hint | None:
    """The nearest tier above `qty` that is cheaper than what `qty` gets now."""
    found = list(found)
    now = pick(found, qty)
    better = [t for t in found if t.min_qty > qty and (now is None or t.price < now.price)]
    if not better:
        return None
    nearest = min(better, key=lambda t: (t.min_qty, t.price))
    return Hint(more=nearest.min_qty - qty, price=nearest.price, current=now.price if now else None)


async def best_price(product: int, supplier: int, qty: Decimal, on: dt.date | None = None) -> Tier | None:
    """The valid tier that gives `qty` units the lowest unit price, or None."""
    return pick(await tiers(product, supplier, on), Decimal(qty))


async def next_tier_hint(product: int, supplier: int, qty: Decimal, on: dt.date | None = None,
                         currency: str | None = None) -> str | None:
    """E.g. "Order 4 more for the next price tier (€12.50 instead of €14.00)", or None."""
    hint = following(await tiers(product, supplier, on), Decimal(qty))
    return hint.text(currency or await company_currency()) if hint else None


async def cheapest_supplier(product: int, qty: Decimal, on: dt.date | None = None) -> int | None:
    """The supplier with the lowest valid price for `qty` units (a rule without a preferred supplier)."""
    return (await cheapest_suppliers({product: Decimal(qty)}, on)).get(product)


async def cheapest_suppliers(wanted: Mapping[int, Decimal], on: dt.date | None = None) -> dict[int, int]:
    """{product: supplier with the lowest valid price for its quantity}; products nobody
    offers are left out. Below every tier of a supplier, its smallest tier counts."""
    products = sorted(wanted)
    offers: dict[int, dict[int, list[Tier]]] = {}
    for start in range(0, len(products), CHUNK):
        for r in await SupplierPrice.select(*TIER_COLUMNS).where(
                SupplierPrice.product.is_in(products[start:start + CHUNK]) & _valid_on(on or dt.date.today())).run():
            offers.setdefault(r["product"], {}).setdefault(r["supplier"], []).append(_tier(r))
    chosen = {}
    for product, by_supplier in offers.items():
        qty = Decimal(wanted[product])
        prices = {s: (pick(found, qty) or min(found, key=lambda t: t.min_qty)).price for s, found in by_supplier.items()}
        chosen[product] = min(prices, key=lambda s: (prices[s], s))
    return chosen


async def prices_for(pairs: Iterable[tuple[int, int]], on: dt.date | None = None) -> dict[tuple[int, int], list[Tier]]:
    """{(product, supplier): valid tiers} for many pairs in one query (purchase order pages, reordering)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    products = sorted({p for p, _s in pairs})
    found: dict[tuple[int, int], list[Tier]] = {}
    for start in range(0, len(products), CHUNK):
        rows = await SupplierPrice.select(*TIER_COLUMNS).where(
            SupplierPrice.product.is_in(products[start:start + CHUNK]) & _valid_on(on or dt.date.today())
        ).order_by(SupplierPrice.min_qty).run()
        for r in rows:
            if (r["product"], r["supplier"]) in pairs:
                found.setdefault((r["product"], r["supplier"]), []).append(_tier(r))
    return found
