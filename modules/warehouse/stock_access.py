"""Who may do what in the stock area: its permission names and the technicians' record rules.

Technicians hold only `warehouse.van.use`: they see their own van (and no other) and the
transfers that fill or empty it. Roles the rules do not mention (manager, warehouse,
purchaser) see every row, so a technician who is also warehouse staff sees all vans.
"""

from __future__ import annotations

from typing import Any

from core.modules.manifest import RecordRule
from modules.warehouse.models.location import Location
from modules.warehouse.models.transfer import Transfer

READ, WRITE = "warehouse.stock.read", "warehouse.transfer.write"
LOCATIONS, VAN, VALUE = "warehouse.location.write", "warehouse.van.use", "warehouse.valuation.read"


def own_van_only(user: int) -> Any:
    """Every location but other technicians' vans."""
    return (Location.kind != "van") | (Location.user == user)


def own_van_transfers(user: int) -> Any:
    """Transfers into or out of the technician's own van."""
    return ((Transfer.destination.kind == "van") & (Transfer.destination.user == user)) | (
        (Transfer.source.kind == "van") & (Transfer.source.user == user))


RULES = (
    RecordRule("technicians see only their own van", Location, ("technician",), own_van_only),
    RecordRule("technicians see only their own van's transfers", Transfer, ("technician",), own_van_transfers),
)
