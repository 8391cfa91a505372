"""Returns: customer returns (RMA), vendor claims, repairs sent out, inventory counts."""

from core.modules.manifest import Job, Menu, Part, Permission, Schedule, Widget
from modules.warehouse import jobs_returns
from modules.warehouse.controllers.count import CountController
from modules.warehouse.controllers.repair import RepairController, overdue_tile
from modules.warehouse.controllers.rma import ReturnController
from modules.warehouse.controllers.vendor_claim import VendorClaimController
from modules.warehouse.reports_returns import COUNT_SHEET, RMA_FORM

RETURN_READ, RETURN_WRITE = "warehouse.return.read", "warehouse.return.write"
CLAIM_READ, CLAIM_WRITE = "warehouse.vendor_claim.read", "warehouse.vendor_claim.write"
COUNT_READ, COUNT_WRITE = "warehouse.count.read", "warehouse.count.write"
ALL = (RETURN_READ, RETURN_WRITE, CLAIM_READ, CLAIM_WRITE, COUNT_READ, COUNT_WRITE)

PART = Part(
    controllers=(ReturnController, VendorClaimController, RepairController, CountController),
    menus=(
        Menu("Returns", "/warehouse/returns", RETURN_READ, order=60, parent="Warehouse"),
        Menu("Vendor claims", "/warehouse/vendor-claims", CLAIM_READ, order=61, parent="Warehouse"),
        Menu("Repairs", "/warehouse/repairs", RETURN_READ, order=62, parent="Warehouse"),
        Menu("Inventory counts", "/warehouse/counts", COUNT_READ, order=63, parent="Warehouse"),
    ),
    permissions=(
        Permission(RETURN_READ, "See customer returns and repairs sent out"),
        Permission(RETURN_WRITE, "Receive returns, decide their outcome, send units for repair"),
        Permission(CLAIM_READ, "See warranty claims on vendors"),
        Permission(CLAIM_WRITE, "Make and follow up warranty claims on vendors"),
        Permission(COUNT_READ, "See inventory counts"),
        Permission(COUNT_WRITE, "Count stock and apply counts"),
    ),
    grants={
        "manager": ALL,
        "warehouse": ALL,
        "purchaser": (CLAIM_READ, CLAIM_WRITE),
    },
    jobs=(Job(jobs_returns.flag_overdue), Job(jobs_returns.open_due_counts)),
    # Every morning at 06:00 in the firm's time zone, before the warehouse opens.
    schedules=(Schedule("flag_overdue", "0 6 * * *", name="daily_overdue_check"),
               Schedule("open_due_counts", "0 6 * * *", name="daily_cycle_counts")),
    reports=(RMA_FORM, COUNT_SHEET),
    widgets=(Widget("warehouse.overdue_returns", "warehouse/dashboard/overdue_returns.html", RETURN_READ,
                    overdue_tile, order=45, label="Overdue repairs and claims"),),
)
