"""The eligibility hook: may a technician do a work order on a day? Built-in reasons (absent,
not a working day, missing skills) plus whatever installed modules answer."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core import events
from core.db import records
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.modules.manifest import Manifest, Subscriber
from modules.field_service.models.job_type import JobType
from modules.field_service.models.technician import Absence
from modules.field_service.services import eligibility
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.conftest import customer, job_type, technician

MONDAY, SATURDAY = dt.date(2026, 6, 1), dt.date(2026, 6, 6)


async def _order(skills: str = "espresso") -> int:
    jt = await job_type()
    row = await JobType.select().where(JobType.id == jt).first().run()
    await records.update(JobType, jt, {"skills": skills}, version=row["version"])
    return int((await work_orders.create_work_order(await customer(), job_type=jt))["id"])


async def test_an_available_skilled_technician_on_a_working_day_is_eligible(fs_db: str) -> None:
    jan, _van = await technician("jan")
    assert await eligibility.refusals(jan, await _order("Espresso"), MONDAY) == []


async def test_absence_day_off_and_missing_skills_are_each_a_reason(fs_db: str) -> None:
    jan, _van = await technician("jan")
    order = await _order("espresso, grinder")
    await records.create(Absence, {"user": jan, "start_date": MONDAY, "end_date": MONDAY, "reason": "Dentist"})
    reasons = await eligibility.refusals(jan, order, MONDAY)
    assert len(reasons) == 2
    assert "absent" in reasons[0] and "Dentist" in reasons[0]
    assert "grinder" in reasons[1] and "espresso" not in reasons[1]
    saturday = await eligibility.refusals(jan, order, SATURDAY)
    assert "not a working day" in saturday[0]
    with pytest.raises(eligibility.NotEligible) as refused:
        await eligibility.ensure(jan, order, MONDAY)
    assert refused.value.reasons == reasons


heard: list[dict[str, Any]] = []


async def certification(user: int, work_order: int, day: dt.date) -> list[str] | None:
    heard.append({"user": user, "work_order": work_order, "day": day})
    return ["No valid espresso certificate on this day."] if day >= SATURDAY - dt.timedelta(days=3) else None


CERTS = Manifest(name="certs", version="1.0.0", summary="Certificates (test module)", depends=("field_service",),
                 subscribers=(Subscriber(eligibility.EVENT, certification),))


@pytest.fixture
async def with_certs(fs_db: str, catalog: Catalog) -> AsyncIterator[Catalog]:
    extended = discover(extra=(dataclasses.replace(CERTS),))
    events.use(extended)
    heard.clear()
    yield extended
    events.use(discover())


async def test_other_modules_answer_the_eligibility_question_once_installed(with_certs: Catalog) -> None:
    jan, _van = await technician("jan")
    order = await _order()
    wednesday = MONDAY + dt.timedelta(days=2)
    assert await eligibility.refusals(jan, order, wednesday) == []  # not installed: not asked
    assert heard == []
    await lifecycle.install(with_certs, ["certs"])
    events.forget_installed()
    assert await eligibility.refusals(jan, order, MONDAY) == []  # None is no objection
    assert await eligibility.refusals(jan, order, wednesday) == ["No valid espresso certificate on this day."]
    assert heard[-1] == {"user": jan, "work_order": order, "day": wednesday}
