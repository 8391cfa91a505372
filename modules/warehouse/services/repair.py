"""Units sent out to an external repairer, and back.

Sending makes a repair_out transfer, done at once: the unit now sits at the repairer's
location (still our stock) and the transfer carries the carrier, tracking number,
expected return date and, when the customer gets a unit on loan meanwhile, the
loaner's serial. The loaner goes to the customer by a delivery through the transfer
service. Receiving back makes a repair_in transfer and, with a loaner out, a
customer_return that brings the loaner home. A repair is back once a done repair_in
names it as its origin; it is overdue when its expected return date has passed and
it is not back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.db import records
from core.db.engine import transaction
from core.db.search import contains
from core.i18n import _
from core.partners.models import Partner
from modules.warehouse.models.location import Location
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import location as locations
from modules.warehouse.services import lot as lots
from modules.warehouse.services import transfer as transfers
from modules.warehouse.services.errors import InvalidTransition, NotAllowed
from modules.warehouse.services.transfer import Line

SHELF_KINDS = ("internal", "van")
VIEWS = ("out", "overdue", "back", "all")


@dataclass(frozen=True)
class Shipment:
    product: int
    quantity: Decimal
    source: int
    repairer: int
    lot: int | None = None
    carrier: str = ""
    tracking_number: str = ""
    expected_return: dt.date | None = None
    loaner: int | None = None  # a serial lent to `customer` until the unit is back
    customer: int | None = None
    origin: str = ""
    note: str = ""


async def repairer_location(partner: int) -> int:
    """The partner's repairer location, made on first use."""
    row = await Location.select(Location.id).where(
        (Location.kind == "repairer") & (Location.partner == partner) & (Location.active == True)  # noqa: E712
    ).order_by(Location.id).first().run()
    if row:
        return int(row["id"])
    who = await Partner.select(Partner.name).where(Partner.id == partner).first().run()
    if who is None:
        raise NotAllowed(_("Choose the repairer."))
    return int((await locations.create({"name": who["name"], "kind": "repairer", "partner": partner}))["id"])


async def _shelf(location: int) -> None:
    if await locations.kind_of(location) not in SHELF_KINDS:
        raise NotAllowed(_("Choose a warehouse shelf or a van."))


async def send(s: Shipment) -> dict[str, Any]:
    """Send the unit out (and the loaner to the customer); returns the repair_out transfer."""
    async with transaction():
        await _shelf(s.source)
        if s.loaner is not None:
            if s.customer is None:
                raise NotAllowed(_("Choose the customer who gets the loaner."))
            if s.loaner == s.lot:
                raise NotAllowed(_("The loaner cannot be the unit that goes for repair."))
        where = await repairer_location(s.repairer)
        sent = await transfers.create(
            "repair_out", s.source, where, [Line(s.product, Decimal(s.quantity), s.lot)], partner=s.repairer,
            origin=s.origin, note=s.note, extra={"carrier": s.carrier.strip(), "loaner": s.loaner,
                                                 "tracking_number": s.tracking_number.strip(),
                                                 "expected_return": s.expected_return})
        await transfers.validate(sent["id"])
        if s.loaner is not None:
            unit = await lots.in_stock(s.loaner)
            lend = await transfers.create("delivery", unit["location"], await locations.virtual("customer"),
                                          [Line(unit["product"], Decimal(1), s.loaner)], partner=s.customer,
                                          origin=sent["number"])
            await transfers.validate(lend["id"])
        return await transfers.get(sent["id"])


async def back_of(number: str) -> dict[str, Any] | None:
    """The done repair_in that brought repair `number` back, if any."""
    return await Transfer.select().where(
        (Transfer.kind == "repair_in") & (Transfer.origin == number) & (Transfer.state == "done")
    ).first().run()


async def loan_of(number: str) -> dict[str, Any] | None:
    """The delivery that lent the loaner for repair `number`."""
    return await Transfer.select().where(
        (Transfer.kind == "delivery") & (Transfer.origin == number) & (Transfer.state == "done")
    ).order_by(Transfer.id).first().run()


async def receive_back(repair: int, destination: int | None = None, *,
                       give_to: int | None = None) -> dict[str, Any]:
    """Bring the unit back onto `destination` (default: where it left from) and the loaner home.
    `give_to`: deliver the repaired unit straight on to this customer. Returns the repair_in transfer."""
    async with transaction():
        sent = await transfers.get(repair)
        if sent["kind"] != "repair_out" or sent["state"] != "done":
            raise NotAllowed(_("Only a unit sent out for repair can be received back."))
        if await back_of(sent["number"]) is not None:
            raise InvalidTransition(_("%(number)s is already back.", number=sent["number"]))
        home = destination or sent["source"]
        await _shelf(home)
        units = [Line(m["product"], Decimal(m["quantity"]), m["lot"])
                 for m in await transfers.lines(repair) if m["state"] == "done"]
        back = await transfers.create("repair_in", sent["destination"], home, units, partner=sent["partner"],
                                      origin=sent["number"])
        await transfers.validate(back["id"])
        customers = await locations.virtual("customer")
        if sent["loaner"] is not None:
            lend = await loan_of(sent["number"])
            returned = await transfers.create(
                "customer_return", customers, lend["source"] if lend else home,
                [Line(await _product_of_lot(sent["loaner"]), Decimal(1), sent["loaner"])],
                partner=lend["partner"] if lend else None, origin=sent["number"])
            await transfers.validate(returned["id"])
        if give_to is not None:
            onward = await transfers.create("delivery", home, customers, units, partner=give_to,
                                            origin=sent["origin"] or sent["number"])
            await transfers.validate(onward["id"])
        if sent["overdue"]:
            await records.update(Transfer, repair, {"overdue": ""}, version=sent["version"])
        return back


async def _product_of_lot(lot: int) -> int:
    row = await Lot.select(Lot.product).where(Lot.id == lot).first().run()
    return int(row["product"])


def _back_numbers() -> Any:
    return Transfer.select(Transfer.origin).where((Transfer.kind == "repair_in") & (Transfer.state == "done"))


def _sent() -> Any:
    return (Transfer.kind == "repair_out") & (Transfer.state == "done")


async def overdue(today: dt.date) -> list[dict[str, Any]]:
    """Repairs out whose expected return date is before `today` and that are not back."""
    return await Transfer.select().where(
        _sent() & (Transfer.expected_return < today) & Transfer.number.not_in(_back_numbers())
    ).order_by(Transfer.expected_return).run()


async def flag_overdue(today: dt.date) -> list[dict[str, Any]]:
    """Set `overdue` on the repairs that are overdue now and clear it on those that are not
    any more; returns the newly flagged ones (none on a second run the same day)."""
    due = await overdue(today)
    fresh = [r for r in due if r["overdue"] != "yes"]
    for r in fresh:
        await records.update(Transfer, r["id"], {"overdue": "yes"}, version=r["version"])
    stale = Transfer.select(Transfer.id, Transfer.version).where(_sent() & (Transfer.overdue == "yes"))
    if due:
        stale = stale.where(Transfer.id.not_in([r["id"] for r in due]))
    for r in await stale.run():
        await records.update(Transfer, r["id"], {"overdue": ""}, version=r["version"])
    return fresh


async def listing(view: str = "out", q: str = "", *, today: dt.date | None = None,
                  limit: int = 200) -> list[dict[str, Any]]:
    """Repairs for the list page, with what went (product, serial), the loaner and when it came back."""
    today = today or dt.date.today()
    query = Transfer.select(
        *Transfer.all_columns(), Transfer.partner.name.as_alias("repairer_name"),
        Transfer.source.full_name.as_alias("source_name"), Transfer.loaner.name.as_alias("loaner_name"),
    ).where(_sent())
    if view in ("out", "overdue"):
        query = query.where(Transfer.number.not_in(_back_numbers()))
    if view == "overdue":
        query = query.where(Transfer.expected_return < today)
    if view == "back":
        query = query.where(Transfer.number.is_in(_back_numbers()))
    for word in q.split()[:5]:
        query = query.where(contains(Transfer.number, word) | contains(Transfer.tracking_number, word)
                            | contains(Transfer.origin, word) | contains(Transfer.partner.name, word))
    rows = await query.order_by(Transfer.id, ascending=False).limit(limit).run()
    return await _decorate(rows, today)


async def _decorate(rows: Sequence[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    if not rows:
        return []
    ids, numbers = [r["id"] for r in rows], [r["number"] for r in rows]
    units: dict[int, list[dict[str, Any]]] = {}
    for m in await Move.select(Move.transfer, Move.quantity, Move.product.code.as_alias("code"),
                               Move.product.name.as_alias("name"), Move.lot.name.as_alias("serial")).where(
            Move.transfer.is_in(ids) & (Move.state == "done")).order_by(Move.id).run():
        units.setdefault(m["transfer"], []).append(m)
    back = {b["origin"]: b for b in await Transfer.select(Transfer.origin, Transfer.done_at, Transfer.number).where(
        (Transfer.kind == "repair_in") & (Transfer.state == "done") & Transfer.origin.is_in(numbers)).run()}
    return [{**r, "units": units.get(r["id"], []), "back": back.get(r["number"]),
             "is_overdue": r["number"] not in back and r["expected_return"] is not None
             and r["expected_return"] < today} for r in rows]
