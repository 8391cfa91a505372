"""Water tests: what a hardness reading means for the machine, and recording readings."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from core.db import records
from core.i18n import _
from core.partners.models import Partner
from steward_example.models.water_test import WaterTest

MAX_HARDNESS = Decimal(50)  # no tap water comes close; a higher figure is a typo
TENTH = Decimal("0.1")


class InvalidWaterTest(Exception):
    """A water test cannot be saved; `errors` maps each wrong field to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in errors.items()))


@dataclass(frozen=True)
class NewWaterTest:
    partner: int
    measured_on: dt.date
    hardness: Decimal
    notes: str = ""


def advice(hardness: Decimal) -> str:
    """What the site needs so scale does not kill the machine (°dH thresholds)."""
    if hardness < 4:
        return "no filter needed"
    if hardness <= 10:
        return "standard softening cartridge"
    if hardness <= 18:
        return "high-capacity cartridge + quarterly descaling"
    return "reverse osmosis advised"


def _broken_rules(
    measured_on: dt.date | None, hardness: Decimal | None, today: dt.date
) -> dict[str, str]:
    """The checks that need no database; a field that is None was unreadable and is skipped."""
    errors: dict[str, str] = {}
    if measured_on is not None and measured_on > today:
        errors["measured_on"] = _(
            "%(date)s is in the future; a test can only be recorded once taken",
            date=measured_on.isoformat(),
        )
    if hardness is not None and not (hardness.is_finite() and 0 <= hardness <= MAX_HARDNESS):
        errors["hardness"] = _(
            "hardness must be between 0 and %(max)s °dH, got %(value)s", max=MAX_HARDNESS, value=hardness
        )
    return errors


def parse(form: Mapping[str, str], *, today: dt.date | None = None) -> NewWaterTest:
    """Typed values from form strings; raise InvalidWaterTest naming every wrong field at once."""
    errors: dict[str, str] = {}
    partner = measured_on = hardness = None
    with contextlib.suppress(ValueError):
        partner = int(form.get("partner", ""))
    if partner is None or not 0 < partner < 2**31:
        errors["partner"] = _("choose the customer where the water was tested")
    try:
        measured_on = dt.date.fromisoformat(form.get("measured_on", "").strip())
    except ValueError:
        errors["measured_on"] = _("enter the test date as YYYY-MM-DD")
    with contextlib.suppress(InvalidOperation):
        # Dutch and German users type a decimal comma.
        hardness = Decimal(form.get("hardness", "").strip().replace(",", "."))
    if hardness is None or not hardness.is_finite():
        errors["hardness"] = _("enter the hardness in °dH as a number, e.g. 12.5")
        hardness = None
    errors = _broken_rules(measured_on, hardness, today or dt.date.today()) | errors
    if errors:
        raise InvalidWaterTest(errors)
    assert partner is not None and measured_on is not None and hardness is not None
    return NewWaterTest(partner, measured_on, hardness, form.get("notes", "").strip())


async def record(new: NewWaterTest, *, today: dt.date | None = None) -> dict[str, Any]:
    """Check the rules and save the test (audited); raise InvalidWaterTest if one is broken."""
    errors = _broken_rules(new.measured_on, new.hardness, today or dt.date.today())
    if not await Partner.exists().where(Partner.id == new.partner).run():
        errors["partner"] = _("partner #%(id)s does not exist", id=new.partner)
    if errors:
        raise InvalidWaterTest(errors)
    return await records.create(
        WaterTest,
        {
            "partner": new.partner,
            "measured_on": new.measured_on,
            # The column keeps one decimal; round here so both databases store the same value.
            "hardness": new.hardness.quantize(TENTH, rounding=ROUND_HALF_UP),
            "notes": new.notes,
        },
    )


async def recent(limit: int = 100) -> list[dict[str, Any]]:
    """The latest tests, newest first, with the partner's name and the advice."""
    rows = (
        await WaterTest.select(
            *WaterTest.all_columns(), WaterTest.partner.name.as_alias("partner_name")
        )
        .order_by(WaterTest.measured_on, WaterTest.id, ascending=False)
        .limit(limit)
        .run()
    )
    # SQLite hands back 3 for a stored 3.0; show one decimal on both databases.
    return [
        {**row, "hardness": row["hardness"].quantize(TENTH), "advice": advice(row["hardness"])}
        for row in rows
    ]


async def partner_choices() -> list[dict[str, Any]]:
    """Active partners, by name, for the form's customer list."""
    return (
        await Partner.select(Partner.id, Partner.name)
        .where(Partner.active.eq(True))
        .order_by(Partner.name)
        .run()
    )
