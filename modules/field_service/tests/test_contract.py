"""Service contracts: numbered from the sequence, draft until activated, expired by the daily
job once their end date has passed (once, however often it runs), cancelled on demand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from modules.field_service.services import contract as contracts
from modules.field_service.services.contract import ContractStateError
from modules.field_service.services.errors import InvalidValues
from modules.field_service.tests.conftest import customer, machine

pytestmark = pytest.mark.usefixtures("fs_db")


async def _draft(**values) -> dict:
    return await contracts.create({"partner": await customer(), "name": "Full service", "start_date": dt.date(2026, 1, 1),
                                   "end_date": dt.date(2026, 12, 31), "parts_coverage": D(100),
                                   "labour_coverage": D(50), "visits_per_year": 2, "yearly_price": D("480.00"),
                                   **values})


async def test_a_contract_is_numbered_and_starts_as_a_draft() -> None:
    first, second = await _draft(), await _draft()
    assert (first["number"], second["number"]) == ("SC/2026/00001", "SC/2026/00002")
    assert first["state"] == "draft"


async def test_bad_terms_are_refused_per_field() -> None:
    with pytest.raises(InvalidValues) as refused:
        await _draft(end_date=dt.date(2025, 12, 31), parts_coverage=D(120))
    assert set(refused.value.errors) == {"end_date", "parts_coverage"}


async def test_activate_expire_and_cancel() -> None:
    row = await _draft()
    active = await contracts.change_state(row["id"], "active", version=row["version"], on=dt.date(2026, 2, 1))
    assert active["state"] == "active"
    assert await contracts.expire(dt.date(2026, 12, 31)) == 0  # its last day still counts
    assert await contracts.expire(dt.date(2027, 1, 1)) == 1
    assert await contracts.expire(dt.date(2027, 1, 2)) == 0
    expired = await contracts.get(row["id"])
    assert expired["state"] == "expired"
    with pytest.raises(ContractStateError, match="expired: it cannot become cancelled"):
        await contracts.change_state(row["id"], "cancelled", version=expired["version"])
    with pytest.raises(ContractStateError, match="can no longer change"):
        await contracts.update(row["id"], {"name": "Renamed"}, version=expired["version"])
    other = await _draft()
    cancelled = await contracts.change_state(other["id"], "cancelled", version=other["version"])
    assert cancelled["state"] == "cancelled"


async def test_activating_a_contract_whose_period_is_over_makes_it_expired() -> None:
    row = await _draft(end_date=dt.date(2026, 3, 31))
    assert (await contracts.change_state(row["id"], "active", version=row["version"],
                                         on=dt.date(2026, 4, 1)))["state"] == "expired"


async def test_the_customer_cannot_change_while_machines_are_under_the_contract() -> None:
    row = await _draft()
    await machine(row["partner"], contract=row["id"])
    with pytest.raises(InvalidValues) as refused:
        await contracts.update(row["id"], {"partner": await customer("Hotel Central")}, version=row["version"])
    assert set(refused.value.errors) == {"partner"}
