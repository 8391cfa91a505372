"""Stock: warehouses, locations, lots, quants, transfers and moves; their pages, reports and tiles."""

from core.modules.manifest import Menu, Part, Permission, Report, Slot, Widget
from core.reports.render import partner_language
from modules.warehouse.controllers.location import LocationController
from modules.warehouse.controllers.stock import StockController, stock_outs_tile, stock_value_tile
from modules.warehouse.controllers.stock_card import StockCardController
from modules.warehouse.controllers.transfer import TransferController
from modules.warehouse.controllers.van import VanController
from modules.warehouse.controllers.warehouse import WarehouseController
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
from modules.warehouse.services.delivery_note import delivery_note
from modules.warehouse.services.valuation import report as valuation_report
from modules.warehouse.stock_access import LOCATIONS, READ, RULES, VALUE, VAN, WRITE

# The kit derives the permission of a record's History and Attachments tabs from its
# table (`warehouse_transfer` -> `warehouse.transfer.read`).
TRANSFER_HISTORY, LOCATION_HISTORY = "warehouse.transfer.read", "warehouse.location.read"
STAFF_READ = (READ, TRANSFER_HISTORY, LOCATION_HISTORY)

DELIVERY_NOTE = Report(
    name="warehouse_delivery_note",
    title="Delivery note",
    template="warehouse/reports/delivery_note.html",
    context=delivery_note,
    permission=READ,
    model=Transfer._meta.tablename,
    filename="{slug}.pdf",
    language=partner_language(Transfer),
)

STOCK_VALUATION = Report(
    name="warehouse_stock_valuation",
    title="Stock valuation",
    template="warehouse/reports/stock_valuation.html",
    context=valuation_report,
    permission=VALUE,
    filename="stock-valuation-{valued_on}.pdf",
)

PART = Part(
    # Every table of the module, in dependency order (one migration creates them all).
    tables=(Warehouse, Location, Lot, Quant, Transfer, Move, SupplierPrice, PurchaseOrder, PurchaseLine,
            ReorderRule, Return, ReturnLine, VendorClaim, Count, CountLine),
    controllers=(StockController, StockCardController, TransferController, VanController, LocationController,
                 WarehouseController),
    menus=(
        # Staff land on the stock, technicians on their own van (`/warehouse` decides).
        Menu("Warehouse", "/warehouse", VAN, order=30),
        Menu("Stock", "/warehouse/stock", READ, order=10, parent="Warehouse"),
        Menu("Transfers", "/warehouse/transfers", READ, order=20, parent="Warehouse"),
        Menu("Vans", "/warehouse/vans", VAN, order=30, parent="Warehouse"),
        Menu("Locations", "/warehouse/locations", READ, order=40, parent="Warehouse"),
        Menu("Warehouses", "/warehouse/warehouses", READ, order=45, parent="Warehouse"),
    ),
    permissions=(
        Permission(READ, "See stock, locations and transfers"),
        Permission(WRITE, "Create, reserve and validate transfers"),
        Permission(LOCATIONS, "Manage warehouses and locations"),
        Permission(VAN, "See and use one's own van stock"),
        Permission(VALUE, "See stock value and costs"),
        Permission(TRANSFER_HISTORY, "See the history and attachments of transfers"),
        Permission(LOCATION_HISTORY, "See the history and attachments of locations"),
    ),
    grants={
        "manager": (*STAFF_READ, WRITE, LOCATIONS, VAN, VALUE),
        "warehouse": (*STAFF_READ, WRITE, LOCATIONS, VAN),
        # VAN too: it opens the Warehouse menu (a purchaser has no van of their own).
        "purchaser": (*STAFF_READ, VAN),
        "technician": (VAN,),
    },
    record_rules=RULES,
    reports=(DELIVERY_NOTE, STOCK_VALUATION),
    slots=(Slot("product", "warehouse/stock_card/product_tab.html", "Stock", READ, order=10),),
    widgets=(
        Widget("warehouse.stock_outs", "warehouse/stock/stock_outs_tile.html", READ, stock_outs_tile, order=30,
               label="Stock-outs"),
        Widget("warehouse.stock_value", "warehouse/stock/value_tile.html", VALUE, stock_value_tile, order=35,
               label="Stock value"),
    ),
)
