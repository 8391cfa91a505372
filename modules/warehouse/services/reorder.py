"""Reordering: keep each product between a rule's min and max at a location.

`plan(rules)` decides what to order; `apply(needs)` drafts it: purchase orders grouped
per supplier (and destination), or, for van rules (`refill_from` set), internal
transfers from the warehouse to the van. `run()` does both for every active rule and
mails the purchasers a summary. Running it again creates nothing new: what it drafted
counts as incoming the next time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from piccolo.query.functions.aggregate import Sum

from core.db import records
from core.db.engine import transaction
from core.i18n import _
from modules.warehouse.models.location import Location
from modules.warehouse.models.move import Move
from modules.warehouse.models.purchase import PurchaseLine, PurchaseOrder
from modules.warehouse.models.reorder_rule import ReorderRule
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import forecast, supplier_price
from modules.warehouse.services import purchase as purchases
from modules.warehouse.services import transfer as transfers

ZERO = Decimal(0)
ORIGIN = "reorder"
# Rows per multi-row INSERT (PostgreSQL allows 32767 bound parameters per statement).
BULK = 500


@dataclass(frozen=True)
class Need:
    """What one rule asks for: `quantity` more of `product` at `location`."""

    rule: int
    product: int
    location: int
    quantity: Decimal
    forecast: Decimal
    supplier: int | None = None
    refill_from: int | None = None
    lead_days: int = 0


@dataclass
class Summary:
    """What a run drafted, for the purchasers' mail and the page's message."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[dict[str, Any]] = field(default_factory=list)
    # Rules below their minimum with no supplier to buy from.
    unsourced: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.orders or self.transfers or self.unsourced)


def order_quantity(forecast_qty: Decimal, max_qty: Decimal, multiple: Decimal) -> Decimal:
    """Up to max, rounded UP to a whole number of `multiple` (boxes of 10: 23 -> 30)."""
    wanted = Decimal(max_qty) - Decimal(forecast_qty)
    step = Decimal(multiple)
    if wanted <= 0:
        return ZERO
    if step <= 0:
        return wanted
    return (wanted / step).to_integral_value(rounding=ROUND_CEILING) * step


def active_on(rule: Mapping[str, Any], on: dt.date) -> bool:
    """Active and not snoozed: a rule snoozed until a date runs again on that date."""
    return bool(rule["active"]) and not (rule["snooze_until"] and rule["snooze_until"] > on)


async def draft_orders_pending(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    """{(product, location): quantity} on draft or sent purchase orders for that destination.

    Confirmed orders have their receipt, which the forecast counts as incoming; draft and
    sent ones have no moves yet, so they are counted here (a second run must not order
    what the first one already drafted)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = await PurchaseLine.select(
        PurchaseLine.product, PurchaseLine.order.destination.as_alias("location"),
        Sum(PurchaseLine.quantity).as_alias("qty"),
    ).where(PurchaseLine.order.state.is_in(["draft", "sent"])).group_by(
        PurchaseLine.product, PurchaseLine.order.destination).run()
    return {(r["product"], r["location"]): Decimal(r["qty"] or 0) for r in rows
            if (r["product"], r["location"]) in wanted}


async def plan(rules: Sequence[Mapping[str, Any]], on: dt.date | None = None) -> list[Need]:
    """What to order for `rules` (rows of ReorderRule).

    A rule orders only when its forecast is strictly BELOW min: a forecast exactly at min
    is still enough and orders nothing. It then orders max - forecast, rounded up to its
    multiple. Inactive rules and rules snoozed past `on` (default today) are skipped.
    The forecast (services.forecast: available + incoming - planned outgoing) of every
    rule is read at once (a few queries however many rules), plus what draft and sent
    purchase orders already bring there."""
    on = on or dt.date.today()
    live = [r for r in rules if active_on(r, on)]
    if not live:
        return []
    positions = await forecast.positions_at({r["location"] for r in live}, {r["product"] for r in live})
    pending = await draft_orders_pending((r["product"], r["location"]) for r in live)
    # Van refills first: what they take from a warehouse location is planned outgoing there,
    # so that location's own rule sees it in this run rather than in the next one.
    drawn: dict[tuple[int, int], Decimal] = {}
    decided: dict[int, Need] = {}
    for r in sorted(live, key=lambda r: r["refill_from"] is None):
        pos = positions.get((r["product"], r["location"]), forecast.Position())
        expected = (pos.forecast + pending.get((r["product"], r["location"]), ZERO)
                    - drawn.get((r["product"], r["location"]), ZERO))
        if expected >= Decimal(r["min_qty"]):
            continue
        qty = order_quantity(expected, Decimal(r["max_qty"]), Decimal(r["multiple"]))
        if qty <= 0:
            continue
        decided[r["id"]] = Need(rule=r["id"], product=r["product"], location=r["location"], quantity=qty,
                                forecast=expected, supplier=r["supplier"], refill_from=r["refill_from"],
                                lead_days=int(r["lead_days"] or 0))
        if r["refill_from"] is not None and r["refill_from"] != r["location"]:
            key = (r["product"], r["refill_from"])
            drawn[key] = drawn.get(key, ZERO) + qty
    return [decided[r["id"]] for r in live if r["id"] in decided]


async def _draft_order(supplier: int, location: int, lead_days: int) -> tuple[dict[str, Any], bool]:
    """The open reorder draft for this supplier and destination, or a new one (created: True)."""
    found = await PurchaseOrder.select().where(
        (PurchaseOrder.supplier == supplier) & (PurchaseOrder.destination == location)
        & (PurchaseOrder.state == "draft") & (PurchaseOrder.origin == ORIGIN)
    ).order_by(PurchaseOrder.id).first().run()
    if found:
        return found, False
    expected = dt.date.today() + dt.timedelta(days=lead_days) if lead_days else None
    return await purchases.create(supplier, location, origin=ORIGIN, expected_on=expected), True


async def _costs(products: Iterable[int]) -> dict[int, Decimal]:
    from core.products.models import Product

    wanted, found = sorted(set(products)), {}
    for start in range(0, len(wanted), supplier_price.CHUNK):
        for r in await Product.select(Product.id, Product.cost).where(
                Product.id.is_in(wanted[start:start + supplier_price.CHUNK])).run():
            found[r["id"]] = Decimal(r["cost"] or 0)
    return found


def _merged(group: Sequence[Need]) -> dict[int, tuple[Decimal, int]]:
    """{product: (quantity, first rule)}: two rules for one product share its line."""
    merged: dict[int, tuple[Decimal, int]] = {}
    for need in group:
        qty, rule = merged.get(need.product, (ZERO, need.rule))
        merged[need.product] = (qty + need.quantity, rule)
    return merged


async def _buy(needs: Sequence[Need], summary: Summary, names: Mapping[str, dict[int, str]]) -> None:
    groups: dict[tuple[int, int], list[Need]] = {}
    cheapest = await supplier_price.cheapest_suppliers({n.product: n.quantity for n in needs if not n.supplier})
    for need in needs:
        supplier = need.supplier or cheapest.get(need.product)
        if supplier is None:
            summary.unsourced.append({"rule": need.rule, "product": names["product"].get(need.product, ""),
                                      "location": names["location"].get(need.location, ""),
                                      "quantity": need.quantity})
            continue
        groups.setdefault((supplier, need.location), []).append(need)
    suppliers = await _supplier_names(s for s, _loc in groups)
    prices = await supplier_price.prices_for((n.product, s) for (s, _loc), group in groups.items() for n in group)
    costs = await _costs(n.product for group in groups.values() for n in group)
    for (supplier, location), group in sorted(groups.items()):
        order, created = await _draft_order(supplier, location, max(n.lead_days for n in group))
        existing = set() if created else {r["product"] for r in await PurchaseLine.select(
            PurchaseLine.product).where(PurchaseLine.order == order["id"]).run()}
        new = []
        for product, (qty, rule) in _merged(group).items():
            if product in existing:
                await purchases.add_line(order["id"], product, qty, rule_id=rule)
                continue
            tiers = prices.get((product, supplier), [])
            tier = supplier_price.pick(tiers, qty) or (tiers[0] if tiers else None)
            new.append({"order": order["id"], "product": product, "quantity": qty, "received": ZERO,
                        "unit_price": tier.price if tier else costs.get(product, ZERO), "rule_id": rule})
        await records.create_many(PurchaseLine, new, log_fields=False)
        summary.orders.append({"id": order["id"], "number": order["number"], "created": created,
                               "supplier": suppliers.get(supplier, ""), "lines": len(group),
                               "total": purchases.total(new if created else await _amounts(order["id"]))})


async def _amounts(order: int) -> list[dict[str, Any]]:
    return await PurchaseLine.select(PurchaseLine.quantity, PurchaseLine.unit_price).where(
        PurchaseLine.order == order).run()


async def _draft_refill(source: int, van: int) -> tuple[dict[str, Any], bool]:
    found = await Transfer.select().where(
        (Transfer.kind == "internal") & (Transfer.source == source) & (Transfer.destination == van)
        & (Transfer.state == "draft") & (Transfer.origin == ORIGIN)
    ).order_by(Transfer.id).first().run()
    if found:
        return found, False
    return await transfers.create("internal", source, van, [], origin=ORIGIN), True


async def _refill(needs: Sequence[Need], summary: Summary, names: Mapping[str, dict[int, str]]) -> None:
    """One draft transfer per warehouse location and van; each move says which rule asked
    (origin "reorder:<rule id>")."""
    groups: dict[tuple[int, int], list[Need]] = {}
    for need in needs:
        assert need.refill_from is not None
        groups.setdefault((need.refill_from, need.location), []).append(need)
    for (source, van), group in sorted(groups.items()):
        row, created = await _draft_refill(source, van)
        await records.create_many(Move, [
            {"transfer": row["id"], "product": n.product, "source": source, "destination": van,
             "quantity": n.quantity, "state": "draft", "origin": f"{ORIGIN}:{n.rule}", "unit_cost": ZERO}
            for n in group if n.refill_from != van], log_fields=False)
        summary.transfers.append({"id": row["id"], "number": row["number"], "created": created,
                                  "source": names["location"].get(source, ""),
                                  "van": names["location"].get(van, ""), "lines": len(group)})


async def _names(needs: Sequence[Need]) -> dict[str, dict[int, str]]:
    """Product and location labels for the summary, in a few queries."""
    from core.products.models import Product

    products = sorted({n.product for n in needs})
    places = sorted({n.location for n in needs} | {n.refill_from for n in needs if n.refill_from})
    names: dict[str, dict[int, str]] = {"product": {}, "location": {}}
    for start in range(0, len(products), supplier_price.CHUNK):
        for r in await Product.select(Product.id, Product.code, Product.name).where(
                Product.id.is_in(products[start:start + supplier_price.CHUNK])).run():
            names["product"][r["id"]] = f"{r['code']} {r['name']}"
    for start in range(0, len(places), supplier_price.CHUNK):
        for r in await Location.select(Location.id, Location.full_name).where(
                Location.id.is_in(places[start:start + supplier_price.CHUNK])).run():
            names["location"][r["id"]] = r["full_name"]
    return names


async def _supplier_names(ids: Iterable[int]) -> dict[int, str]:
    from core.partners.models import Partner

    wanted = sorted(set(ids))
    rows = await Partner.select(Partner.id, Partner.name).where(Partner.id.is_in(wanted)).run() if wanted else []
    return {r["id"]: r["name"] for r in rows}


async def apply(needs: Sequence[Need]) -> Summary:
    """Draft what `needs` ask for, in one transaction."""
    summary = Summary()
    if not needs:
        return summary
    # Labels only for what the summary names: refills and rules that may lack a supplier.
    names = await _names([n for n in needs if n.refill_from or not n.supplier])
    async with transaction():
        await _buy([n for n in needs if n.refill_from is None], summary, names)
        await _refill([n for n in needs if n.refill_from is not None], summary, names)
    return summary


async def rules(rule_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    query = ReorderRule.select().where(ReorderRule.active == True)  # noqa: E712
    if rule_ids is not None:
        query = query.where(ReorderRule.id.is_in(list(rule_ids) or [0]))
    return await query.order_by(ReorderRule.id).run()


async def run(rule_ids: Sequence[int] | None = None, *, notify: bool = True) -> Summary:
    """Plan and draft for every active rule (or those of `rule_ids`); mail the purchasers."""
    summary = await apply(await plan(await rules(rule_ids)))
    if notify and not summary.empty:
        await mail_summary(summary)
    return summary


async def purchasers() -> list[dict[str, Any]]:
    """Active users with an e-mail address and the purchaser role, else the managers."""
    from core.auth.models import User, UserRole

    for role in ("purchaser", "manager"):
        ids = [r["user"] for r in await UserRole.select(UserRole.user).where(UserRole.role.name == role).run()]
        if not ids:
            continue
        found = await User.select(User.id, User.name, User.login, User.email).where(
            User.id.is_in(ids) & (User.active == True) & (User.email != "")).order_by(User.id).run()  # noqa: E712
        if found:
            return found
    return []


async def mail_summary(summary: Summary) -> list[int]:
    """One message per purchaser, in their language; returns the message ids."""
    from core.mail.service import send

    sent = []
    for user in await purchasers():
        sent.append(await send(user["email"], "warehouse.reorder_summary", {
            "recipient_name": user["name"] or user["login"], "orders": summary.orders,
            "transfers": summary.transfers, "unsourced": summary.unsourced,
            "currency": await supplier_price.company_currency(),
        }, user_id=user["id"]))
    return sent


async def below_minimum(limit: int = 8) -> tuple[list[dict[str, Any]], int]:
    """Active rules whose forecast is below their minimum (the dashboard tile), and how many."""
    live = await rules()
    needs = await plan(live)
    by_rule = {r["id"]: r for r in live}
    names = await _names(needs[:limit])
    shown = [{"rule": n.rule, "product": names["product"].get(n.product, ""),
              "location": names["location"].get(n.location, ""), "forecast": n.forecast,
              "min_qty": Decimal(by_rule[n.rule]["min_qty"])} for n in needs[:limit]]
    return shown, len(needs)


def describe(summary: Summary) -> str:
    """One sentence for the page after "Order now"."""
    if summary.empty:
        return _("Nothing to order: every rule's forecast is at or above its minimum.")
    parts = []
    if summary.orders:
        parts.append(_("{n} purchase order(s) drafted or extended ({numbers})").format(
            n=len(summary.orders), numbers=", ".join(o["number"] for o in summary.orders)))
    if summary.transfers:
        parts.append(_("{n} van refill(s) ({numbers})").format(
            n=len(summary.transfers), numbers=", ".join(t["number"] for t in summary.transfers)))
    if summary.unsourced:
        parts.append(_("{n} rule(s) without a supplier").format(n=len(summary.unsourced)))
    return "; ".join(parts) + "."

