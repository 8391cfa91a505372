"""Records every install needs: document sequences and the shared virtual locations."""

from __future__ import annotations

from core.db import sequence
from core.db.data import ensure
from modules.warehouse.models.location import Location

SEQUENCES = (
    ("warehouse.receipt", "Receipts", "IN/{year}/{number:05d}"),
    ("warehouse.delivery", "Deliveries", "OUT/{year}/{number:05d}"),
    ("warehouse.internal", "Internal transfers", "INT/{year}/{number:05d}"),
    ("warehouse.customer_return", "Customer returns (stock)", "RET/{year}/{number:05d}"),
    ("warehouse.repair_out", "Sent out for repair", "RPO/{year}/{number:05d}"),
    ("warehouse.repair_in", "Back from repair", "RPI/{year}/{number:05d}"),
    ("warehouse.scrap", "Scrap", "SCR/{year}/{number:05d}"),
    ("warehouse.adjustment", "Inventory adjustments", "ADJ/{year}/{number:05d}"),
    ("warehouse.purchase", "Purchase orders", "PO/{year}/{number:05d}"),
    ("warehouse.return", "Returns (RMA)", "RMA/{year}/{number:05d}"),
    ("warehouse.vendor_claim", "Vendor claims", "VC/{year}/{number:05d}"),
    ("warehouse.count", "Inventory counts", "CNT/{year}/{number:05d}"),
)

# (key, name, kind): where goods come from and go to outside our shelves.
VIRTUAL = (
    ("location.customers", "Customers", "customer"),
    ("location.suppliers", "Suppliers", "supplier"),
    ("location.scrap", "Scrap", "scrap"),
    ("location.inventory", "Inventory adjustment", "inventory"),
    ("location.transit", "In transit", "transit"),
)


async def load_data() -> None:
    for code, name, pattern in SEQUENCES:
        await sequence.define(code, pattern, name=name)
    for key, name, kind in VIRTUAL:
        await ensure("warehouse", key, Location, {"name": name, "full_name": f"Virtual/{name}", "kind": kind})
