"""Fixtures for field service tests: a database with the module (and warehouse, billing) installed.

Records are built through services, never raw SQL; each area keeps its own builders in
its tests (or adds small ones here)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest


@pytest.fixture
async def fs_db(installed: Any) -> str:
    return str(await installed("field_service"))


@pytest.fixture
async def client_as(fs_db: str, catalog: Any, settings_for: Any) -> Any:
    """`client = await client_as("jan")`: an HTTP client signed in as that user."""
    from core.app import create_app
    from core.testing import app_client, sign_in

    app = create_app(settings_for(fs_db, registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:

        async def login(name: str) -> Any:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield login


# Builders: the records a work order needs, made through the services.

_SERIALS = itertools.count(1001)


async def customer(name: str = "Café De Zwaan") -> int:
    from core.db import records
    from core.partners.models import Partner

    row = await records.create(Partner, {"name": name, "is_customer": True, "street": "Markt 21",
                                         "postcode": "5211 JV", "city": "'s-Hertogenbosch"})
    return int(row["id"])


async def article(code: str = "GSK-58", price: str = "12.50", kind: str = "stockable") -> int:
    from decimal import Decimal

    from core.db import records
    from core.products.models import Product

    row = await records.create(Product, {"code": code, "name": f"Part {code}", "kind": kind,
                                         "sale_price": Decimal(price), "cost": Decimal("4.20")})
    return int(row["id"])


async def technician(login: str = "jan", *, stock: dict[int, int] | None = None) -> tuple[int, int]:
    """A technician user with a van (and `stock`: product -> quantity in it); (user, van)."""
    from decimal import Decimal

    from core.db import records
    from core.testing import make_user
    from modules.field_service.models.technician import Technician
    from modules.warehouse.models.warehouse import Warehouse
    from modules.warehouse.services import location as locations
    from modules.warehouse.services import transfer as transfers
    from modules.warehouse.services.transfer import Line

    user = await make_user(login, roles=("technician",))
    wh = await Warehouse.select(Warehouse.id).where(Warehouse.code == "DB").first().run()
    wh_id = wh["id"] if wh else (await records.create(Warehouse, {"code": "DB", "name": "Den Bosch"}))["id"]
    van = int((await locations.create({"name": f"Van {login}", "kind": "van", "user": user["id"],
                                       "warehouse": wh_id}))["id"])
    await records.create(Technician, {"user": user["id"], "van": van, "skills": "espresso"})
    for product, qty in (stock or {}).items():
        t = await transfers.create("receipt", await locations.virtual("supplier"), van,
                                   [Line(product, Decimal(qty), unit_cost=Decimal("4.20"))])
        await transfers.validate(t["id"])
    return int(user["id"]), van


async def job_type(name: str = "Espresso repair", *, rate: str = "75.00",
                   checks: tuple[tuple[str, str, str | None, str | None], ...] = (
                       ("Brew pressure", "measure", "8.5", "9.5"), ("Leak test", "passfail", None, None))) -> int:
    """A job type with a checklist template: (label, kind, minimum, maximum) per point."""
    from decimal import Decimal

    from core.db import records
    from modules.field_service.models.job_type import CheckTemplate, JobType

    jt = await records.create(JobType, {"name": name, "kind": "repair", "hourly_rate": Decimal(rate),
                                        "duration_minutes": 90})
    for n, (label, kind, low, high) in enumerate(checks, 1):
        await records.create(CheckTemplate, {"job_type": jt["id"], "sequence": n * 10, "label": label, "kind": kind,
                                             "unit": "bar" if kind == "measure" else "",
                                             "minimum": Decimal(low) if low else None,
                                             "maximum": Decimal(high) if high else None})
    return int(jt["id"])


async def machine(partner: int, *, serial: str = "", parts_end: str | None = None,
                  labour_end: str | None = None, contract: int | None = None) -> int:
    import datetime as dt

    from core.db import records
    from core.products.models import Product
    from modules.field_service.models.equipment import Equipment

    found = await Product.select(Product.id).where(Product.code == "LM-LINEA").first().run()
    product = found["id"] if found else (await records.create(Product, {
        "code": "LM-LINEA", "name": "La Marzocco Linea PB, 2 groups", "kind": "stockable", "tracking": "serial"}))["id"]
    row = await records.create(Equipment, {
        "product": product, "serial": serial or f"LM-{next(_SERIALS)}", "partner": partner, "site_name": "Bar", "contract": contract,
        "parts_warranty_end": dt.date.fromisoformat(parts_end) if parts_end else None,
        "labour_warranty_end": dt.date.fromisoformat(labour_end) if labour_end else None})
    return int(row["id"])


async def contract(partner: int, *, parts: str = "100", labour: str = "50", start: str = "2026-01-01",
                   end: str = "2026-12-31", state: str = "active", travel: bool = False) -> int:
    import datetime as dt
    from decimal import Decimal

    from core.db import records
    from modules.field_service.models.contract import Contract

    row = await records.create(Contract, {
        "number": f"SC/TEST/{partner}-{parts}-{labour}", "partner": partner, "name": "Service contract",
        "start_date": dt.date.fromisoformat(start), "end_date": dt.date.fromisoformat(end), "state": state,
        "parts_coverage": Decimal(parts), "labour_coverage": Decimal(labour), "travel_covered": travel})
    return int(row["id"])
