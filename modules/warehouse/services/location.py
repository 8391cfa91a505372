"""Locations: the tree, the virtual places, vans, and archiving instead of deleting."""

from __future__ import annotations

from typing import Any

from core.db import records
from core.db.engine import transaction
from core.i18n import _
from modules.warehouse.models.location import STOCKED_KINDS, Location
from modules.warehouse.models.move import Move
from modules.warehouse.models.quant import Quant
from modules.warehouse.services.errors import NotAllowed


async def kind_of(location: int) -> str:
    row = await Location.select(Location.kind).where(Location.id == location).first().run()
    if row is None:
        raise NotAllowed(_("Location #{id} does not exist.").format(id=location))
    return str(row["kind"])


async def is_stocked(location: int) -> bool:
    return await kind_of(location) in STOCKED_KINDS


async def full_name(name: str, parent: int | None, warehouse: int | None) -> str:
    if parent:
        row = await Location.select(Location.full_name).where(Location.id == parent).first().run()
        return f"{row['full_name']}/{name}" if row else name
    if warehouse:
        from modules.warehouse.models.warehouse import Warehouse

        row = await Warehouse.select(Warehouse.code).where(Warehouse.id == warehouse).first().run()
        return f"{row['code']}/{name}" if row else name
    return name


async def create(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    values["full_name"] = await full_name(values["name"], values.get("parent"), values.get("warehouse"))
    return await records.create(Location, values)


async def has_history(location: int) -> bool:
    moved = await Move.exists().where((Move.source == location) | (Move.destination == location)).run()
    return moved or await Quant.exists().where(Quant.location == location).run()


async def remove(location: int, version: int) -> str:
    """Delete a location nobody used; archive one with history. Returns "deleted" or "archived"."""
    async with transaction():
        if await has_history(location):
            await records.update(Location, location, {"active": False}, version=version)
            return "archived"
        await records.delete(Location, location, version=version)
        return "deleted"


async def van_of(user: int) -> int | None:
    row = await Location.select(Location.id).where(
        (Location.kind == "van") & (Location.user == user) & (Location.active == True)  # noqa: E712
    ).first().run()
    return row["id"] if row else None


async def virtual(kind: str) -> int:
    """The shared virtual location of `kind` (customer, supplier, scrap, inventory, transit)."""
    row = await Location.select(Location.id).where(
        (Location.kind == kind) & (Location.partner.is_null()) & (Location.warehouse.is_null())
    ).order_by(Location.id).first().run()
    if row is None:
        raise NotAllowed(_("The warehouse module's {kind} location is missing; upgrade the module.").format(kind=kind))
    return row["id"]
