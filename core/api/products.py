"""Products (read and write) and product categories (read-only) in the JSON API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from core.api.resource import ApiContext, ApiResource, patch_of
from core.i18n import _
from core.products.models import PRODUCT_KINDS, TRACKING, UNITS, Product, ProductCategory

Kind = Literal[PRODUCT_KINDS]  # type: ignore[valid-type]
Tracking = Literal[TRACKING]  # type: ignore[valid-type]
Unit = Literal[UNITS]  # type: ignore[valid-type]
Money = Annotated[Decimal, Meta(description="Not negative; answered as a string (\"12.50\"), sent as either")]


class ProductOut(msgspec.Struct):
    id: int
    version: int
    code: str
    name: str
    kind: str
    category: int | None
    unit: str
    sale_price: Decimal
    cost: Decimal
    tracking: str
    warranty_months: int
    description: str
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ProductCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Annotated[str, Meta(max_length=50)]
    name: Annotated[str, Meta(max_length=200)]
    kind: Kind = "stockable"
    category: int | None = None
    unit: Unit = "unit"
    sale_price: Money = Decimal("0")
    cost: Money = Decimal("0")
    tracking: Tracking = "none"
    warranty_months: Annotated[int, Meta(ge=0, le=600)] = 0
    description: str = ""
    active: bool = True


ProductUpdate = patch_of(ProductCreate, "ProductUpdate")


async def check_product(values: dict[str, Any], current: dict[str, Any] | None, ctx: ApiContext) -> dict[str, str]:
    errors: dict[str, str] = {}
    code = str(values.get("code", "")).strip()
    if not code:
        errors["code"] = _("Enter a code.")
    else:
        same = Product.exists().where(Product.code == code)
        if current is not None:
            same = same.where(Product._meta.primary_key != current["id"])
        if await same.run():
            errors["code"] = _("Another product already has the code %(code)s.", code=code)
    if not str(values.get("name", "")).strip():
        errors["name"] = _("Enter a name.")
    if values.get("kind") == "service" and values.get("tracking", "none") != "none":
        errors["tracking"] = _("Services are not tracked by lot or serial number.")
    for name in ("sale_price", "cost"):
        if values.get(name, 0) < 0:
            errors[name] = _("Enter an amount of 0 or more.")
    category = values.get("category")
    if category is not None and not await ProductCategory.exists().where(
        ProductCategory._meta.primary_key == category
    ).run():
        errors["category"] = _("There is no product category with this id.")
    return errors


async def same_scale(rows: list[dict[str, Any]]) -> None:
    """Amounts with the column's decimals on both engines (SQLite drops trailing zeros)."""
    for row in rows:
        row["sale_price"] = Decimal(row["sale_price"]).quantize(Decimal("0.01"))
        row["cost"] = Decimal(row["cost"]).quantize(Decimal("0.0001"))


class CategoryOut(msgspec.Struct):
    id: int
    version: int
    name: str
    parent: int | None


PRODUCTS = ApiResource(
    "products", Product, ProductOut, permission="core.product", create=ProductCreate, update=ProductUpdate,
    check=check_product, search=("code", "name"), filters={"kind": str, "category": int, "active": bool},
    enrich=same_scale,
    summary="What the firm sells, installs, stocks and services.",
)
CATEGORIES = ApiResource(
    "product-categories", ProductCategory, CategoryOut, permission="core.product", search=("name",),
    summary="Product categories (read-only).",
)
