"""The product stock card (`/warehouse/products/{id}`) and its summary on core's product page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from core.auth.current import current_user
from core.i18n import _
from core.web.kit import company_currency
from core.web.pages import page
from modules.warehouse.controllers.location import KIND_LABELS
from modules.warehouse.controllers.stock import STATUS_LABELS
from modules.warehouse.services import stock_card
from modules.warehouse.services.stock_levels import dec, fmt_qty
from modules.warehouse.stock_access import READ, VALUE

PATH = "/warehouse/products"
STATE_TONES = {"draft": "neutral", "reserved": "warn", "done": "ok", "cancelled": "danger"}
STATE_LABELS = {"draft": "Draft", "reserved": "Reserved", "done": "Done", "cancelled": "Cancelled"}


async def _product(product_id: int) -> dict[str, Any]:
    row = await stock_card.product(product_id)
    if row is None:
        raise NotFoundException()
    return row


def _page(request: Request) -> int:
    text = str(request.query_params.get("page") or "")
    return min(int(text), 10_000) if text.isdigit() and int(text) > 0 else 1


class StockCardController(Controller):
    path = PATH

    @get("/{product_id:int}", permission=READ)
    async def card(self, request: Request, product_id: int) -> Template:
        product = await _product(product_id)
        user = current_user(request)
        assert user is not None
        places = await stock_card.places(product_id)
        total = stock_card.totals(places)
        lots, lot_count = await stock_card.lots(product_id, product["tracking"])
        number = _page(request)
        moves, older = await stock_card.moves(product_id, number)
        title = f"{product['code']} {product['name']}"
        return await page(
            request, "warehouse/stock_card/detail.html", block="moves", title=title,
            breadcrumbs=[(_("Stock"), "/warehouse/stock"), (title, f"{PATH}/{product_id}")],
            product=product, places=places, total=total, lots=lots, lot_count=lot_count, moves=moves,
            older=older, number=number, qty=fmt_qty, kind_labels=KIND_LABELS, status_labels=STATUS_LABELS,
            state_tones=STATE_TONES, state_labels=STATE_LABELS, can_value=user.can(VALUE),
            can_product=user.can("core.product.read"), currency=await company_currency(),
            value=total.on_hand * dec(product["cost"]))

    @get("/{product_id:int}/summary", permission=READ)
    async def summary(self, request: Request, product_id: int) -> Template:
        """The Stock tab of core's product page (loaded by htmx; the tab links here without JavaScript)."""
        product = await _product(product_id)
        places = await stock_card.places(product_id)
        return await page(request, "warehouse/stock_card/summary.html", product=product, places=places,
                          total=stock_card.totals(places), qty=fmt_qty, status_labels=STATUS_LABELS)
