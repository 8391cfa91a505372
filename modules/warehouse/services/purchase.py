"""Purchase orders: what we buy from a supplier, from draft to received.

States: draft -> sent (mailed to the supplier) -> confirmed (the supplier agreed; the
incoming receipt exists, so the forecast counts the goods) -> partial -> received, or
cancelled. A draft may be confirmed without mailing (ordered by phone or web shop).
Receiving validates the receipt transfer through `services.transfer`: stock, serials and
the average cost change there; what did not arrive stays on a backorder receipt.

A product appears once per order (adding it again adds to its line), so a receipt's
moves map back to the order's lines by product.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from piccolo.query.functions.aggregate import Sum

from core.db import records, sequence
from core.db.context import current_user_id
from core.db.engine import transaction
from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from modules.warehouse.models.location import Location
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.purchase import PurchaseLine, PurchaseOrder
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import location as locations
from modules.warehouse.services import supplier_price
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.errors import InvalidTransition, NotAllowed, _qty
from modules.warehouse.services.transfer import Line

ZERO = Decimal(0)
STATE_LABELS = {"draft": "Draft", "sent": "Sent", "confirmed": "Confirmed", "partial": "Partially received",
                "received": "Received", "cancelled": "Cancelled"}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("sent", "confirmed", "cancelled"),
    "sent": ("confirmed", "cancelled"),
    "confirmed": ("partial", "received", "cancelled"),
    "partial": ("received", "cancelled"),
    "received": (),
    "cancelled": (),
}
# Orders whose goods are still to come (reordering counts them as incoming).
OPEN_STATES = ("draft", "sent", "confirmed", "partial")
SEND_JOB = "warehouse.send_purchase_order"


def check(row: Mapping[str, Any], target: str) -> None:
    """Raise InvalidTransition unless the order may go from its state to `target`."""
    state = row["state"]
    allowed = TRANSITIONS.get(state, ())
    if target in allowed:
        return
    if not allowed:
        raise InvalidTransition(_("{number} is {state} and can no longer change.").format(
            number=row["number"], state=_(STATE_LABELS[state]).lower()))
    raise InvalidTransition(_("{number} is {state}: it cannot become {target}, only {allowed}.").format(
        number=row["number"], state=_(STATE_LABELS[state]).lower(), target=_(STATE_LABELS[target]).lower(),
        allowed=", ".join(_(STATE_LABELS[s]).lower() for s in allowed)))


async def get(order: int) -> dict[str, Any]:
    row = await PurchaseOrder.select().where(PurchaseOrder.id == order).first().run()
    if row is None:
        raise NotAllowed(_("Purchase order #{id} does not exist.").format(id=order))
    return row


async def lines(order: int) -> list[dict[str, Any]]:
    return await PurchaseLine.select(
        *PurchaseLine._meta.columns, PurchaseLine.product.code.as_alias("product_code"),
        PurchaseLine.product.name.as_alias("product_name"), PurchaseLine.product.tracking.as_alias("tracking"),
        PurchaseLine.product.unit.as_alias("unit"),
    ).where(PurchaseLine.order == order).order_by(PurchaseLine.id).run()


def total(found: Sequence[Mapping[str, Any]]) -> Decimal:
    return sum((Decimal(r["quantity"]) * Decimal(r["unit_price"]) for r in found), ZERO).quantize(Decimal("0.01"))


async def create(supplier: int, destination: int, *, origin: str = "", note: str = "",
                 expected_on: dt.date | None = None) -> dict[str, Any]:
    async with transaction():
        number = await sequence.next_number("warehouse.purchase")
        return await records.create(PurchaseOrder, {
            "number": number, "supplier": supplier, "destination": destination, "state": "draft",
            "origin": origin, "note": note, "expected_on": expected_on})


def _draft_only(row: Mapping[str, Any]) -> None:
    if row["state"] != "draft":
        raise NotAllowed(_("{number} is no longer a draft: its lines cannot change.").format(number=row["number"]))


async def default_price(product: int, supplier: int, qty: Decimal, on: dt.date | None = None) -> Decimal:
    """The supplier's best price for `qty`; below every tier its smallest tier's price; else our cost."""
    found = await supplier_price.tiers(product, supplier, on)
    tier = supplier_price.pick(found, Decimal(qty)) or (found[0] if found else None)
    if tier is not None:
        return tier.price
    row = await Product.select(Product.cost).where(Product.id == product).first().run()
    return Decimal(row["cost"] or 0) if row else ZERO


async def _purchasable(product: int) -> None:
    row = await Product.select(Product.kind, Product.code).where(Product.id == product).first().run()
    if row is None:
        raise NotAllowed(_("Product #{id} does not exist.").format(id=product))
    if row["kind"] == "service":
        raise NotAllowed(_("{product} is a service: only goods are bought on a purchase order.").format(
            product=row["code"]))


async def add_line(order: int, product: int, quantity: Decimal, unit_price: Decimal | None = None,
                   rule_id: int | None = None) -> dict[str, Any]:
    """Add `quantity` of `product`; a product already on the order gets its line increased
    (re-priced for the new quantity unless someone had set another price)."""
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise NotAllowed(_("Order a quantity above zero."))
    async with transaction():
        row = await get(order)
        _draft_only(row)
        await _purchasable(product)
        found = await PurchaseLine.select().where(
            (PurchaseLine.order == order) & (PurchaseLine.product == product)).first().run()
        if found is None:
            price = unit_price if unit_price is not None else await default_price(product, row["supplier"], quantity)
            return await records.create(PurchaseLine, {"order": order, "product": product, "quantity": quantity,
                                                       "unit_price": price, "rule_id": rule_id})
        new_qty = Decimal(found["quantity"]) + quantity
        changes: dict[str, Any] = {"quantity": new_qty}
        if unit_price is not None:
            changes["unit_price"] = unit_price
        elif Decimal(found["unit_price"]) == await default_price(product, row["supplier"], Decimal(found["quantity"])):
            changes["unit_price"] = await default_price(product, row["supplier"], new_qty)
        if rule_id is not None and found["rule_id"] is None:
            changes["rule_id"] = rule_id
        return await records.update(PurchaseLine, found["id"], changes, version=found["version"])


async def _line(line: int) -> dict[str, Any]:
    row = await PurchaseLine.select().where(PurchaseLine.id == line).first().run()
    if row is None:
        raise NotAllowed(_("This order line no longer exists."))
    return row


async def update_line(line: int, quantity: Decimal, unit_price: Decimal | None, version: int) -> dict[str, Any]:
    """Change a draft line. Without a price, or with the unchanged supplier's price of the old
    quantity, the line gets the supplier's best price for the new quantity (so ordering up
    to the next tier gets that tier's price); another price is kept as typed."""
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise NotAllowed(_("Order a quantity above zero."))
    async with transaction():
        found = await _line(line)
        order = await get(found["order"])
        _draft_only(order)
        old_price = Decimal(found["unit_price"])
        defaulted = unit_price is None or (
            Decimal(unit_price) == old_price
            and old_price == await default_price(found["product"], order["supplier"], Decimal(found["quantity"])))
        price = await default_price(found["product"], order["supplier"], quantity) if defaulted else unit_price
        return await records.update(PurchaseLine, line, {"quantity": quantity, "unit_price": price}, version=version)


async def remove_line(line: int, version: int) -> None:
    async with transaction():
        found = await _line(line)
        _draft_only(await get(found["order"]))
        await records.delete(PurchaseLine, line, version=version)


async def _set_state(row: Mapping[str, Any], target: str, **changes: Any) -> dict[str, Any]:
    check(row, target)
    return await records.update(PurchaseOrder, row["id"], {"state": target, **changes}, version=row["version"])


async def _needs_lines(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = await lines(row["id"])
    if not found:
        raise NotAllowed(_("{number} has no lines yet: add what to order first.").format(number=row["number"]))
    return found


async def supplier_email(row: Mapping[str, Any]) -> tuple[str, str]:
    """(name, e-mail address) the order is mailed to."""
    partner = await Partner.select(Partner.name, Partner.email).where(Partner.id == row["supplier"]).first().run()
    return (partner["name"], partner["email"]) if partner else ("", "")


async def request_sending(order: int) -> dict[str, Any]:
    """Check the order can be sent, then queue the job that mails the PDF and marks it sent."""
    from core.jobs.enqueue import enqueue

    async with transaction():
        row = await get(order)
        check(row, "sent")
        await _needs_lines(row)
        name, email = await supplier_email(row)
        if not email:
            raise NotAllowed(_("{supplier} has no e-mail address: add one to the contact, or confirm the order "
                               "once placed another way.").format(supplier=name))
        await enqueue(SEND_JOB, order, current_user_id.get())
    return row


async def mark_sent(order: int) -> dict[str, Any]:
    async with transaction():
        row = await get(order)
        await _needs_lines(row)
        return await _set_state(row, "sent", sent_at=dt.datetime.now(dt.UTC),
                                ordered_on=row["ordered_on"] or dt.date.today())


async def send(order: int, pdf: bytes, filename: str, sender: int | None = None) -> int | None:
    """Mail the order's PDF to the supplier (in the supplier's language) and mark it sent,
    in one transaction. An order no longer in draft was sent already: nothing happens
    (a redelivered job has the effect of one). Returns the mail message id."""
    from core.auth.models import User
    from core.mail.service import Attachment
    from core.mail.service import send as send_mail

    async with transaction():
        row = await get(order)
        if row["state"] != "draft":
            return None
        name, email = await supplier_email(row)
        who = await User.select(User.name, User.login).where(User.id == sender).first().run() if sender else None
        context = await document(order)
        message = await send_mail(email, "warehouse.purchase_order", {
            **context, "recipient_name": name, "company_name": await _company_name(),
            "sender_name": (who["name"] or who["login"]) if who else "",
        }, attachments=[Attachment(filename, "application/pdf", pdf)], partner_id=row["supplier"],
            related=(PurchaseOrder._meta.tablename, order))
        await mark_sent(order)
    return message


async def _company_name() -> str:
    from core.company.models import Company

    row = await Company.select(Company.name).first().run()
    return str(row["name"]) if row else ""


async def _lead_days(row: Mapping[str, Any], found: Sequence[Mapping[str, Any]]) -> int:
    prices = await supplier_price.prices_for((ln["product"], row["supplier"]) for ln in found)
    return max((t.lead_days for tiers in prices.values() for t in tiers), default=0)


async def confirm(order: int) -> dict[str, Any]:
    """The supplier confirmed: create the incoming receipt (supplier -> destination), so the
    goods count as incoming in the forecast, priced at the order's prices."""
    async with transaction():
        row = await get(order)
        check(row, "confirmed")
        found = await _needs_lines(row)
        suppliers = await locations.virtual("supplier")
        today = dt.date.today()
        expected = row["expected_on"] or today + dt.timedelta(days=await _lead_days(row, found))
        wanted = [Line(ln["product"], Decimal(ln["quantity"]) - Decimal(ln["received"]),
                       unit_cost=Decimal(ln["unit_price"]))
                  for ln in found if Decimal(ln["quantity"]) > Decimal(ln["received"])]
        await transfers.create("receipt", suppliers, row["destination"], wanted, partner=row["supplier"],
                               origin=row["number"], scheduled=expected)
        return await _set_state(row, "confirmed", ordered_on=row["ordered_on"] or today, expected_on=expected)


async def open_receipt(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The receipt still waiting for the order's goods (the latest backorder), if any."""
    return await Transfer.select().where(
        (Transfer.origin == row["number"]) & (Transfer.kind == "receipt") & Transfer.state.is_in(["draft", "reserved"])
    ).order_by(Transfer.id, ascending=False).first().run()


async def receipt_lines(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The open receipt's pending moves with product code, name and tracking (the receive page)."""
    receipt = await open_receipt(row)
    if receipt is None:
        return []
    return await Move.select(
        *Move._meta.columns, Move.product.code.as_alias("product_code"), Move.product.name.as_alias("product_name"),
        Move.product.tracking.as_alias("tracking"),
    ).where((Move.transfer == receipt["id"]) & Move.state.is_in(["draft", "reserved"])).order_by(Move.id).run()


def _serial_names(text: str | Sequence[str]) -> list[str]:
    given = text.splitlines() if isinstance(text, str) else list(text)
    return [n.strip() for n in given if n.strip()]


async def _prepare_receipt(pending: Sequence[Mapping[str, Any]], done: Mapping[int, Decimal],
                           serials: Mapping[int, Sequence[str]], lots: Mapping[int, str]) -> list[int]:
    """Check the quantities and serial numbers per move; give lot-tracked moves their lot.
    Returns the moves given a lot here (their backorder remainder must not keep it)."""
    with_lot = []
    for m in pending:
        qty = done[m["id"]]
        if qty < 0 or qty > Decimal(m["quantity"]):
            raise NotAllowed(_("Receive between 0 and {qty} of {product}.").format(
                qty=_qty(Decimal(m["quantity"])), product=m["product_code"]))
        if qty == 0:
            continue
        if m["tracking"] == "serial":
            names = _serial_names(serials.get(m["id"], ()))
            if qty != qty.to_integral_value() or len(names) != qty:
                raise NotAllowed(_("Enter {qty} serial numbers for {product}, one per unit ({n} given).").format(
                    qty=_qty(qty), product=m["product_code"], n=len(names)))
        elif m["tracking"] == "lot" and m["lot"] is None:
            name = (lots.get(m["id"]) or "").strip()
            if not name:
                raise NotAllowed(_("Enter the lot number of {product}.").format(product=m["product_code"]))
            lot = await Lot.select(Lot.id).where((Lot.product == m["product"]) & (Lot.name == name)).first().run()
            lot_id = lot["id"] if lot else (await records.create(Lot, {"product": m["product"], "name": name}))["id"]
            await records.update(Move, m["id"], {"lot": lot_id}, version=m["version"])
            with_lot.append(m["id"])
    return with_lot


async def receive(order: int, done: Mapping[int, Decimal] | None = None,
                  serials: Mapping[int, str | Sequence[str]] | None = None,
                  lots: Mapping[int, str] | None = None) -> dict[str, Any]:
    """Receive goods of a confirmed order. `done` maps each receipt move to the quantity that
    arrived now (default: everything; moves left out receive nothing), `serials` a
    serial-tracked move to its serial numbers (a list, or text with one per line), `lots` a
    lot-tracked move to its lot number. What did not arrive goes to a backorder receipt and
    the order becomes partially received; when every line is complete, received.
    Returns the order with `backorder` (receipt id or None)."""
    async with transaction():
        row = await get(order)
        if row["state"] not in ("confirmed", "partial"):
            raise InvalidTransition(_("Only a confirmed order can be received ({number} is {state}).").format(
                number=row["number"], state=_(STATE_LABELS[row["state"]]).lower()))
        receipt = await open_receipt(row)
        pending = await receipt_lines(row)
        if receipt is None or not pending:
            raise NotAllowed(_("{number} has nothing left to receive.").format(number=row["number"]))
        wanted = {m["id"]: Decimal(m["quantity"]) for m in pending} if done is None else {
            m["id"]: Decimal(done.get(m["id"], ZERO)) for m in pending}
        given = {k: _serial_names(v) for k, v in (serials or {}).items()}
        with_lot = await _prepare_receipt(pending, wanted, given, lots or {})
        result = await transfers.validate(receipt["id"], done=wanted, serials=given)
        if result["backorder"] and with_lot:
            await _forget_lots(result["backorder"], with_lot, pending)
        saved = await refresh(order)
    return {**saved, "backorder": result["backorder"]}


async def _forget_lots(backorder: int, moves_with_lot: Sequence[int], pending: Sequence[Mapping[str, Any]]) -> None:
    """A lot typed for what arrived now says nothing about the rest still to come."""
    products = {m["product"] for m in pending if m["id"] in moves_with_lot}
    for m in await transfers.lines(backorder):
        if m["product"] in products and m["lot"] is not None and m["state"] == "draft":
            await records.update(Move, m["id"], {"lot": None}, version=m["version"])


async def received_per_product(number: str) -> dict[int, Decimal]:
    rows = await Move.select(Move.product, Sum(Move.quantity).as_alias("qty")).where(
        (Move.origin == number) & (Move.state == "done") & (Move.transfer.kind == "receipt")
    ).group_by(Move.product).run()
    return {r["product"]: Decimal(r["qty"] or 0) for r in rows}


async def receipt_done(number: str) -> None:
    """A receipt with origin `number` was validated: refresh that purchase order, if it is one."""
    row = await PurchaseOrder.select(PurchaseOrder.id).where(PurchaseOrder.number == number).first().run()
    if row is not None:
        await refresh(row["id"])


async def refresh(order: int) -> dict[str, Any]:
    """Bring the lines' received quantities and the order's state in line with its done
    receipts (also when a receipt was validated from the transfer pages)."""
    async with transaction():
        row = await get(order)
        if row["state"] not in ("confirmed", "partial"):
            return row
        got = await received_per_product(row["number"])
        found = await lines(order)
        for ln in found:
            qty = got.get(ln["product"], ZERO)
            if qty != Decimal(ln["received"]):
                await records.update(PurchaseLine, ln["id"], {"received": qty}, version=ln["version"])
        complete = all(got.get(ln["product"], ZERO) >= Decimal(ln["quantity"]) for ln in found)
        target = "received" if complete else "partial" if any(got.values()) else row["state"]
        return row if target == row["state"] else await _set_state(row, target)


async def cancel(order: int) -> dict[str, Any]:
    """Cancel the order and its receipt still waiting (what arrived stays in stock)."""
    async with transaction():
        row = await get(order)
        check(row, "cancelled")
        receipt = await open_receipt(row)
        if receipt is not None:
            await transfers.cancel(receipt["id"])
        return await _set_state(row, "cancelled")


async def document(order: int | None) -> dict[str, Any]:
    """The purchase order as a printable document (the PDF report and the mail)."""
    if order is None:
        raise LookupError("a purchase order report needs an order")
    row = await PurchaseOrder.select(
        *PurchaseOrder._meta.columns, *PurchaseOrder.supplier.all_columns(exclude=["id"]),
    ).where(PurchaseOrder.id == order).first().run()
    if row is None:
        raise LookupError(f"purchase order #{order} does not exist")
    supplier = {k.removeprefix("supplier."): v for k, v in row.items() if k.startswith("supplier.")}
    found = await lines(order)
    prices = await supplier_price.prices_for((ln["product"], row["supplier"]) for ln in found)
    for ln in found:
        tier = supplier_price.pick(prices.get((ln["product"], row["supplier"]), []), Decimal(ln["quantity"]))
        codes = [t.supplier_code for t in prices.get((ln["product"], row["supplier"]), []) if t.supplier_code]
        ln["supplier_code"] = tier.supplier_code if tier and tier.supplier_code else (codes[0] if codes else "")
        ln["amount"] = (Decimal(ln["quantity"]) * Decimal(ln["unit_price"])).quantize(Decimal("0.01"))
        ln["qty_text"] = _qty(Decimal(ln["quantity"]))
    deliver_to = await Location.select(
        Location.full_name, Location.warehouse.name, Location.warehouse.street, Location.warehouse.postcode,
        Location.warehouse.city).where(Location.id == row["destination"]).first().run()
    return {
        "order": row, "supplier": supplier, "lines": found, "total": total(found),
        "deliver_to": deliver_to or {}, "currency": await supplier_price.company_currency(),
        "number": row["number"],
        "state_label": STATE_LABELS[row["state"]],
    }
