"""The lost-revenue detector finds each seeded leak (and its value) and nothing else, a
rerun changes nothing, fixing a leak resolves its finding, and the leaks page lists them
with totals and runs the detector on demand."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import AsyncIterator
from decimal import Decimal as D
from typing import Any

import httpx
import pytest

from core.admin.settings_store import set_setting
from core.app import create_app
from core.db import records
from core.modules.discovery import Catalog
from core.testing import app_client, make_user, post_form, sign_in
from modules.billing.models.invoice import InvoiceLine
from modules.billing.services import invoice as invoices
from modules.field_service.manifest import MANIFEST
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.leak import Leak
from modules.field_service.models.work_order import PartLine
from modules.field_service.services import billing, leak
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.conftest import (
    article,
    contract,
    customer,
    job_type,
    machine,
    technician,
)

pytestmark = pytest.mark.usefixtures("fs_db")
JOB = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)


async def done_order(tech: int, part: int, *, equipment: int | None = None, partner: int | None = None,
                     used: int = 1, minutes: int = 60, jt: int | None = None) -> dict[str, Any]:
    """A work order done on JOB with `used` parts and `minutes` of work (60 min at 75.00)."""
    wo = await work_orders.create_work_order(partner, equipment=equipment, job_type=jt)
    await work_orders.schedule(wo["id"], tech, JOB, JOB + dt.timedelta(hours=1))
    await work_orders.check_in(wo["id"], tech, at=JOB)
    if used:
        await work_orders.use_part(wo["id"], part, used)
    await work_orders.add_time(wo["id"], tech, minutes)
    return await work_orders.complete(wo["id"], at=JOB + dt.timedelta(hours=1))


async def draft_line(work_order: int, *, unit: str | None = None, product: int | None = None) -> dict[str, Any]:
    order = await work_orders.get(work_order)
    where = InvoiceLine.invoice == order["invoice"]
    if unit:
        where &= InvoiceLine.unit == unit
    if product:
        where &= InvoiceLine.product == product
    row = await InvoiceLine.select().where(where).first().run()
    assert row is not None
    return row


@pytest.fixture
async def client_as(fs_db: str, catalog: Catalog, settings_for: Any) -> AsyncIterator[Any]:
    app = create_app(settings_for(fs_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:

        async def login(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield login


async def findings() -> set[tuple[str, str, D]]:
    return {(r["kind"], r["ref"], D(r["value"])) for r in
            await Leak.select().where(Leak.resolved_on.is_null()).run()}


@pytest.fixture
async def seeded() -> dict[str, int]:
    """One leak of each kind beside clean look-alikes. Part: 12.50, labour: 75.00 an hour."""
    zwaan, kade = await customer(), await customer("Koffiebar De Kade")
    part = await article()
    tech, _van = await technician(stock={part: 20})
    jt = await job_type(checks=())
    ids: dict[str, int] = {}
    # unbilled_work: done and chargeable, never billed.
    ids["unbilled"] = (await done_order(tech, part, partner=zwaan, jt=jt))["id"]
    # Look-alike: done and billed in full.
    billed = await done_order(tech, part, partner=zwaan, jt=jt)
    await billing.bill(billed["id"])
    # Look-alike: fully covered by a running warranty (not billable by itself).
    covered = await machine(kade, serial="LM-2", parts_end="2027-12-31", labour_end="2027-12-31")
    ids["covered"] = (await done_order(tech, part, equipment=covered, jt=jt))["id"]
    # Look-alike: a manager decided not to bill.
    waived = await done_order(tech, part, partner=zwaan, jt=jt)
    await billing.mark_not_billable(waived["id"], "Goodwill after the late delivery")
    # unbilled_parts: billed, but the part's line was taken off the draft invoice.
    parts_gone = await done_order(tech, part, partner=zwaan, used=2, jt=jt)
    await billing.bill(parts_gone["id"])
    line = await draft_line(parts_gone["id"], product=part)
    await invoices.remove_line(line["id"], version=line["version"])
    ids["parts_gone"] = parts_gone["id"]
    # labour_gap: billed, but the labour line was taken off the draft invoice.
    labour_gone = await done_order(tech, part, partner=zwaan, minutes=90, jt=jt)
    await billing.bill(labour_gone["id"])
    line = await draft_line(labour_gone["id"], unit="hour")
    await invoices.remove_line(line["id"], version=line["version"])
    ids["labour_gone"] = labour_gone["id"]
    # expired_cover: priced under a parts warranty that (corrected later) had ended before the job.
    wrong = await machine(kade, serial="LM-3", parts_end="2027-12-31")
    expired = await done_order(tech, part, equipment=wrong, jt=jt)
    eq = await Equipment.select().where(Equipment.id == wrong).first().run()
    await records.update(Equipment, wrong, {"parts_warranty_end": dt.date(2026, 1, 31)}, version=eq["version"])
    await billing.bill(expired["id"])  # the labour was chargeable and is billed
    ids["expired"] = expired["id"]
    # Look-alike: the parts warranty ended, but the contract covers parts (and half the labour).
    agreement = await contract(kade, parts="100", labour="50")
    contracted = await machine(kade, serial="LM-4", parts_end="2026-01-31", contract=agreement)
    on_contract = await done_order(tech, part, equipment=contracted, jt=jt)
    await billing.bill(on_contract["id"])
    # Look-alike: an open work order (not done) is no leak yet.
    await work_orders.create_work_order(zwaan, job_type=jt)
    return ids


async def part_line(work_order: int) -> int:
    row = await PartLine.select(PartLine.id).where(PartLine.work_order == work_order).first().run()
    assert row is not None
    return int(row["id"])


async def test_the_detector_finds_each_seeded_leak_and_nothing_else(seeded: dict[str, int]) -> None:
    summary = await leak.run()
    expected = {
        ("unbilled_work", f"work_order:{seeded['unbilled']}", D("87.50")),  # 1 part + 1 h
        ("unbilled_parts", f"part_line:{await part_line(seeded['parts_gone'])}", D("25.00")),  # 2 parts
        ("labour_gap", f"work_order:{seeded['labour_gone']}", D("112.50")),  # 1.5 h
        ("expired_cover", f"part_line:{await part_line(seeded['expired'])}", D("12.50")),
    }
    assert await findings() == expected
    assert (summary.found, summary.new, summary.resolved) == (4, 4, 0)
    assert summary.totals["unbilled_work"] == D("87.50")
    [row] = await Leak.select().where(Leak.kind == "expired_cover").run()
    assert "warranty ended on" in row["detail"] and row["work_order"] == seeded["expired"]


async def test_work_done_within_the_grace_period_is_waiting_not_lost() -> None:
    part = await article()
    tech, _van = await technician(stock={part: 5})
    wo = await work_orders.create_work_order(await customer(), job_type=await job_type(checks=()))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    await work_orders.schedule(wo["id"], tech, now - dt.timedelta(hours=2), now - dt.timedelta(hours=1))
    await work_orders.check_in(wo["id"], tech, at=now - dt.timedelta(hours=2))
    await work_orders.use_part(wo["id"], part, 1)
    await work_orders.complete(wo["id"], at=now - dt.timedelta(hours=1))
    assert await leak.grace_days() == 7  # the default: a week for billing to catch up
    assert await leak.unbilled_work() == []
    assert [f.work_order for f in await leak.unbilled_work(now + dt.timedelta(days=8))] == [wo["id"]]
    await set_setting(MANIFEST, "leak_grace_days", 0)
    assert [f.work_order for f in await leak.unbilled_work()] == [wo["id"]]
    assert (await leak.run()).found == 1


async def test_running_twice_gives_the_same_findings(seeded: dict[str, int]) -> None:
    await leak.run()
    first = await Leak.select(Leak.id, Leak.kind, Leak.ref, Leak.value, Leak.version).order_by(Leak.id).run()
    again = await leak.run()
    assert (again.found, again.new, again.resolved) == (4, 0, 0)
    assert await Leak.select(Leak.id, Leak.kind, Leak.ref, Leak.value, Leak.version).order_by(Leak.id).run() == first


async def test_fixing_a_leak_resolves_its_finding(seeded: dict[str, int]) -> None:
    await leak.run(dt.date(2026, 6, 11))
    await billing.bill(seeded["unbilled"])
    summary = await leak.run(dt.date(2026, 6, 12))
    assert (summary.found, summary.resolved) == (3, 1)
    row = await Leak.select().where(Leak.ref == f"work_order:{seeded['unbilled']}").first().run()
    assert row["resolved_on"] == dt.date(2026, 6, 12) and row["found_on"] == dt.date(2026, 6, 11)
    assert ("unbilled_work", f"work_order:{seeded['unbilled']}", D("87.50")) not in await findings()


async def test_the_leaks_page_lists_findings_with_totals_and_runs_on_demand(seeded: dict[str, int],
                                                                          client_as: Any) -> None:
    await make_user("eva", roles=("manager",))
    await make_user("jan2", roles=("technician",))
    client = await client_as("eva")
    empty = await client.get("/field-service/leaks")
    assert empty.status_code == 200 and "No lost revenue found" in empty.text
    ran = await post_form(client, "/field-service/leaks/run", {})
    assert ran.status_code == 303
    page = (await client.get("/field-service/leaks")).text
    number = (await work_orders.get(seeded["unbilled"]))["number"]
    assert number in page and f'href="/field-service/work-orders/{seeded["unbilled"]}"' in page
    assert "Completed work not billed" in page and ("237,50" in page or "237.50" in page)  # the open total
    bill = re.search(rf'action="(/field-service/work-orders/{seeded["unbilled"]}/bill\?version=\d+)"', page)
    assert bill, "the unbilled work order has its Create invoice button"
    assert (await post_form(client, html.unescape(bill.group(1)), {})).status_code == 303
    assert (await work_orders.get(seeded["unbilled"]))["billing_state"] == "billed"
    await post_form(client, "/field-service/leaks/run", {})
    assert number not in (await client.get("/field-service/leaks")).text  # fixed, so resolved
    assert number in (await client.get("/field-service/leaks?view=resolved")).text
    refused = await (await client_as("jan2")).get("/field-service/leaks")
    assert refused.status_code == 403
