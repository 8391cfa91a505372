"""Supplier prices: price tiers per product and supplier, declared with the UI kit."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Request, get
from litestar.response import Template

from core.partners.models import Partner
from core.products.models import Product
from core.web.kit import Column, Field, Form, ListSpec, Many2one, Resource, controller
from modules.warehouse.controllers._detail import titled_detail
from modules.warehouse.models.purchase import SupplierPrice

READ, WRITE = "warehouse.purchase.read", "warehouse.purchase.write"
PATH = "/warehouse/supplier-prices"
ZERO = Decimal(0)

# Goods only: services are not bought on purchase orders.
GOODS = Many2one(Product, "/products/options", where=lambda: Product.kind != "service")
SUPPLIERS = Many2one(Partner, "/contacts/partners/options?supplier=yes",
                     where=lambda: Partner.is_supplier == True)  # noqa: E712


def _valid_dates(values: Mapping[str, Any]) -> dict[str, str]:
    from core.i18n import _

    start, end = values.get("valid_from"), values.get("valid_to")
    if start and end and end < start:
        return {"valid_to": _("The end of validity cannot be before its start.")}
    return {}


SUPPLIER_PRICES = Resource(
    path=PATH, table=SupplierPrice, title="Supplier prices", singular="Supplier price",
    list=ListSpec(
        table=SupplierPrice,
        columns=(
            Column("product_code", "Product", "link", source=SupplierPrice.product.code),
            Column("product_name", "Name", source=SupplierPrice.product.name),
            Column("supplier_name", "Supplier", source=SupplierPrice.supplier.name),
            Column("supplier_code", "Supplier's code"),
            Column("min_qty", "From quantity", "number"),
            Column("price", "Unit price", "money"),
            Column("lead_days", "Lead time (days)", "number"),
            Column("valid_from", "Valid from", "date", shown=False),
            Column("valid_to", "Valid until", "date"),
        ),
        search=("product.code", "product.name", "supplier.name", "supplier_code"),
        sort="product_code",
    ),
    form=Form(
        table=SupplierPrice,
        fields=(
            Field("product", "Product", "many2one", required=True, many2one=GOODS),
            Field("supplier", "Supplier", "many2one", required=True, many2one=SUPPLIERS),
            Field("supplier_code", "Supplier's code", help="The supplier's own article number."),
            Field("min_qty", "From quantity", "quantity", required=True, min=Decimal("0.001"), default=Decimal(1),
                  help="This price applies from this many units on."),
            Field("price", "Unit price", "money", required=True, min=ZERO),
            Field("lead_days", "Lead time", "integer", unit="days", min=ZERO, max=Decimal(365), default=0),
            Field("valid_from", "Valid from", "date"),
            Field("valid_to", "Valid until", "date"),
        ),
        rules=(_valid_dates,),
        sections=(
            ("Product and supplier", ("product", "supplier", "supplier_code")),
            ("Price tier", ("min_qty", "price", "lead_days", "valid_from", "valid_to")),
        ),
    ),
    read=READ, write=WRITE, label="supplier_code",
    detail_template="warehouse/supplier_price/detail.html",
)

async def _title(record: Mapping[str, Any]) -> str:
    product = await Product.select(Product.code).where(Product.id == record["product"]).first().run()
    supplier = await Partner.select(Partner.name).where(Partner.id == record["supplier"]).first().run()
    return f"{product['code'] if product else '?'} · {supplier['name'] if supplier else '?'}"


class SupplierPriceController(controller(SUPPLIER_PRICES)):  # type: ignore[misc]
    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await titled_detail(SUPPLIER_PRICES, request, record_id, _title)
