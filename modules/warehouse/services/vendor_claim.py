"""Warranty claims on vendors: what a supplier owes us for a faulty unit.

States: draft -> submitted -> accepted or rejected; accepted -> credited. Submitting
sets `submitted_on` and, unless one was agreed, a due date 30 days later. A claim is
overdue when its due date has passed and it is neither credited nor rejected; the
daily job flags it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.db import records, sequence
from core.db.engine import transaction
from core.i18n import _
from modules.warehouse.models.rma import VendorClaim
from modules.warehouse.services.errors import InvalidTransition, NotAllowed

DUE_DAYS = 30
# action -> (states it starts from, state it leads to)
TRANSITIONS = {
    "submit": (("draft",), "submitted"),
    "accept": (("submitted",), "accepted"),
    "reject": (("submitted",), "rejected"),
    "credit": (("accepted",), "credited"),
}
ACTION_LABELS = {"submit": "Submit", "accept": "Accepted", "reject": "Rejected", "credit": "Credited"}
STATE_LABELS = {"draft": "Draft", "submitted": "Submitted", "accepted": "Accepted", "rejected": "Rejected",
                "credited": "Credited"}
CLOSED = ("credited", "rejected")


async def create(values: dict[str, Any]) -> dict[str, Any]:
    async with transaction():
        number = await sequence.next_number("warehouse.vendor_claim")
        return await records.create(VendorClaim, {**values, "number": number, "state": "draft"})


async def get(claim: int) -> dict[str, Any]:
    row = await VendorClaim.select().where(VendorClaim.id == claim).first().run()
    if row is None:
        raise NotAllowed(_("Vendor claim #%(id)s does not exist.", id=claim))
    return row


def actions(state: str) -> list[str]:
    """The actions allowed from `state`, in button order."""
    return [a for a, (sources, _target) in TRANSITIONS.items() if state in sources]


async def move(claim: int, action: str, *, on: dt.date | None = None,
               credit: Decimal | None = None) -> dict[str, Any]:
    """Take the claim through `action` (submit, accept, reject, credit); `credit` is the
    amount the supplier credited (required for "credit")."""
    if action not in TRANSITIONS:
        raise NotAllowed(_("Choose one of the options."))
    sources, target = TRANSITIONS[action]
    async with transaction():
        row = await get(claim)
        if row["state"] not in sources:
            raise InvalidTransition(_("A %(state)s claim cannot be %(target)s.",
                                      state=_(STATE_LABELS[row["state"]]).lower(),
                                      target=_(STATE_LABELS[target]).lower()))
        changes: dict[str, Any] = {"state": target}
        if action == "submit":
            changes["submitted_on"] = on or dt.date.today()
            changes["due_on"] = row["due_on"] or changes["submitted_on"] + dt.timedelta(days=DUE_DAYS)
        if action == "credit":
            if credit is None or Decimal(credit) <= 0:
                raise NotAllowed(_("Enter the amount the supplier credited."))
            changes["credit_received"] = Decimal(credit)
        if target in CLOSED and row["overdue"]:
            changes["overdue"] = ""
        return await records.update(VendorClaim, claim, changes, version=row["version"])


async def overdue(today: dt.date) -> list[dict[str, Any]]:
    """Claims due before `today` that are neither credited nor rejected."""
    return await VendorClaim.select().where(
        VendorClaim.due_on.is_not_null() & (VendorClaim.due_on < today) & VendorClaim.state.not_in(list(CLOSED))
    ).order_by(VendorClaim.due_on).run()


async def flag_overdue(today: dt.date) -> list[dict[str, Any]]:
    """Flag the overdue claims, unflag those that are not any more; returns the newly flagged."""
    due = await overdue(today)
    fresh = [r for r in due if r["overdue"] != "yes"]
    for r in fresh:
        await records.update(VendorClaim, r["id"], {"overdue": "yes"}, version=r["version"])
    stale = VendorClaim.select(VendorClaim.id, VendorClaim.version).where(VendorClaim.overdue == "yes")
    if due:
        stale = stale.where(VendorClaim.id.not_in([r["id"] for r in due]))
    for r in await stale.run():
        await records.update(VendorClaim, r["id"], {"overdue": ""}, version=r["version"])
    return fresh
