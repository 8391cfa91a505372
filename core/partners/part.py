"""What the partners area contributes to core's manifest."""

from core.modules.manifest import Part, Permission
from core.partners.models import Partner, Territory

PART = Part(
    tables=(Territory, Partner),
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
