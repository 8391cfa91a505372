"""A finished job to print and mail (shared by the report and mail tests): a repair on a
La Marzocco with a measurement out of tolerance, a failed leak test, a part, time and the
customer's signature."""

from __future__ import annotations

import base64
import datetime as dt
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.attachments import service as attachments
from core.db import records
from core.jobs import broker
from core.modules.discovery import Catalog
from core.partners.models import Partner
from core.settings import Settings
from modules.field_service.models.work_order import CheckLine
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.conftest import article, customer, job_type, machine, technician

JOB = dt.datetime(2026, 6, 10, 8, 0, tzinfo=dt.UTC)  # 10:00 in Amsterdam


def png(width: int = 120, height: int = 40) -> bytes:
    """A small black-on-white PNG, like a signature drawn on the screen."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(255 if (x + y) % 7 else 0 for x in range(width)) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def settings(fs_db: str, settings_for: Any, catalog: Catalog) -> Iterator[Settings]:
    """Jobs, attachments and mail use this test's database and var/ (the outbox)."""
    made = settings_for(fs_db)
    broker.configure(made, catalog)
    yield made
    broker.reset()


async def finished_job(var_dir: Path, *, email: str = "inkoop@dezwaan.example", language: str = "nl",
                       complete: bool = True) -> dict[str, Any]:
    partner = await customer()
    row = await Partner.select().where(Partner.id == partner).first().run()
    await records.update(Partner, partner, {"email": email, "language": language}, version=row["version"])
    part = await article("GSK-58", "12.50")
    tech, _van = await technician(stock={part: 5})
    jt = await job_type()
    eq = await machine(partner, serial="LM-1001")
    wo = await work_orders.create_work_order(equipment=eq, job_type=jt, description="Pump noisy, low pressure")
    await work_orders.schedule(wo["id"], tech, JOB, JOB + dt.timedelta(hours=2))
    await work_orders.check_in(wo["id"], tech, at=JOB)
    pressure, leak_test = [r["id"] for r in await CheckLine.select(CheckLine.id).where(
        CheckLine.work_order == wo["id"]).order_by(CheckLine.sequence).run()]
    await work_orders.record_check(pressure, value="10.2")  # tolerance 8.5 - 9.5 bar
    await work_orders.record_check(leak_test, passed=False, text="Drips at the group head")
    await work_orders.use_part(wo["id"], part, 2)
    await work_orders.add_time(wo["id"], tech, 90, started_at=JOB)
    await work_orders.add_time(wo["id"], tech, 30, kind="travel", started_at=JOB - dt.timedelta(minutes=30))
    signature = "data:image/png;base64," + base64.b64encode(png()).decode()
    await work_orders.sign(wo["id"], signature, "M. de Zwaan", attachments.storage_root(var_dir))
    if complete:
        await work_orders.complete(wo["id"], work_done="Replaced the group gasket, descaled the boiler.",
                                   at=JOB + dt.timedelta(hours=2))
    return await work_orders.get(wo["id"])
