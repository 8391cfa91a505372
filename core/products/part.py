"""What the products area contributes to core's manifest."""

from core.modules.manifest import Part, Permission
from core.products.models import Product, ProductCategory

PART = Part(
    tables=(ProductCategory, Product),
    permissions=(
        Permission("core.product.read", "See products"),
        Permission("core.product.write", "Create and edit products"),
    ),
    grants={
        "manager": ("core.product.read", "core.product.write"),
        "technician": ("core.product.read",),
        "sales": ("core.product.read",),
        "warehouse": ("core.product.read", "core.product.write"),
    },
)
