"""Job types and their checklist templates (the quality standard): values are checked before
anything is written, a measurement needs a unit and a sensible tolerance, points keep their
order when moved, stale changes are refused, every change shows in the job type's history,
and a new work order copies the standard as it stands."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from core.db import records
from core.db.audit import AuditEntry
from core.db.records import StaleRecordError
from core.products.models import Product
from modules.field_service.models.job_type import CheckTemplate, JobType
from modules.field_service.services import job_type as job_types
from modules.field_service.services import work_order as work_orders
from modules.field_service.services.errors import InvalidValues
from modules.field_service.tests.conftest import article, customer

pytestmark = pytest.mark.usefixtures("fs_db")

REPAIR = {"name": "Espresso repair", "kind": "repair", "duration_minutes": 90, "skills": "",
          "hourly_rate": D("75.00")}
PRESSURE = {"label": "Brew pressure", "kind": "measure", "unit": "bar", "minimum": D("8.5"), "maximum": D("9.5"),
            "required": True}


async def labour(code: str = "ARB-UUR") -> int:
    row = await records.create(Product, {"code": code, "name": "Labour hour", "kind": "service",
                                         "sale_price": D("68.00")})
    return int(row["id"])


async def test_a_job_type_is_made_with_its_skills_tidied_and_its_labour_article() -> None:
    made = await job_types.create({**REPAIR, "skills": " Espresso,grinder , espresso,, Water  treatment",
                                   "labour_product": await labour()})
    assert made["skills"] == "espresso, grinder, water treatment"
    assert made["labour_product"] is not None and made["version"] == 1


@pytest.mark.parametrize("changes, field", [
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": -30}, "duration_minutes"),
    ({"duration_minutes": 7 * 24 * 60 + 1}, "duration_minutes"),
    ({"hourly_rate": D("-1")}, "hourly_rate"),
    ({"kind": "party"}, "kind"),
    ({"name": "  "}, "name"),
])
async def test_bad_values_are_refused_by_field_and_nothing_is_written(changes: dict, field: str) -> None:
    with pytest.raises(InvalidValues) as refused:
        await job_types.create({**REPAIR, **changes})
    assert field in refused.value.errors
    assert await JobType.count().run() == 0


async def test_the_labour_article_must_be_a_service_and_names_are_unique() -> None:
    with pytest.raises(InvalidValues) as refused:
        await job_types.create({**REPAIR, "labour_product": await article("GSK-58")})
    assert "labour_product" in refused.value.errors
    await job_types.create(REPAIR)
    with pytest.raises(InvalidValues) as twice:
        await job_types.create({**REPAIR, "name": " Espresso   repair "})
    assert "name" in twice.value.errors
    assert await JobType.count().run() == 1


async def test_a_stale_edit_of_a_job_type_is_refused() -> None:
    made = await job_types.create(REPAIR)
    await job_types.update(made["id"], {"duration_minutes": 120}, version=1)
    with pytest.raises(StaleRecordError):
        await job_types.update(made["id"], {"duration_minutes": 45}, version=1)
    assert (await job_types.get(made["id"]))["duration_minutes"] == 120


@pytest.mark.parametrize("changes, field", [
    ({"unit": ""}, "unit"),
    ({"minimum": None, "maximum": None}, "minimum"),
    ({"minimum": D("9.5"), "maximum": D("8.5")}, "maximum"),
    ({"label": " "}, "label"),
    ({"kind": "smell"}, "kind"),
])
async def test_a_measurement_needs_a_unit_and_a_sensible_tolerance(changes: dict, field: str) -> None:
    jt = (await job_types.create(REPAIR))["id"]
    with pytest.raises(InvalidValues) as refused:
        await job_types.add_check(jt, {**PRESSURE, **changes})
    assert field in refused.value.errors
    assert await CheckTemplate.count().run() == 0


async def test_a_one_sided_tolerance_is_fine_and_other_kinds_drop_unit_and_tolerance() -> None:
    jt = (await job_types.create(REPAIR))["id"]
    boiler = await job_types.add_check(jt, {**PRESSURE, "label": "Boiler temperature", "unit": "°C",
                                            "minimum": None, "maximum": D("125")})
    assert boiler["minimum"] is None and boiler["maximum"] == D("125")
    leak = await job_types.add_check(jt, {**PRESSURE, "label": "Leak test", "kind": "passfail", "required": False})
    assert (leak["unit"], leak["minimum"], leak["maximum"], leak["required"]) == ("", None, None, False)
    assert [p["sequence"] for p in await job_types.checks(jt)] == [10, 20]


async def test_moving_points_keeps_their_order_and_a_new_work_order_copies_it() -> None:
    jt = (await job_types.create(REPAIR))["id"]
    first = await job_types.add_check(jt, PRESSURE)
    second = await job_types.add_check(jt, {**PRESSURE, "label": "Leak test", "kind": "passfail"})
    third = await job_types.add_check(jt, {**PRESSURE, "label": "Photo of the group head", "kind": "photo"})
    moved = await job_types.move_check(jt, third["id"], "up", version=third["version"])
    assert [p["label"] for p in moved] == ["Brew pressure", "Photo of the group head", "Leak test"]
    assert [p["sequence"] for p in moved] == [10, 20, 30]
    top = await job_types.move_check(jt, first["id"], "up", version=first["version"])  # first already
    assert [p["id"] for p in top] == [first["id"], third["id"], second["id"]]
    with pytest.raises(StaleRecordError):  # `third` moved on: its old version is stale
        await job_types.move_check(jt, third["id"], "down", version=third["version"])

    order = await work_orders.create_work_order(await customer(), job_type=jt)
    from modules.field_service.services.checklist import lines

    copied = await lines(order["id"])
    assert [c["label"] for c in copied] == ["Brew pressure", "Photo of the group head", "Leak test"]
    assert (copied[0]["unit"], copied[0]["minimum"], copied[0]["maximum"]) == ("bar", D("8.5"), D("9.5"))


async def test_editing_and_removing_a_point_refuse_stale_versions_and_leave_work_orders_alone() -> None:
    jt = (await job_types.create(REPAIR))["id"]
    point = await job_types.add_check(jt, PRESSURE)
    order = await work_orders.create_work_order(await customer(), job_type=jt)
    changed = await job_types.update_check(jt, point["id"], {**PRESSURE, "minimum": D("8.8")}, version=1)
    assert changed["minimum"] == D("8.8") and changed["version"] == 2
    with pytest.raises(StaleRecordError):
        await job_types.update_check(jt, point["id"], {**PRESSURE, "minimum": D("7")}, version=1)
    with pytest.raises(StaleRecordError):
        await job_types.remove_check(jt, point["id"], version=1)
    await job_types.remove_check(jt, point["id"], version=2)
    assert await job_types.checks(jt) == []
    from modules.field_service.services.checklist import lines

    kept = await lines(order["id"])  # the work order keeps the standard it was made with
    assert [(c["label"], c["minimum"]) for c in kept] == [("Brew pressure", D("8.5"))]


async def test_a_point_of_another_job_type_cannot_be_touched() -> None:
    mine = (await job_types.create(REPAIR))["id"]
    theirs = (await job_types.create({**REPAIR, "name": "Grinder service"}))["id"]
    point = await job_types.add_check(theirs, PRESSURE)
    with pytest.raises(job_types.UnknownCheck):
        await job_types.update_check(mine, point["id"], PRESSURE, version=1)
    with pytest.raises(job_types.UnknownCheck):
        await job_types.remove_check(mine, point["id"], version=1)
    assert await CheckTemplate.count().run() == 1


async def test_every_change_to_the_standard_shows_in_the_job_type_history() -> None:
    jt = (await job_types.create(REPAIR))["id"]
    point = await job_types.add_check(jt, PRESSURE)
    await job_types.update_check(jt, point["id"], {**PRESSURE, "maximum": D("10")}, version=1)
    await job_types.remove_check(jt, point["id"], version=2)
    notes = await AuditEntry.select(AuditEntry.old, AuditEntry.new).where(
        (AuditEntry.table_name == "field_service_job_type") & (AuditEntry.record_id == jt)
        & (AuditEntry.field == "checklist")).order_by(AuditEntry.id).run()
    assert [(n["old"], n["new"]) for n in notes] == [
        (None, "Brew pressure (measure, 8.5..9.5 bar)"),
        ("Brew pressure (measure, 8.5..9.5 bar)", "Brew pressure (measure, 8.5..10 bar)"),
        ("Brew pressure (measure, 8.5..10 bar)", None),
    ]
