"""Work orders: the state machine, the checklist and parts gates on done, consuming the used
parts exactly once (even when completed twice at the same time), recalls, crew and signature."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest

from core.db import records
from modules.field_service.models.request import Request
from modules.field_service.models.work_order import Assignment, CheckLine, PartLine, WorkOrder
from modules.field_service.services import work_order as work_orders
from modules.field_service.services.errors import (
    ChecklistIncomplete,
    InvalidTransition,
    InvalidValues,
    PartsShort,
    ReasonRequired,
    SignatureRefused,
)
from modules.field_service.services.lifecycle import TRANSITIONS, origin
from modules.field_service.tests.conftest import article, customer, job_type, machine, technician
from modules.warehouse.models.move import Move
from modules.warehouse.models.quant import Quant

pytestmark = pytest.mark.usefixtures("fs_db")

START = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)
END = START + dt.timedelta(hours=2)


async def stock_at(product: int, location: int) -> tuple[Decimal, Decimal]:
    row = await Quant.select(Quant.quantity, Quant.reserved).where(
        (Quant.product == product) & (Quant.location == location)).first().run()
    return (Decimal(row["quantity"]), Decimal(row["reserved"])) if row else (Decimal(0), Decimal(0))


async def order(**kw) -> dict:
    partner = await customer()
    return await work_orders.create_work_order(partner, equipment=await machine(partner), **kw)


async def force_state(wo: dict, state: str) -> dict:
    """Put an order in a state for the transition matrix (planned times where a state needs them)."""
    fresh = await work_orders.get(wo["id"])
    return await records.update(WorkOrder, wo["id"], {"state": state, "scheduled_start": START,
                                                      "scheduled_end": END}, version=fresh["version"])


def png(width: int = 20, height: int = 10) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


async def test_a_new_order_is_numbered_and_gets_its_job_types_checklist() -> None:
    wo = await order(job_type=await job_type())
    assert wo["number"].startswith("WO/") and wo["state"] == "new"
    points = await CheckLine.select(CheckLine.label, CheckLine.kind).where(CheckLine.work_order == wo["id"]).order_by(
        CheckLine.sequence).run()
    assert [(p["label"], p["kind"]) for p in points] == [("Brew pressure", "measure"), ("Leak test", "passfail")]


async def test_every_illegal_transition_is_refused_naming_both_states() -> None:
    wo = await order()
    states = list(TRANSITIONS)
    for state in states:
        for target in states:
            if target in TRANSITIONS[state] or target == state:
                continue
            row = await force_state(wo, state)
            with pytest.raises(InvalidTransition) as refused:
                await work_orders.transition(wo["id"], target, reason="because")
            message = str(refused.value)
            assert wo["number"] in message and state.replace("_", " ") in message, message
            assert target.replace("_", " ") in message, message
            assert (await work_orders.get(wo["id"]))["version"] == row["version"]  # nothing written


async def test_the_happy_path_and_reasons_for_hold_and_cancel(tmp_path: Path) -> None:
    user, _van = await technician()
    wo = await order()
    wo = await work_orders.schedule(wo["id"], user, START, END)
    assert wo["state"] == "scheduled" and wo["scheduled_start"] == START
    wo = await work_orders.check_in(wo["id"], user, at=START)
    assert wo["state"] == "in_progress" and wo["started_at"] == START
    with pytest.raises(ReasonRequired):
        await work_orders.transition(wo["id"], "on_hold")
    wo = await work_orders.transition(wo["id"], "on_hold", reason="Waiting for a pump")
    wo = await work_orders.transition(wo["id"], "in_progress")
    wo = await work_orders.complete(wo["id"], work_done="Pump replaced")
    assert wo["state"] == "done" and wo["work_done"] == "Pump replaced"
    wo = await work_orders.transition(wo["id"], "closed")
    assert wo["state"] == "closed" and wo["closed_at"] is not None
    other = await order()
    with pytest.raises(ReasonRequired):
        await work_orders.transition(other["id"], "cancelled")
    gone = await work_orders.transition(other["id"], "cancelled", reason="Customer solved it")
    assert gone["billing_state"] == "not_billable"


async def test_done_is_refused_while_a_required_checklist_point_is_open() -> None:
    user, _van = await technician()
    wo = await order(job_type=await job_type())
    await work_orders.schedule(wo["id"], user, START, END)
    await work_orders.check_in(wo["id"], user, at=START)
    with pytest.raises(ChecklistIncomplete, match="Brew pressure, Leak test"):
        await work_orders.complete(wo["id"])
    points = {p["label"]: p for p in await CheckLine.select().where(CheckLine.work_order == wo["id"]).run()}
    measured = await work_orders.record_check(points["Brew pressure"]["id"], value="10.2")
    assert measured["out_of_tolerance"] is True and measured["value"] == Decimal("10.2")
    with pytest.raises(ChecklistIncomplete, match="Leak test"):
        await work_orders.complete(wo["id"])
    await work_orders.record_check(points["Leak test"]["id"], passed=False)  # checked, even when failed
    assert (await work_orders.complete(wo["id"]))["state"] == "done"


async def test_done_is_refused_while_a_planned_part_is_short() -> None:
    gasket = await article()
    user, van = await technician(stock={gasket: 1})
    wo = await order()
    await work_orders.schedule(wo["id"], user, START, END)
    await work_orders.add_part(wo["id"], gasket, 2, reserve=False)  # planned, not in the van
    await work_orders.check_in(wo["id"], user, at=START)
    with pytest.raises(PartsShort, match="Part GSK-58"):
        await work_orders.complete(wo["id"])
    await work_orders.use_part(wo["id"], gasket, 2)  # used 2, but the van holds 1
    with pytest.raises(PartsShort):
        await work_orders.complete(wo["id"])
    await work_orders.use_part(wo["id"], gasket, 1)
    line = await PartLine.select().where(PartLine.work_order == wo["id"]).first().run()
    await records.update(PartLine, line["id"], {"planned": Decimal(1)}, version=line["version"])
    assert (await work_orders.complete(wo["id"]))["state"] == "done"
    assert await stock_at(gasket, van) == (Decimal(0), Decimal(0))


async def test_completing_twice_at_once_consumes_the_used_parts_from_the_right_van_once() -> None:
    gasket, pump = await article("GSK-58"), await article("PMP-01", "189.00")
    jan, jan_van = await technician("jan", stock={gasket: 5, pump: 1})
    _sem, sem_van = await technician("sem", stock={gasket: 5})
    wo = await order()
    await work_orders.schedule(wo["id"], jan, START, END)
    await work_orders.add_part(wo["id"], gasket, 3)  # reserved in jan's van
    await work_orders.add_part(wo["id"], pump, 1)
    assert await stock_at(gasket, jan_van) == (Decimal(5), Decimal(3))
    await work_orders.check_in(wo["id"], jan, at=START)
    await work_orders.use_part(wo["id"], gasket, 2)
    await work_orders.use_part(wo["id"], pump, 1)
    seen = (await work_orders.get(wo["id"]))["version"]
    first, second = await asyncio.gather(work_orders.complete(wo["id"], version=seen),
                                         work_orders.complete(wo["id"], version=seen), return_exceptions=True)
    assert not isinstance(first, BaseException) and not isinstance(second, BaseException), (first, second)
    assert await stock_at(gasket, jan_van) == (Decimal(3), Decimal(0))  # 2 used, the third given back
    assert await stock_at(pump, jan_van) == (Decimal(0), Decimal(0))
    assert await stock_at(gasket, sem_van) == (Decimal(5), Decimal(0))
    done = await Move.select(Move.product, Move.quantity).where(
        (Move.origin == origin(wo["id"])) & (Move.state == "done")).run()
    assert sorted((m["product"], Decimal(m["quantity"])) for m in done) == [(gasket, Decimal(2)), (pump, Decimal(1))]
    again = await work_orders.complete(wo["id"])  # a third, late submit: still the effect of one
    assert again["state"] == "done" and await stock_at(gasket, jan_van) == (Decimal(3), Decimal(0))


async def test_cancelling_gives_back_the_reserved_parts() -> None:
    gasket = await article()
    user, van = await technician(stock={gasket: 4})
    wo = await order()
    await work_orders.schedule(wo["id"], user, START, END)
    await work_orders.add_part(wo["id"], gasket, 2)
    assert await stock_at(gasket, van) == (Decimal(4), Decimal(2))
    await work_orders.transition(wo["id"], "cancelled", reason="Machine replaced by the customer")
    assert await stock_at(gasket, van) == (Decimal(4), Decimal(0))


async def test_a_recall_names_the_original_job_and_the_root_cause() -> None:
    first = await order()
    with pytest.raises(InvalidValues) as refused:
        await work_orders.create_work_order(first["partner"], kind="recall")
    assert set(refused.value.errors) == {"recall_of", "root_cause"}
    recall = await work_orders.create_work_order(first["partner"], kind="recall", recall_of=first["id"],
                                                 root_cause="Gasket seated wrongly")
    assert recall["recall_of"] == first["id"] and recall["root_cause"] == "Gasket seated wrongly"


async def test_a_request_becomes_a_work_order() -> None:
    partner = await customer()
    eq = await machine(partner)
    user, _van = await technician()
    req = await records.create(Request, {"number": "SR/2026/09999", "partner": partner, "equipment": eq,
                                         "kind": "maintenance", "priority": "high", "description": "Yearly service",
                                         "contact_name": "Anouk", "assignee": user, "state": "assigned"})
    wo = await work_orders.create_from_request(req["id"])
    assert (wo["kind"], wo["priority"], wo["partner"], wo["equipment"]) == ("preventive", "high", partner, eq)
    assert "Yearly service" in wo["description"]
    after = await Request.select().where(Request.id == req["id"]).first().run()
    assert after["state"] == "converted" and after["work_order"] == wo["id"]
    lead = await Assignment.select().where(Assignment.work_order == wo["id"]).first().run()
    assert lead["user"] == user and lead["lead"] is True


async def test_rescheduling_on_another_technician_moves_the_lead() -> None:
    jan, _ = await technician("jan")
    sem, _ = await technician("sem")
    wo = await order()
    await work_orders.schedule(wo["id"], jan, START, END)
    await work_orders.schedule(wo["id"], sem, START + dt.timedelta(days=1), END + dt.timedelta(days=1))
    crew = await Assignment.select().where(Assignment.work_order == wo["id"]).run()
    assert [(a["user"], a["lead"]) for a in crew] == [(sem, True)]
    with pytest.raises(InvalidValues):
        await work_orders.schedule(wo["id"], sem, END, START)


async def test_check_in_and_out_record_actual_times_and_may_log_the_time() -> None:
    user, _ = await technician()
    wo = await order(job_type=await job_type(checks=()))
    await work_orders.schedule(wo["id"], user, START, END)
    await work_orders.check_in(wo["id"], user, at=START)
    crew = await work_orders.check_out(wo["id"], user, at=START + dt.timedelta(minutes=95), log_time=True)
    assert crew["actual_start"] == START and crew["actual_end"] == START + dt.timedelta(minutes=95)
    from modules.field_service.models.work_order import TimeEntry

    entry = await TimeEntry.select().where(TimeEntry.work_order == wo["id"]).first().run()
    assert entry["minutes"] == 95 and entry["rate"] == Decimal("75.00")


async def test_a_signature_must_be_a_small_png_and_is_stored_as_an_attachment(tmp_path: Path) -> None:
    user, _ = await technician()
    wo = await order()
    await work_orders.schedule(wo["id"], user, START, END)
    url = "data:image/png;base64," + base64.b64encode(png()).decode()
    with pytest.raises(Exception, match="started"):
        await work_orders.sign(wo["id"], url, "Anouk de Wit", tmp_path)
    await work_orders.check_in(wo["id"], user, at=START)
    for bad in ("data:image/svg+xml;base64,PHN2Zz4=", "data:image/png;base64,@@@",
                "data:image/png;base64," + base64.b64encode(b"GIF89a" + b"0" * 40).decode(),
                "data:image/png;base64," + base64.b64encode(png(5000, 1)).decode(),
                "data:image/png;base64," + "A" * 800_000):
        with pytest.raises(SignatureRefused):
            await work_orders.sign(wo["id"], bad, "Anouk de Wit", tmp_path)
    with pytest.raises(InvalidValues):
        await work_orders.sign(wo["id"], url, " ", tmp_path)
    signed = await work_orders.sign(wo["id"], url, "Anouk de Wit", tmp_path)
    assert signed["signed_by"] == "Anouk de Wit" and signed["signature_attachment"] is not None
