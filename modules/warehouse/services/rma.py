"""Customer returns (RMA): the goods come back, then each line gets one outcome.

States: draft -> received -> done, or cancelled while still a draft. Receiving brings
every line onto a chosen shelf with one customer_return transfer (a serial comes back
through the transfer service, so it can never be in two places at once). Each line's
outcome then changes stock only through transfers:

- refund: the goods stay in stock; the line is done;
- replace: a delivery of a replacement unit (a serial from stock) to the customer;
- repair: the unit goes to an external repairer (services.repair), perhaps with a loaner;
- scrap: a scrap transfer to the scrap location;
- return_to_vendor: a vendor claim and a delivery back to the supplier.

The return is done when every line is. A line is claimed (marked done under its
optimistic lock) before any stock moves, in the same transaction, so a second request
for the same line finds it done and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.db import records, sequence
from core.db.engine import transaction
from core.i18n import _
from modules.warehouse.models.rma import OUTCOMES, Return, ReturnLine
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import location as locations
from modules.warehouse.services import lot as lots
from modules.warehouse.services import move as moves
from modules.warehouse.services import quant, repair, vendor_claim
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.errors import InvalidTransition, NotAllowed
from modules.warehouse.services.transfer import Line

ACTIONS = tuple(o for o in OUTCOMES if o)
OUTCOME_LABELS = {"refund": "Refund", "replace": "Replace", "repair": "Repair", "scrap": "Scrap",
                  "return_to_vendor": "Return to vendor"}
# What a done line says happened.
DONE_LABELS = {"refund": "Refunded", "replace": "Replaced", "repair": "Sent for repair", "scrap": "Scrapped",
               "return_to_vendor": "Returned to vendor"}
STATE_LABELS = {"draft": "Draft", "received": "Received", "done": "Done", "cancelled": "Cancelled"}


@dataclass(frozen=True)
class Details:
    """What an outcome needs besides the line; fields another outcome uses are ignored."""

    location: int | None = None  # replace: where the replacement comes from (default: where it was received)
    serial: str = ""  # replace: the replacement unit's serial number
    repairer: int | None = None  # repair
    carrier: str = ""
    tracking_number: str = ""
    expected_return: dt.date | None = None
    loaner: str = ""  # repair: serial number of a unit lent to the customer meanwhile
    supplier: int | None = None  # return_to_vendor
    claim_number: str = ""
    credit_expected: Decimal = Decimal(0)


async def create(partner: int, *, origin: str = "", note: str = "") -> dict[str, Any]:
    async with transaction():
        number = await sequence.next_number("warehouse.return")
        return await records.create(Return, {"number": number, "partner": partner, "state": "draft",
                                             "origin": origin, "note": note})


async def get(rma: int) -> dict[str, Any]:
    row = await Return.select().where(Return.id == rma).first().run()
    if row is None:
        raise NotAllowed(_("Return #%(id)s does not exist.", id=rma))
    return row


async def lines(rma: int) -> list[dict[str, Any]]:
    """The return's lines with product code, name and tracking, and the serial's name."""
    return await ReturnLine.select(
        *ReturnLine.all_columns(), ReturnLine.product.code.as_alias("product_code"),
        ReturnLine.product.name.as_alias("product_name"), ReturnLine.product.tracking.as_alias("tracking"),
        ReturnLine.lot.name.as_alias("serial"),
    ).where(ReturnLine.rma == rma).order_by(ReturnLine.id).run()


async def line(line_id: int) -> dict[str, Any]:
    found = await ReturnLine.select(
        *ReturnLine.all_columns(), ReturnLine.product.tracking.as_alias("tracking"),
    ).where(ReturnLine.id == line_id).first().run()
    if found is None:
        raise NotAllowed(_("Return line #%(id)s does not exist.", id=line_id))
    return found


async def _draft(rma: int) -> dict[str, Any]:
    row = await get(rma)
    if row["state"] != "draft":
        raise InvalidTransition(_("Lines can only be changed while the return is a draft."))
    return row


async def add_line(rma: int, product: int, quantity: Decimal, *, serial: str = "",
                   reason: str = "") -> dict[str, Any]:
    quantity = Decimal(quantity)
    async with transaction():
        await _draft(rma)
        if quantity <= 0:
            raise NotAllowed(_("A move needs a quantity above zero."))
        lot = await lots.for_line(product, serial)
        if lot is not None:
            if await moves.tracking(product) == "serial" and quantity != 1:
                raise NotAllowed(_("A serial number moves one unit at a time."))
            if await ReturnLine.exists().where((ReturnLine.rma == rma) & (ReturnLine.lot == lot)).run():
                raise NotAllowed(_("The same serial number is entered twice."))
        return await records.create(ReturnLine, {"rma": rma, "product": product, "lot": lot,
                                                 "quantity": quantity, "reason": reason.strip()})


async def remove_line(line_id: int) -> None:
    async with transaction():
        row = await line(line_id)
        await _draft(row["rma"])
        await records.delete(ReturnLine, line_id, version=row["version"])


async def receive(rma: int, location: int) -> dict[str, Any]:
    """Bring every line from the customer onto `location` (a shelf): one customer_return transfer, done."""
    async with transaction():
        row = await get(rma)
        if row["state"] != "draft":
            raise InvalidTransition(_("Only a draft return can be received."))
        if await locations.kind_of(location) != "internal":
            raise NotAllowed(_("Receive returned goods on a warehouse shelf."))
        items = await lines(rma)
        if not items:
            raise NotAllowed(_("Add the returned products first."))
        moved = await transfers.create(
            "customer_return", await locations.virtual("customer"), location,
            [Line(i["product"], Decimal(i["quantity"]), i["lot"]) for i in items],
            partner=row["partner"], origin=row["number"])
        await transfers.validate(moved["id"])
        return await records.update(Return, rma, {"state": "received", "received_on": dt.date.today()},
                                    version=row["version"])


async def cancel(rma: int) -> dict[str, Any]:
    async with transaction():
        row = await get(rma)
        if row["state"] != "draft":
            raise InvalidTransition(_("Only a draft return can be cancelled; the goods are already in."))
        return await records.update(Return, rma, {"state": "cancelled"}, version=row["version"])


async def transfers_of(rma: int) -> list[dict[str, Any]]:
    """Every transfer the return caused (receipt, deliveries, repairs, scrap), oldest first."""
    row = await get(rma)
    return await Transfer.select(
        *Transfer.all_columns(), Transfer.source.full_name.as_alias("source_name"),
        Transfer.destination.full_name.as_alias("destination_name"),
    ).where(Transfer.origin == row["number"]).order_by(Transfer.id).run()


async def receipt(rma: int) -> dict[str, Any]:
    row = await get(rma)
    found = await Transfer.select().where(
        (Transfer.origin == row["number"]) & (Transfer.kind == "customer_return") & (Transfer.state == "done")
    ).order_by(Transfer.id).first().run()
    if found is None:
        raise InvalidTransition(_("Receive the return before deciding what happens to its lines."))
    return found


async def carry_out(line_id: int, outcome: str, details: Details | None = None) -> dict[str, Any]:
    """Do `outcome` for one received line. Returns {"line", "rma", "already", "transfer", "claim"};
    `already` is True (and nothing changed) when the line was done before."""
    if outcome not in ACTIONS:
        raise NotAllowed(_("Choose one of the options."))
    details = details or Details()
    async with transaction():
        item = await line(line_id)
        ret = await get(item["rma"])
        if item["done"]:
            return {"line": item, "rma": ret, "already": True, "transfer": None, "claim": None}
        if ret["state"] != "received":
            raise InvalidTransition(_("Receive the return before deciding what happens to its lines."))
        # Claim the line first: a concurrent request for it now waits, then finds a newer version.
        claimed = await records.update(ReturnLine, line_id, {"outcome": outcome, "done": "yes"},
                                       version=item["version"])
        result = await DO[outcome](ret, {**item, **claimed}, details)
        if not await ReturnLine.exists().where((ReturnLine.rma == ret["id"]) & (ReturnLine.done != "yes")).run():
            ret = await records.update(Return, ret["id"], {"state": "done"}, version=ret["version"])
        return {"line": claimed, "rma": ret, "already": False, **result}


async def _where(ret: dict[str, Any], item: dict[str, Any]) -> int:
    """Where the returned unit is now: a serial's own location, else where the return came in."""
    if item["lot"] and item["tracking"] == "serial":
        return int((await lots.in_stock(item["lot"]))["location"])
    return int((await receipt(ret["id"]))["destination"])


async def _one_transfer(kind: str, source: int, destination: int, lines_: list[Line], *,
                        partner: int | None, origin: str) -> int:
    moved = await transfers.create(kind, source, destination, lines_, partner=partner, origin=origin)
    await transfers.validate(moved["id"])
    return int(moved["id"])


async def _refund(ret: dict[str, Any], item: dict[str, Any], details: Details) -> dict[str, Any]:
    return {"transfer": None, "claim": None}


async def _replace(ret: dict[str, Any], item: dict[str, Any], details: Details) -> dict[str, Any]:
    qty, product = Decimal(item["quantity"]), item["product"]
    source = details.location or int((await receipt(ret["id"]))["destination"])
    if item["tracking"] == "serial":
        unit = await lots.named(product, details.serial, create=False) if details.serial.strip() else None
        if unit is None:
            raise NotAllowed(_("Enter the serial number of the replacement unit (one in stock)."))
        if unit == item["lot"]:
            raise NotAllowed(_("A unit cannot replace itself: choose another serial number."))
        source = int((await lots.in_stock(unit))["location"])
        given = [Line(product, qty, unit)]
    elif item["tracking"] == "lot":
        given, left = [], qty
        for lot, free in await quant.lots_available(product, source):
            take = min(free, left)
            given.append(Line(product, take, lot))
            left -= take
            if left <= 0:
                break
        if left > 0:
            raise await quant.shortage(product, source, None, qty)
    else:
        given = [Line(product, qty)]
    customers = await locations.virtual("customer")
    moved = await _one_transfer("delivery", source, customers, given, partner=ret["partner"], origin=ret["number"])
    return {"transfer": moved, "claim": None}


async def _repair(ret: dict[str, Any], item: dict[str, Any], details: Details) -> dict[str, Any]:
    if details.repairer is None:
        raise NotAllowed(_("Choose the repairer."))
    loaner = None
    if details.loaner.strip():
        loaner = await lots.named(item["product"], details.loaner, create=False) or await lots.by_name(details.loaner)
    sent = await repair.send(repair.Shipment(
        product=item["product"], quantity=Decimal(item["quantity"]), source=await _where(ret, item),
        repairer=details.repairer, lot=item["lot"], carrier=details.carrier,
        tracking_number=details.tracking_number, expected_return=details.expected_return,
        loaner=loaner, customer=ret["partner"], origin=ret["number"]))
    return {"transfer": sent["id"], "claim": None}


async def _scrap(ret: dict[str, Any], item: dict[str, Any], details: Details) -> dict[str, Any]:
    moved = await _one_transfer("scrap", await _where(ret, item), await locations.virtual("scrap"),
                                [Line(item["product"], Decimal(item["quantity"]), item["lot"])],
                                partner=None, origin=ret["number"])
    return {"transfer": moved, "claim": None}


async def _return_to_vendor(ret: dict[str, Any], item: dict[str, Any], details: Details) -> dict[str, Any]:
    if details.supplier is None:
        raise NotAllowed(_("Choose the supplier."))
    claim = await vendor_claim.create({
        "supplier": details.supplier, "return_line": item["id"], "product": item["product"], "lot": item["lot"],
        "quantity": Decimal(item["quantity"]), "claim_number": details.claim_number.strip(),
        "credit_expected": Decimal(details.credit_expected or 0), "note": ret["number"]})
    moved = await _one_transfer("delivery", await _where(ret, item), await locations.virtual("supplier"),
                                [Line(item["product"], Decimal(item["quantity"]), item["lot"])],
                                partner=details.supplier, origin=ret["number"])
    return {"transfer": moved, "claim": claim["id"]}


DO = {"refund": _refund, "replace": _replace, "repair": _repair, "scrap": _scrap,
      "return_to_vendor": _return_to_vendor}
