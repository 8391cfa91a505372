"""Product and product category pages, declared with the UI kit (core/web/kit)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.products.models import PRODUCT_KINDS, TRACKING, UNITS, Product, ProductCategory
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller

KIND_LABELS = {"service": "Service", "stockable": "Stockable", "consumable": "Consumable"}
TRACKING_LABELS = {"none": "Not tracked", "lot": "By lot", "serial": "By serial number"}
UNIT_LABELS = {"unit": "unit", "hour": "hour", "kg": "kg", "litre": "litre", "metre": "metre", "box": "box"}
KINDS = tuple((k, KIND_LABELS[k]) for k in PRODUCT_KINDS)
TRACKINGS = tuple((t, TRACKING_LABELS[t]) for t in TRACKING)
UNIT_CHOICES = tuple((u, UNIT_LABELS[u]) for u in UNITS)
PRODUCTS_URL = "/products"
CATEGORIES_URL = "/products/categories"


def _only_stock_is_tracked(values: Mapping[str, Any]) -> dict[str, str]:
    from core.i18n import _

    if values.get("tracking") != "none" and values.get("kind") != "stockable":
        return {"tracking": _("Only stockable products are tracked by lot or serial number.")}
    return {}


PRODUCT_LIST = ListSpec(
    table=Product,
    columns=(
        Column("code", "Code", "link"),
        Column("name", "Name"),
        Column("kind", "Kind", "badge", choices=KIND_LABELS, badges={"stockable": "ok", "service": "warn"}),
        Column("category_name", "Category", source=Product.category.name),
        Column("unit", "Unit", "choice", choices=UNIT_LABELS, shown=False),
        Column("sale_price", "Sale price", "money"),
        Column("cost", "Cost", "money", shown=False),
        Column("tracking", "Tracking", "choice", choices=TRACKING_LABELS, shown=False),
        Column("warranty_months", "Warranty (months)", "number", shown=False),
        Column("active", "Active", "bool"),
    ),
    search=("code", "name"),
    search_indexed=True,
    cache=True,
    filters=(
        Filter("kind", "Kind", "choices", choices=KINDS),
        Filter("category", "Category", "many2one", table=ProductCategory),
        Filter("tracking", "Tracking", "choices", choices=TRACKINGS),
        Filter("active", "Active", "bool"),
    ),
    sort="code",
)

ZERO = Decimal("0")

PRODUCT_FORM = Form(
    table=Product,
    fields=(
        Field("code", "Code", required=True, unique=True, pattern=r"[A-Za-z0-9._/-]+",
              pattern_message="Use letters, digits and . _ / - only (no spaces)."),
        Field("name", "Name", required=True),
        Field("kind", "Kind", "select", required=True, choices=KINDS, default="stockable"),
        Field("category", "Category", "many2one", many2one=Many2one(ProductCategory, f"{CATEGORIES_URL}/options")),
        Field("unit", "Unit", "select", required=True, choices=UNIT_CHOICES, default="unit"),
        Field("sale_price", "Sale price", "money", min=ZERO, default=ZERO),
        Field("cost", "Cost", "money", min=ZERO, default=ZERO, help="What one unit costs us."),
        Field("tracking", "Tracking", "select", required=True, choices=TRACKINGS, default="none"),
        Field("warranty_months", "Warranty", "integer", unit="months", min=ZERO, max=Decimal(240), default=0),
        Field("description", "Description", "textarea"),
        Field("active", "Active", "bool", default=True),
    ),
    rules=(_only_stock_is_tracked,),
    sections=(
        ("Product", ("code", "name", "kind", "category", "unit", "active")),
        ("Prices", ("sale_price", "cost")),
        ("Service", ("tracking", "warranty_months")),
        ("Description", ("description",)),
    ),
)

PRODUCTS = Resource(
    path=PRODUCTS_URL, table=Product, title="Products", singular="Product",
    list=PRODUCT_LIST, form=PRODUCT_FORM, read="core.product.read", write="core.product.write",
    detail_template="core/products/product/detail.html", slot_target="product",
)

CATEGORIES = Resource(
    path=CATEGORIES_URL, table=ProductCategory, title="Product categories", singular="Product category",
    list=ListSpec(
        table=ProductCategory,
        columns=(Column("name", "Name", "link"),
                 Column("parent_name", "Parent category", source=ProductCategory.parent.name)),
        search=("name",), sort="name",
    ),
    form=Form(table=ProductCategory, fields=(
        Field("name", "Name", required=True, unique=True),
        Field("parent", "Parent category", "many2one",
              many2one=Many2one(ProductCategory, f"{CATEGORIES_URL}/options")),
    )),
    read="core.product.read", write="core.product.write",
    detail_template="core/products/category/detail.html", slot_target="product_category",
)

ProductController = controller(PRODUCTS)
CategoryController = controller(CATEGORIES)
