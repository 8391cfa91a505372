"""Purchasing: supplier prices, purchase orders, reordering rules and their nightly job."""

from core.modules.manifest import Job, Menu, Part, Permission, Report, Schedule, Widget
from core.reports.render import partner_language
from modules.warehouse import jobs
from modules.warehouse.controllers.purchase_order import PurchaseOrderController
from modules.warehouse.controllers.reorder_rule import ReorderRuleController, below_minimum_tile
from modules.warehouse.controllers.supplier_price import SupplierPriceController
from modules.warehouse.models.purchase import PurchaseOrder
from modules.warehouse.services.purchase import document

READ, WRITE = "warehouse.purchase.read", "warehouse.purchase.write"
RULES_READ, RULES_WRITE = "warehouse.reorder.read", "warehouse.reorder.write"

PURCHASE_ORDER = Report(
    name="warehouse_purchase_order",
    title="Purchase order",
    template="warehouse/reports/purchase_order.html",
    context=document,
    permission=READ,
    model=PurchaseOrder._meta.tablename,
    filename="{number}.pdf",
    language=partner_language(PurchaseOrder, "supplier"),
)

PART = Part(
    controllers=(SupplierPriceController, PurchaseOrderController, ReorderRuleController),
    menus=(
        Menu("Purchase orders", "/warehouse/purchase-orders", READ, order=50, parent="Warehouse"),
        Menu("Supplier prices", "/warehouse/supplier-prices", READ, order=55, parent="Warehouse"),
        Menu("Reordering rules", "/warehouse/reorder-rules", RULES_READ, order=60, parent="Warehouse"),
    ),
    permissions=(
        Permission(READ, "See supplier prices and purchase orders"),
        Permission(WRITE, "Manage supplier prices and purchase orders"),
        Permission(RULES_READ, "See reordering rules"),
        Permission(RULES_WRITE, "Manage reordering rules and order now"),
    ),
    grants={
        "manager": (READ, WRITE, RULES_READ, RULES_WRITE),
        # Purchasers start on the dashboard and pick products and suppliers on orders and prices.
        "purchaser": (READ, WRITE, RULES_READ, RULES_WRITE, "core.home.read", "core.product.read",
                      "core.partner.read"),
        "warehouse": (READ, RULES_READ, RULES_WRITE),
    },
    jobs=(Job(jobs.reorder), Job(jobs.send_purchase_order)),
    # Every night at 03:00 in the firm's time zone.
    schedules=(Schedule("reorder", "0 3 * * *", name="nightly_reorder"),),
    reports=(PURCHASE_ORDER,),
    widgets=(Widget("warehouse.below_minimum", "warehouse/reorder_rule/widget.html", RULES_READ,
                    below_minimum_tile, order=40, label="Below minimum", wide=True),),
)
