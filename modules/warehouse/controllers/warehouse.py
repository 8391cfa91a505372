"""Warehouses: the buildings, each with its location tree, declared with the UI kit."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.response import Redirect, Template

from core.auth.current import current_user
from core.web.kit import (
    Column,
    Field,
    Filter,
    Form,
    ListSpec,
    Resource,
    company_currency,
    controller,
)
from modules.warehouse.controllers.location import KIND_LABELS, record_of, submit
from modules.warehouse.models.location import Location
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import valuation
from modules.warehouse.services import warehouse as warehouses
from modules.warehouse.stock_access import LOCATIONS, READ, VALUE

PATH = "/warehouse/warehouses"


async def _extra(request: Request, record: dict[str, Any]) -> dict[str, Any]:
    user = current_user(request)
    locations = await Location.select(Location.id, Location.full_name, Location.kind, Location.active).where(
        Location.warehouse == record["id"]).order_by(Location.full_name).run()
    value = None
    if user is not None and user.can(VALUE):
        value = next((v.value for v in await valuation.by_warehouse() if v.warehouse == record["id"]), 0)
    return {"locations": locations, "value": value, "value_currency": await company_currency(),
            "kind_labels": KIND_LABELS, "can_manage": bool(user and user.can(LOCATIONS))}


WAREHOUSES = Resource(
    path=PATH, table=Warehouse, title="Warehouses", singular="Warehouse",
    list=ListSpec(
        table=Warehouse,
        columns=(Column("code", "Code", "link"), Column("name", "Name"), Column("city", "City"),
                 Column("active", "Active", "bool")),
        search=("code", "name", "city"),
        filters=(Filter("active", "Active", "bool", default="yes"),),
        sort="code",
    ),
    form=Form(
        table=Warehouse,
        fields=(
            Field("code", "Code", required=True, unique=True, max_length=10, pattern=r"[A-Za-z0-9_-]+",
                  pattern_message="Use letters, digits, - and _ only (no spaces).",
                  help="Short, it starts the path of every location: DB/Stock/Shelf A."),
            Field("name", "Name", required=True),
            Field("street", "Street"),
            Field("postcode", "Postcode"),
            Field("city", "City"),
            Field("active", "Active", "bool", default=True),
        ),
        sections=(("Warehouse", ("code", "name", "active")), ("Address", ("street", "postcode", "city"))),
    ),
    read=READ, write=LOCATIONS, detail_template="warehouse/warehouse/detail.html", detail_extra=_extra,
)


class WarehouseController(controller(WAREHOUSES)):  # type: ignore[misc]
    """The kit's routes; saving renames the location paths when the code changes."""

    @post("/{record_id:int}/edit", permission=LOCATIONS, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        record = await record_of(WAREHOUSES, request, record_id)
        return await submit(WAREHOUSES, request, record,
                            lambda values, version: warehouses.update(record_id, values, version))
