"""Builders for the request, SLA and routing tests (through services and core.db.records)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core.db import records
from core.partners.models import Partner, Territory
from core.products.models import Product, ProductCategory
from core.testing import make_user
from modules.field_service.models.calendar import Calendar, Holiday
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.sla import SlaPolicy
from modules.field_service.models.technician import Team, Technician

AMS = ZoneInfo("Europe/Amsterdam")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS)


async def territory(name: str = "Brabant") -> int:
    return int((await records.create(Territory, {"name": name, "code": name[:10].upper()}))["id"])


async def customer(name: str = "Café De Zwaan", **values: Any) -> int:
    row = await records.create(Partner, {"name": name, "is_customer": True, "city": "'s-Hertogenbosch", **values})
    return int(row["id"])


async def machine(partner: int, serial: str = "KP-2291", category: str = "Espresso machines",
                  **values: Any) -> int:
    cat = await ProductCategory.select(ProductCategory.id).where(ProductCategory.name == category).first().run()
    cat_id = cat["id"] if cat else (await records.create(ProductCategory, {"name": category}))["id"]
    prod = await Product.select(Product.id).where(Product.code == f"M-{category[:6]}").first().run()
    prod_id = prod["id"] if prod else (await records.create(Product, {
        "code": f"M-{category[:6]}", "name": f"{category} model", "kind": "stockable", "category": cat_id}))["id"]
    row = await records.create(Equipment, {"product": prod_id, "serial": serial, "partner": partner, **values})
    return int(row["id"])


async def office_calendar(holidays: tuple[dt.date, ...] = ()) -> int:
    row = await records.create(Calendar, {"name": "Office", "weekdays": "12345", "day_start": "08:00",
                                          "day_end": "17:00"})
    for day in holidays:
        await records.create(Holiday, {"calendar": row["id"], "day": day, "name": "Holiday"})
    return int(row["id"])


async def policy(name: str, priority: str = "normal", response: str = "4", resolution: str = "16",
                 **values: Any) -> int:
    row = await records.create(SlaPolicy, {"name": name, "priority": priority, "response_hours": Decimal(response),
                                           "resolution_hours": Decimal(resolution), **values})
    return int(row["id"])


async def team(name: str = "Noord", manager: int | None = None) -> int:
    return int((await records.create(Team, {"name": name, "manager": manager}))["id"])


async def technician(login: str, team_id: int | None = None, email: str = "") -> int:
    user = await make_user(login, roles=("technician",))
    if email:
        from core.auth.models import User

        await User.update({User.email: email}).where(User.id == user["id"]).run()
    await records.create(Technician, {"user": user["id"], "team": team_id})
    return int(user["id"])
