"""Service requests through the service: intake, assignment, waiting, and what they become."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.attachments import service as attachments
from modules.field_service.models.work_order import WorkOrder
from modules.field_service.services import request as requests
from modules.field_service.services.errors import FieldServiceError, InvalidValues, ReasonRequired
from modules.field_service.tests.request_setup import customer, machine, technician

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def ask(**values: object) -> dict[str, object]:
    return {"kind": "repair", "description": "The steam wand drips.", "contact_name": "Anouk Visser",
            "email": "anouk@dezwaan.nl", **values}


async def test_a_request_is_numbered_and_matched_to_known_equipment_by_serial(fs_db: str) -> None:
    zwaan = await customer(email="info@dezwaan.nl")
    eq = await machine(zwaan, "KP-2291")
    first = await requests.create(ask(serial=" KP-2291 ", channel="web"))
    assert first["number"].endswith("/00001") and first["equipment"] == eq and first["partner"] == zwaan
    assert first["serial"] == "KP-2291" and first["channel"] == "web"
    unknown = await requests.create(ask(serial="XX-1", email="INFO@dezwaan.nl"))
    assert unknown["number"].endswith("/00002") and unknown["equipment"] is None
    assert unknown["partner"] == zwaan  # known by e-mail address
    stranger = await requests.create(ask(email="someone@example.com"))
    assert stranger["partner"] is None and stranger["contact_name"] == "Anouk Visser"


async def test_bad_intake_is_refused_per_field_and_saves_nothing(fs_db: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidValues) as refused:
        await requests.create({"kind": "magic", "description": " ", "contact_name": "X"})
    assert set(refused.value.errors) == {"kind", "description", "email"}
    with pytest.raises(InvalidValues) as refused:
        await requests.create(ask(), files=[("virus.exe", b"MZ....")], attachments_root=tmp_path)
    assert "files" in refused.value.errors
    with pytest.raises(InvalidValues):
        await requests.create(ask(), files=[("photo.png", PNG)], attachments_root=tmp_path, max_bytes=10)
    assert await requests.Request.count().run() == 0


async def test_photos_are_attached_to_the_request(fs_db: str, tmp_path: Path) -> None:
    row = await requests.create(ask(), files=[("drip.png", PNG)], attachments_root=tmp_path)
    found = await attachments.for_record("field_service_request", row["id"])
    assert [a["filename"] for a in found] == ["drip.png"] and found[0]["content_type"] == "image/png"


async def test_assign_wait_resume_and_close(fs_db: str) -> None:
    jan = await technician("jan")
    row = await requests.create(ask(partner=await customer()))
    assigned = await requests.assign(row["id"], user=jan, version=row["version"])
    assert assigned["state"] == "assigned" and assigned["responded_at"] is not None
    waiting = await requests.wait(row["id"], "waiting_parts")
    assert waiting["state"] == "waiting_parts" and waiting["paused_since"] is not None
    assert requests.actions(waiting) == ("assign", "resume", "waiting_customer", "work_order", "return", "close")
    back = await requests.resume(row["id"])
    assert back["state"] == "assigned" and back["paused_since"] is None
    with pytest.raises(FieldServiceError):
        await requests.resume(row["id"])
    with pytest.raises(ReasonRequired):
        await requests.close(row["id"], "  ")
    closed = await requests.close(row["id"], "Fixed by phone: descaling program")
    assert closed["state"] == "closed" and closed["resolved_at"] is not None
    assert requests.actions(closed) == ()
    with pytest.raises(FieldServiceError, match="closed and can no longer change"):
        await requests.assign(row["id"], user=jan)


async def test_a_stale_action_is_refused(fs_db: str) -> None:
    from core.db.records import StaleRecordError

    row = await requests.create(ask(partner=await customer()))
    await requests.wait(row["id"], "waiting_customer", version=row["version"])
    with pytest.raises(StaleRecordError):
        await requests.close(row["id"], "Duplicate", version=row["version"])


async def test_a_request_becomes_a_work_order(fs_db: str) -> None:
    zwaan = await customer()
    eq = await machine(zwaan)
    jan = await technician("jan")
    row = await requests.create(ask(partner=zwaan, equipment=eq, priority="high", assignee=jan))
    order = await requests.to_work_order(row["id"], version=row["version"])
    stored = await requests.get(row["id"])
    assert stored["state"] == "converted" and stored["work_order"] == order["id"] and stored["resolved_at"]
    wo = await WorkOrder.select().where(WorkOrder.id == order["id"]).first().run()
    assert (wo["partner"], wo["equipment"], wo["priority"], wo["request"]) == (zwaan, eq, "high", row["id"])
    with pytest.raises(FieldServiceError):
        await requests.to_work_order(row["id"])


async def test_a_request_becomes_a_warehouse_return(fs_db: str) -> None:
    from modules.warehouse.services import rma

    zwaan = await customer()
    eq = await machine(zwaan, "KP-7781")
    row = await requests.create(ask(partner=zwaan, equipment=eq, kind="warranty"))
    ret = await requests.to_return(row["id"])
    stored = await requests.get(row["id"])
    assert stored["state"] == "converted" and stored["rma"] == ret["id"]
    lines = await rma.lines(ret["id"])
    assert ret["origin"] == f"field_service.request:{row['id']}" and len(lines) == 1
    assert lines[0]["reason"].startswith(row["number"]) and lines[0]["product_name"] == "Espresso machines model"
    nobody = await requests.create(ask())
    with pytest.raises(InvalidValues):
        await requests.to_return(nobody["id"])
