"""Stock: warehouses, locations, lots, quants, transfers and moves."""

from core.modules.manifest import Part, Permission
from modules.warehouse.models.count import Count, CountLine
from modules.warehouse.models.location import Location
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.purchase import PurchaseLine, PurchaseOrder, SupplierPrice
from modules.warehouse.models.quant import Quant
from modules.warehouse.models.reorder_rule import ReorderRule
from modules.warehouse.models.rma import Return, ReturnLine, VendorClaim
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.models.warehouse import Warehouse

READ, WRITE = "warehouse.stock.read", "warehouse.transfer.write"
LOCATIONS, VAN, VALUE = "warehouse.location.write", "warehouse.van.use", "warehouse.valuation.read"

PART = Part(
    # Every table of the module, in dependency order (one migration creates them all).
    tables=(Warehouse, Location, Lot, Quant, Transfer, Move, SupplierPrice, PurchaseOrder, PurchaseLine,
            ReorderRule, Return, ReturnLine, VendorClaim, Count, CountLine),
    permissions=(
        Permission(READ, "See stock, locations and transfers"),
        Permission(WRITE, "Create, reserve and validate transfers"),
        Permission(LOCATIONS, "Manage warehouses and locations"),
        Permission(VAN, "See and use one's own van stock"),
        Permission(VALUE, "See stock value and costs"),
    ),
    grants={
        "manager": (READ, WRITE, LOCATIONS, VAN, VALUE),
        "warehouse": (READ, WRITE, LOCATIONS, VAN),
        "purchaser": (READ,),
        "technician": (VAN,),
    },
)
