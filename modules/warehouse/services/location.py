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


class InvalidLocation(NotAllowed):
    """A location's form was refused by a rule about one of its fields."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


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


async def update(location: int, values: dict[str, Any], version: int) -> dict[str, Any]:
    """Save a location's form; a new name or parent renames its whole subtree's `full_name`."""
    values = dict(values)
    async with transaction():
        current = await Location.select(Location.kind).where(Location.id == location).first().run()
        if current is None:
            raise NotAllowed(_("Location #{id} does not exist.").format(id=location))
        parent = values.get("parent")
        if parent is not None and (parent == location or parent in await descendants(location)):
            raise InvalidLocation("parent", _("A location cannot be placed inside itself."))
        if values.get("active") is False and await is_shared(location):
            raise _shared_stays()
        if values.get("kind", current["kind"]) != current["kind"] and await is_shared(location):
            raise InvalidLocation("kind", _("A shared virtual location keeps its kind."))
        if values.get("kind", current["kind"]) != current["kind"] and await has_history(location):
            raise InvalidLocation("kind", _("A location with stock history keeps its kind; archive it and "
                                            "create a new one."))
        values["full_name"] = await full_name(values["name"], parent, values.get("warehouse"))
        row = await records.update(Location, location, values, version=version)
        await _rename_children(location, values["full_name"])
        return row


async def descendants(location: int) -> set[int]:
    found: set[int] = set()
    level = [location]
    while level:
        rows = await Location.select(Location.id).where(Location.parent.is_in(level)).run()
        level = [r["id"] for r in rows if r["id"] not in found]
        found.update(level)
    return found


async def _rename_children(parent: int, parent_name: str) -> None:
    children = await Location.select(Location.id, Location.name, Location.full_name, Location.version).where(
        Location.parent == parent).run()
    for child in children:
        name = f"{parent_name}/{child['name']}"
        if name != child["full_name"]:
            await records.update(Location, child["id"], {"full_name": name}, version=child["version"])
            await _rename_children(child["id"], name)


async def restore(location: int, version: int) -> dict[str, Any]:
    """Bring an archived location back into use."""
    return await records.update(Location, location, {"active": True}, version=version)


async def has_history(location: int) -> bool:
    moved = await Move.exists().where((Move.source == location) | (Move.destination == location)).run()
    return moved or await Quant.exists().where(Quant.location == location).run()


SHARED_KINDS = ("customer", "supplier", "scrap", "inventory", "transit")


async def is_shared(location: int) -> bool:
    """Whether this is one of the shared virtual places (`virtual`): no partner, no warehouse."""
    return await Location.exists().where(
        (Location.id == location) & Location.kind.is_in(list(SHARED_KINDS)) & Location.partner.is_null()
        & Location.warehouse.is_null()).run()


def _shared_stays() -> NotAllowed:
    return InvalidLocation("active", _("This is a shared virtual location that every receipt, delivery or "
                                       "adjustment of its kind goes through: it cannot be archived or deleted."))


async def remove(location: int, version: int) -> str:
    """Delete a location nobody used; archive one with history. Returns "deleted" or "archived".
    The shared virtual places are refused (NotAllowed)."""
    if await is_shared(location):
        raise _shared_stays()
    async with transaction() as txn:
        if not await has_history(location):
            savepoint = await txn.savepoint()
            try:
                await records.delete(Location, location, version=version)
                return "deleted"
            except (records.StaleRecordError, records.RecordNotFound):
                raise
            except Exception:  # noqa: BLE001 - still referenced (a child, a rule, a count): archive it instead
                await savepoint.rollback_to()
        await records.update(Location, location, {"active": False}, version=version)
        return "archived"


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


async def rename_warehouse(warehouse: int) -> None:
    """A warehouse's code changed: the paths of its locations follow."""
    roots = await Location.select(Location.id, Location.name, Location.full_name, Location.version).where(
        (Location.warehouse == warehouse) & Location.parent.is_null()).run()
    for root in roots:
        name = await full_name(root["name"], None, warehouse)
        if name != root["full_name"]:
            await records.update(Location, root["id"], {"full_name": name}, version=root["version"])
            await _rename_children(root["id"], name)
