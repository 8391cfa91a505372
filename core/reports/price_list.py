"""The price list: every active product by category, with a chart of the range per category."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.company.models import Company
from core.modules.manifest import Report
from core.products.models import Product

CHART_WIDTH = 460  # SVG user units; the longest bar fills the plot area


def _groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["category_name"] or "Uncategorised", []).append(row)
    result = []
    for name, items in groups.items():
        prices = [Decimal(i["sale_price"]) for i in items]
        result.append({"name": name, "items": items, "count": len(items),
                       "lowest": min(prices), "highest": max(prices),
                       "average": sum(prices, Decimal(0)) / len(prices)})
    return result


def _chart(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bars for the SVG chart: number of products per category, longest = full width."""
    most = max((g["count"] for g in groups), default=1)
    return [{"label": g["name"], "count": g["count"], "y": 6 + i * 22,
             "width": max(2, round(g["count"] / most * CHART_WIDTH))}
            for i, g in enumerate(groups)]


async def price_list(record_id: int | None = None) -> dict[str, Any]:
    rows = await Product.select(
        Product._meta.primary_key, Product.code, Product.name, Product.unit, Product.kind, Product.sale_price,
        Product.warranty_months, Product.category.name.as_alias("category_name"),
    ).where(Product.active.eq(True)).order_by(Product.category.name).order_by(Product.name).run()
    company = await Company.select(Company.currency).first().run()
    groups = _groups(rows)
    return {
        "groups": groups,
        "bars": _chart(groups),
        "chart_height": 12 + len(groups) * 22,
        "chart_width": CHART_WIDTH,
        "product_count": len(rows),
        "currency": company["currency"] if company else "EUR",
        "valid_from": dt.date.today(),
    }


PRICE_LIST = Report(
    name="price_list",
    title="Price list",
    template="core/reports/price_list.html",
    context=price_list,
    permission="core.product.read",
    filename="price-list-{valid_from}.pdf",
)
