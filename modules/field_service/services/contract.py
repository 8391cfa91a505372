"""Service contracts: numbered SC/<year>/00001, draft until activated, active until their
end date has passed (then expired, by the daily job), or cancelled.

Coverage (services.coverage) reads a contract's percentages; the machines it covers are
the equipment whose `contract` is this one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.db import records, sequence
from core.db.engine import transaction
from core.i18n import _
from core.partners.models import Partner
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.services.equipment import today
from modules.field_service.services.errors import FieldServiceError, InvalidValues

SEQUENCE = "field_service.contract"
FIELDS = ("partner", "name", "start_date", "end_date", "parts_coverage", "labour_coverage", "travel_covered",
          "visits_per_year", "yearly_price", "notes")
STATE_LABELS = {"draft": "Draft", "active": "Active", "expired": "Expired", "cancelled": "Cancelled"}
# state -> the states an action may move it to
TRANSITIONS = {"draft": ("active", "cancelled"), "active": ("cancelled",), "expired": (), "cancelled": ()}


class ContractStateError(FieldServiceError):
    """The contract cannot go from its state to the one asked for."""


async def get(contract_id: int) -> dict[str, Any]:
    row = await Contract.select().where(Contract.id == contract_id).first().run()
    if row is None:
        raise FieldServiceError(_("Contract #%(id)s does not exist.", id=contract_id))
    return row


def _check(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        errors["end_date"] = _("The contract cannot end before it starts.")
    for name in ("parts_coverage", "labour_coverage"):
        value = values.get(name)
        if value is not None and not 0 <= value <= 100:
            errors[name] = _("A percentage between 0 and 100.")
    if (values.get("visits_per_year") or 0) < 0:
        errors["visits_per_year"] = _("At least %(n)s.", n=0)
    if (values.get("yearly_price") or 0) < 0:
        errors["yearly_price"] = _("At least %(n)s.", n=0)
    return errors


async def create(values: Mapping[str, Any]) -> dict[str, Any]:
    """A draft contract with the next number. Raises InvalidValues."""
    data = {k: v for k, v in values.items() if k in FIELDS}
    errors = _check(data)
    if not await Partner.exists().where(Partner.id == data.get("partner")).run():
        errors["partner"] = _("Choose one of the options.")
    if errors:
        raise InvalidValues(errors)
    async with transaction():
        number = await sequence.next_number(SEQUENCE, data.get("start_date") or await today())
        return await records.create(Contract, {**data, "number": number, "state": "draft"})


async def update(contract_id: int, values: Mapping[str, Any], *, version: int) -> dict[str, Any]:
    """Save changes to the terms (StaleRecordError when someone saved since `version`).
    A cancelled or expired contract keeps its terms: they priced past work."""
    data = {k: v for k, v in values.items() if k in FIELDS}
    async with transaction():
        old = await get(contract_id)
        if old["state"] in ("expired", "cancelled"):
            raise ContractStateError(_("%(number)s is %(state)s: its terms can no longer change.",
                                       number=old["number"], state=_(STATE_LABELS[old["state"]]).lower()))
        if errors := _check({**old, **data}):
            raise InvalidValues(errors)
        if "partner" in data and data["partner"] != old["partner"] and await Equipment.exists().where(
                Equipment.contract == contract_id).run():
            raise InvalidValues({"partner": _("Machines of this customer are under the contract; "
                                              "take them off it before changing the customer.")})
        return await records.update(Contract, contract_id, data, version=version)


async def change_state(contract_id: int, target: str, *, version: int, on: dt.date | None = None) -> dict[str, Any]:
    """Activate a draft or cancel a draft or active contract. Activating a contract whose end
    date has passed makes it expired."""
    async with transaction():
        row = await get(contract_id)
        if target not in TRANSITIONS.get(row["state"], ()):
            raise ContractStateError(_("%(number)s is %(state)s: it cannot become %(target)s.",
                                       number=row["number"], state=_(STATE_LABELS[row["state"]]).lower(),
                                       target=_(STATE_LABELS.get(target, target)).lower()))
        day = on or await today()
        if target == "active" and row["end_date"] < day:
            target = "expired"
        return await records.update(Contract, contract_id, {"state": target}, version=version)


async def expire(on: dt.date | None = None) -> int:
    """Active contracts whose end date lies before `on` (default today) become expired; returns
    how many. Running it twice has the effect of once."""
    day = on or await today()
    count = 0
    for row in await Contract.select(Contract.id, Contract.version).where(
            (Contract.state == "active") & (Contract.end_date < day)).run():
        try:
            await records.update(Contract, row["id"], {"state": "expired"}, version=row["version"])
            count += 1
        except records.StaleRecordError:
            continue  # changed meanwhile (another run, or cancelled): the next run looks again
    return count

