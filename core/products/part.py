"""What the products area contributes to core's manifest."""

from core.modules.manifest import Menu, Part, Permission
from core.products.controllers import CategoryController, ProductController
from core.products.models import Product, ProductCategory

PART = Part(
    tables=(ProductCategory, Product),
    controllers=(ProductController, CategoryController),
    menus=(
        Menu("Products", "/products", "core.product.read", order=20),
        Menu("Products", "/products", "core.product.read", order=10, parent="Products"),
        Menu("Categories", "/products/categories", "core.product.read", order=20, parent="Products"),
    ),
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
