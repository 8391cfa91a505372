"""Stock pages: by product and by location (searchable, filterable, sortable, paged), their
CSV export, the warehouse start page, and the stock dashboard tiles.

The lists keep their state in the URL like the kit's lists (`ListSpec`/`parse_state`
validate it); the figures come from `services.stock_levels` (GROUP BY over quants).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Mapping
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Redirect, Stream, Template

from core.auth.current import current_user
from core.i18n import _, fmt_money
from core.products.models import Product, ProductCategory
from core.web.charts import Point, bar_chart
from core.web.kit import (
    Column,
    Filter,
    ListSpec,
    ListState,
    company_currency,
    parse_state,
    safe_cell,
)
from core.web.kit.export import cell
from core.web.kit.lists import filter_options
from core.web.pages import page, wants_block
from modules.warehouse.controllers.location import KIND_LABELS
from modules.warehouse.models.location import STOCKED_KINDS, Location
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import stock_levels, valuation
from modules.warehouse.services.stock_levels import Query, Scope, fmt_qty
from modules.warehouse.stock_access import READ, VALUE, VAN

PATH = "/warehouse/stock"
LOCATIONS_PATH = "/warehouse/stock/locations"
STOCKED_CHOICES = tuple((k, KIND_LABELS[k]) for k in STOCKED_KINDS)
AVAILABILITY_LABELS = {"available": "Available", "reserved": "All reserved", "out": "Out of stock",
                       "stockout": "Stock-outs (nothing available)"}
STATUS_LABELS = {"ok": "Available", "reserved": "All reserved", "out": "Out of stock"}
SCOPE_FILTERS = (
    Filter("warehouse", "Warehouse", "many2one", table=Warehouse),
    Filter("kind", "Location kind", choices=STOCKED_CHOICES),
)

BY_PRODUCT = ListSpec(
    table=Product,
    columns=(
        Column("code", "Code"), Column("name", "Product"), Column("category", "Category"),
        Column("on_hand", "On hand", "number"), Column("reserved", "Reserved", "number"),
        Column("available", "Available", "number"), Column("forecast", "Forecast", "number", sortable=False),
    ),
    filters=(*SCOPE_FILTERS, Filter("category", "Category", "many2one", table=ProductCategory),
             Filter("availability", "Availability", choices=tuple(AVAILABILITY_LABELS.items()))),
    sort="code",
)

BY_LOCATION = ListSpec(
    table=Location,
    columns=(
        Column("location", "Location"), Column("products", "Products", "number"),
        Column("on_hand", "On hand", "number"), Column("available", "Available", "number"),
        Column("value", "Value", "money"),
    ),
    filters=SCOPE_FILTERS,
    sort="location",
)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _scope(state: ListState) -> Scope:
    return Scope(warehouse=_int(state.filters.get("warehouse")), kind=state.filters.get("kind", ""))


def query_of(state: ListState) -> Query:
    return Query(words=state.q.split(), category=_int(state.filters.get("category")), scope=_scope(state),
                 availability=state.filters.get("availability", ""), sort=state.sort,
                 descending=state.dir == "desc")


async def _filters(request: Request, spec: ListSpec) -> list[tuple[Filter, list[tuple[str, str]]]]:
    if wants_block(request):
        return []  # the rows fragment shows no filter controls
    user = current_user(request)
    assert user is not None
    registry = await request.app.state.registry.get()
    return [(f, await filter_options(f, registry, user)) for f in spec.filters]


async def _list(request: Request, template: str, spec: ListSpec, path: str, title: str,
                **context: Any) -> Template:
    restore = bool(request.headers.get("hx-history-restore-request"))
    state = context.pop("state")
    response = await page(request, template, block=None if restore else "rows", title=title,
                          breadcrumbs=[(_("Warehouse"), PATH), (title, path)], spec=spec, state=state, path=path,
                          filters=await _filters(request, spec), qty=fmt_qty, **context)
    if request.headers.get("hx-request") and not restore:
        response.headers["HX-Push-Url"] = state.url(path, page=state.page)
    return response


async def _csv(state: ListState) -> AsyncIterator[bytes]:
    header = [_("Code"), _("Product"), _("Category"), _("On hand"), _("Reserved"), _("Available"), _("Forecast")]
    yield _line([safe_cell(h) for h in header])
    query, number = query_of(state), 1
    while True:
        found = await stock_levels.by_product(query, number, size=500)
        yield b"".join(_line([cell(v) for v in (r.code, r.name, r.category, r.on_hand, r.reserved, r.available,
                                                  r.forecast)]) for r in found.rows)
        if not found.has_next:
            return
        number += 1


def _line(values: list[str]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    return buf.getvalue().encode()


class StockController(Controller):
    path = "/warehouse"

    @get("/", permission=VAN)
    async def start(self, request: Request) -> Redirect:
        """The Warehouse menu: staff land on the stock, technicians on their van."""
        user = current_user(request)
        return Redirect(PATH if user is not None and user.can(READ) else "/warehouse/vans", status_code=303)

    @get("/stock", permission=READ)
    async def by_product(self, request: Request) -> Template:
        state = parse_state(BY_PRODUCT, request.query_params)
        found = await stock_levels.by_product(query_of(state), state.page)
        return await _list(request, "warehouse/stock/by_product.html", BY_PRODUCT, PATH, _("Stock"),
                           state=state, page_=found, status_labels=STATUS_LABELS)

    @get("/stock/export.csv", permission=READ)
    async def export(self, request: Request) -> Stream:
        state = parse_state(BY_PRODUCT, request.query_params)
        return Stream(_csv(state), media_type="text/csv; charset=utf-8",
                      headers={"content-disposition": 'attachment; filename="warehouse-stock.csv"'})

    @get("/stock/locations", permission=READ)
    async def by_location(self, request: Request) -> Template:
        user = current_user(request)
        with_value = bool(user and user.can(VALUE))
        state = parse_state(BY_LOCATION, request.query_params)
        rows, has_next, offset = await stock_levels.by_location(
            state.q.split(), _scope(state), sort=state.sort, descending=state.dir == "desc", with_value=with_value,
            page=state.page)
        return await _list(request, "warehouse/stock/by_location.html", BY_LOCATION, LOCATIONS_PATH,
                           _("Stock by location"), state=state, rows=rows, has_next=has_next,
                           first=offset + 1 if rows else 0, last=offset + len(rows), with_value=with_value,
                           currency=await company_currency(), kind_labels=KIND_LABELS)


async def stock_outs_tile(request: Request) -> Mapping[str, Any]:
    """Products meant to be on the shelves (a quant or a reorder rule at an internal
    location) with nothing available there."""
    query = Query(scope=Scope(kind="internal"), availability="stockout")
    found = await stock_levels.by_product(query, 1, size=8)
    return {"count": await stock_levels.count(query), "rows": found.rows, "more": found.has_next, "qty": fmt_qty,
            "url": f"{PATH}?kind=internal&availability=stockout"}


async def stock_value_tile(request: Request) -> Mapping[str, Any]:
    values = await valuation.by_warehouse()
    currency = await company_currency()
    points = [Point(v.code or _("Elsewhere"), float(v.value),
                    f"{LOCATIONS_PATH}?warehouse={v.warehouse}" if v.warehouse else "") for v in values]
    total = sum((v.value for v in values), 0)
    return {"chart": bar_chart(points, title=_("Stock value per warehouse")),
            "total": fmt_money(total, currency), "values": values, "currency": currency}
