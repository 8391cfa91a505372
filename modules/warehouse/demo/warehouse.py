"""Koffiepunt's two warehouses, their location trees, and three technicians' vans.

Refs (module "warehouse"): `warehouse.db`, `warehouse.utr`, `location.<key>` for
each key below (e.g. `location.db_shelf_a`), `location.van_<user key>` (e.g.
`location.van_tech_jan`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from core.db.data import ensure, ref
from modules.warehouse.demo.timeline import once
from modules.warehouse.models.location import Location
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import location as locations

# (key, code, name, street, postcode, city); ref `warehouse.<key>`.
WAREHOUSES = (
    ("db", "DB", "Main warehouse 's-Hertogenbosch", "Rietveldenweg 42", "5222 AP", "'s-Hertogenbosch"),
    ("utr", "UTR", "Utrecht branch store", "Kanaalweg 14", "3526 KL", "Utrecht"),
)

# (key, name, warehouse key, parent key, cycle-count interval in days); parents first.
# Where things are kept: Shelf A spare parts, Shelf B water treatment and cleaning
# products, Shelf C machines on pallets; the workshop repairs machines brought in.
LOCATIONS = (
    ("db_stock", "Stock", "db", "", 0),
    ("db_shelf_a", "Shelf A", "db", "db_stock", 30),
    ("db_shelf_b", "Shelf B", "db", "db_stock", 60),
    ("db_shelf_c", "Shelf C", "db", "db_stock", 90),
    ("db_workshop", "Workshop", "db", "", 0),
    ("db_returns", "Returns area", "db", "", 0),
    ("utr_stock", "Stock", "utr", "", 60),
)

# The technicians who drive a van (ref `user.<key>` in core's demo); Tomasz works
# from the Randstad with parts sent on demand.
VANS = (("tech_jan", "Van Jan de Bruijn"), ("tech_sem", "Van Sem Willems"), ("tech_noor", "Van Noor Visser"))


async def load_warehouses() -> None:
    for key, code, name, street, postcode, city in WAREHOUSES:
        await ensure("warehouse", f"warehouse.{key}", Warehouse,
                     {"code": code, "name": name, "street": street, "postcode": postcode, "city": city})
    for key, name, wh, parent, interval in LOCATIONS:
        values = {"name": name, "kind": "internal", "warehouse": await ref("warehouse", f"warehouse.{wh}"),
                  "parent": await ref("warehouse", f"location.{parent}") if parent else None,
                  "count_interval_days": interval}
        await once(f"location.{key}", Location, _creator(values))
    main = await ref("warehouse", "warehouse.db")
    for user_key, name in VANS:
        values = {"name": name, "kind": "van", "warehouse": main, "user": await ref("core", f"user.{user_key}"),
                  "count_interval_days": 90}
        await once(f"location.van_{user_key}", Location, _creator(values))


def _creator(values: dict[str, Any]) -> Callable[[], Awaitable[int]]:
    async def make() -> int:
        return int((await locations.create(values))["id"])

    return make
