"""Inventory counts: Sem's van counted yesterday (one gasket short, adjusted), and the
cycle count of Shelf B opened this morning.

Refs: `count.van_tech_sem`, `count.db_shelf_b`.
"""

from __future__ import annotations

from decimal import Decimal as D
from functools import partial

from core.db.context import acting_as
from modules.warehouse.demo.refs import World, world
from modules.warehouse.demo.timeline import at, backdated, once, working_day
from modules.warehouse.models.count import Count, CountLine
from modules.warehouse.models.location import Location
from modules.warehouse.services import count as counts

COUNT_TABLES = ((Count, ("created_at", "updated_at", "done_at")), (CountLine, ("created_at", "updated_at")),
                (Location, ("updated_at",)))
SHORT = {"SP-GHG-85": 1}  # what the van count did not find


async def load_counts() -> None:
    w = await world()
    await once("count.van_tech_sem", Count, partial(_van_count, w))
    with acting_as(w.user["warehouse_pieter"]):
        await once("count.db_shelf_b", Count, partial(_open_cycle_count, w))


async def _van_count(w: World) -> int:
    day, van = working_day(1), w.van("tech_sem")
    with acting_as(w.user["tech_sem"]):
        async with backdated(at(day, 16, 30), *COUNT_TABLES):
            row = await counts.open(van, planned_on=day)
            codes = {pid: code for code, pid in w.product.items()}
            for line in await counts.lines(row["id"]):
                short = SHORT.get(codes[line["product"]], 0)
                await counts.record(line["id"], max(D(0), D(line["expected"]) - short))
            await counts.apply(row["id"])
    await Location.update({Location.last_counted: day}).where(Location.id == van).run()
    return int(row["id"])


async def _open_cycle_count(w: World) -> int:
    return int((await counts.open(w.location["db_shelf_b"], origin="cycle"))["id"])
