"""Vendor claims: numbered, taken only through the allowed transitions, with a due date
30 days after submitting unless one was agreed, and credited with the amount received."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from modules.warehouse.services import vendor_claim
from modules.warehouse.services.errors import InvalidTransition, NotAllowed
from modules.warehouse.tests.conftest import product, supplier

pytestmark = pytest.mark.usefixtures("warehouse_db")


async def claim(**values) -> dict:
    return await vendor_claim.create({"supplier": await supplier(), "product": await product("PMP-ULKA"),
                                      "quantity": Decimal(1), "credit_expected": Decimal("38.50"), **values})


async def test_a_claim_goes_draft_submitted_accepted_credited() -> None:
    row = await claim(claim_number="LP-4471")
    assert row["number"].startswith("VC/") and row["state"] == "draft"
    monday = dt.date(2026, 3, 2)
    submitted = await vendor_claim.move(row["id"], "submit", on=monday)
    assert submitted["state"] == "submitted" and submitted["submitted_on"] == monday
    assert submitted["due_on"] == dt.date(2026, 4, 1)
    assert (await vendor_claim.move(row["id"], "accept"))["state"] == "accepted"
    credited = await vendor_claim.move(row["id"], "credit", credit=Decimal("35.00"))
    assert credited["state"] == "credited" and credited["credit_received"] == Decimal("35.00")


async def test_an_agreed_due_date_is_kept_when_submitting() -> None:
    row = await claim(due_on=dt.date(2026, 5, 15))
    submitted = await vendor_claim.move(row["id"], "submit", on=dt.date(2026, 3, 2))
    assert submitted["due_on"] == dt.date(2026, 5, 15)


@pytest.mark.parametrize(("path", "refused"), [
    ((), "accept"), ((), "credit"), (("submit",), "credit"), (("submit",), "submit"),
    (("submit", "reject"), "accept"), (("submit", "reject"), "credit"), (("submit", "accept"), "reject"),
])
async def test_transitions_out_of_order_are_refused(path: tuple[str, ...], refused: str) -> None:
    row = await claim()
    for action in path:
        await vendor_claim.move(row["id"], action)
    state = (await vendor_claim.get(row["id"]))["state"]
    with pytest.raises(InvalidTransition):
        await vendor_claim.move(row["id"], refused, credit=Decimal(10))
    assert (await vendor_claim.get(row["id"]))["state"] == state


async def test_crediting_needs_the_amount_received() -> None:
    row = await claim()
    await vendor_claim.move(row["id"], "submit")
    await vendor_claim.move(row["id"], "accept")
    with pytest.raises(NotAllowed, match="amount"):
        await vendor_claim.move(row["id"], "credit")
    with pytest.raises(NotAllowed):
        await vendor_claim.move(row["id"], "credit", credit=Decimal(0))
    assert (await vendor_claim.get(row["id"]))["state"] == "accepted"


def test_the_buttons_follow_the_state() -> None:
    assert vendor_claim.actions("draft") == ["submit"]
    assert vendor_claim.actions("submitted") == ["accept", "reject"]
    assert vendor_claim.actions("accepted") == ["credit"]
    assert vendor_claim.actions("rejected") == [] and vendor_claim.actions("credited") == []
