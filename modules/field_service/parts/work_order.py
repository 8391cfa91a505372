"""Work orders: the module's menu, the work order pages, permissions and the technicians'
record rule."""

from core.modules.manifest import Menu, Part, Permission
from modules.field_service.controllers.work_order import (
    PATH,
    PRICE,
    READ,
    WRITE,
    WorkOrderController,
)
from modules.field_service.security import RULES

PART = Part(
    controllers=(WorkOrderController,),
    menus=(
        Menu("Field service", PATH, READ, order=30),
        Menu("Work orders", PATH, READ, order=10, parent="Field service"),
    ),
    permissions=(
        # READ also shows the History and Attachments tabs (the kit derives them from the table).
        Permission(READ, "See work orders"),
        Permission(WRITE, "Create, plan and carry out work orders"),
        Permission(PRICE, "Override the coverage of work order lines and bill work orders"),
    ),
    grants={
        "manager": (READ, WRITE, PRICE),
        "dispatcher": (READ, WRITE),
        # Technicians work on their own orders only (record rule in security.py).
        "technician": (READ, WRITE),
    },
    record_rules=RULES,
)
