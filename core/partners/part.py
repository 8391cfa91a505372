"""What the partners area contributes to core's manifest."""

from core.modules.manifest import Menu, Part, Permission
from core.partners.controllers import PartnerController, TerritoryController
from core.partners.models import Partner, Territory

PART = Part(
    tables=(Territory, Partner),
    controllers=(PartnerController, TerritoryController),
    menus=(
        Menu("Contacts", "/contacts/partners", "core.partner.read", order=10),
        Menu("Partners", "/contacts/partners", "core.partner.read", order=10, parent="Contacts"),
        Menu("Territories", "/contacts/territories", "core.partner.read", order=20, parent="Contacts"),
    ),
    permissions=(
        Permission("core.partner.read", "See partners"),
        Permission("core.partner.write", "Create and edit partners"),
    ),
    grants={
        "manager": ("core.partner.read", "core.partner.write"),
        "technician": ("core.partner.read",),
        "sales": ("core.partner.read", "core.partner.write"),
        "warehouse": ("core.partner.read",),
    },
)
