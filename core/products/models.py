"""Products and their categories."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import Boolean, ForeignKey, Integer, Numeric, OnDelete, Text, Varchar
from piccolo.table import Table

from core.db.mixins import Audited

PRODUCT_KINDS = ("service", "stockable", "consumable")
TRACKING = ("none", "lot", "serial")
UNITS = ("unit", "hour", "kg", "litre", "metre", "box")


class ProductCategory(Audited, Table, tablename="core_product_category"):
    name = Varchar(length=100, unique=True)
    parent: ForeignKey = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)


class Product(Audited, Table, tablename="core_product"):
    code = Varchar(length=50, unique=True)
    name = Varchar(length=200, index=True)
    kind = Varchar(length=20, default="stockable")
    category = ForeignKey(ProductCategory, null=True, default=None, on_delete=OnDelete.restrict)
    unit = Varchar(length=20, default="unit")
    sale_price = Numeric(digits=(12, 2), default=Decimal("0"))
    cost = Numeric(digits=(12, 4), default=Decimal("0"))
    tracking = Varchar(length=10, default="none")
    warranty_months = Integer(default=0)
    description = Text(default="")
    active = Boolean(default=True)
