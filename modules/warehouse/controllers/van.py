"""Vans: the list for warehouse staff, and each technician's van page with its stock and
a "Request refill" form.

A technician (only `warehouse.van.use`) sees and uses their own van and nothing else:
`/warehouse/vans` takes them to it, and any other van answers 404 like a missing page,
through the record rule on locations and, for roles without stock access, the van's owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.auth.current import CurrentUser, current_user
from core.auth.rules import visible
from core.i18n import _
from core.products.models import Product
from core.web.flash import flash
from core.web.kit import Field, Form, Many2one
from core.web.pages import page
from modules.warehouse.controllers import lines
from modules.warehouse.controllers.stock import STATUS_LABELS
from modules.warehouse.controllers.transfer import STATE_LABELS, STATE_TONES
from modules.warehouse.models.location import Location
from modules.warehouse.models.move import Move
from modules.warehouse.services import location as locations
from modules.warehouse.services import van as vans
from modules.warehouse.services.errors import WarehouseError
from modules.warehouse.services.stock_levels import fmt_qty
from modules.warehouse.stock_access import READ, VAN, WRITE

PATH = "/warehouse/vans"
SPARE_ROWS = 2

REFILL_LINE = Form(
    table=Move,
    fields=(
        Field("product", "Product", "many2one", required=True,
              many2one=Many2one(Product, "/products/options", where=lambda: Product.kind != "service")),
        Field("quantity", "Quantity", "quantity", required=True, min=Decimal("0.001")),
    ),
)


def _user(request: Request) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # the guard signed them in
    return user


async def _van(request: Request, van_id: int) -> dict[str, Any]:
    """The van, if this user may see it: staff see every van, a technician only their own."""
    user = _user(request)
    registry = await request.app.state.registry.get()
    row = await vans.get(van_id)
    if row is None or not await visible(registry, Location, user, van_id):
        raise NotFoundException()
    if not user.can(READ) and row["user"] != user.id:
        raise NotFoundException()  # a role without stock access that the record rule does not cover
    return row


def _suggested(stock: list[dict[str, Any]]) -> dict[str, str]:
    return {key: value for i, (product, qty) in enumerate(vans.suggestions(stock))
            for key, value in ((f"product_{i}", str(product)), (f"quantity_{i}", fmt_qty(qty)))}


async def _page(request: Request, van: dict[str, Any], *, raw: Mapping[str, str] | None = None, count: int = 0,
                errors: Mapping[str, str] | None = None, message: str = "", search: tuple[str, str] = ("", ""),
                status_code: int = 200) -> Template:
    user = _user(request)
    stock = await vans.stock(van["id"])
    if raw is None:
        raw = _suggested(stock)
        count = len(raw) // 2 + SPARE_ROWS
    registry = await request.app.state.registry.get()
    title = van["name"]
    crumbs = [(_("Vans"), PATH), (title, f"{PATH}/{van['id']}")] if user.can(READ) else [(title, f"{PATH}/{van['id']}")]
    return await page(
        request, "warehouse/van/detail.html", status_code=status_code, title=title, breadcrumbs=crumbs, van=van,
        stock=stock, refills=await vans.open_refills(van["id"]), line_form=REFILL_LINE,
        rows=[lines.row_fields(REFILL_LINE, i) for i in range(count)], raw=raw, errors=errors or {},
        message=message, search=search, options=await lines.options(REFILL_LINE, count, raw, search, registry, user),
        currency="EUR", qty=fmt_qty, status_labels=STATUS_LABELS, state_labels=STATE_LABELS, state_tones=STATE_TONES,
        can_read=user.can(READ), can_refill=user.can(WRITE) or van["user"] == user.id)


class VanController(Controller):
    path = PATH

    @get("/", permission=VAN)
    async def index(self, request: Request) -> Template | Redirect:
        user = _user(request)
        if not user.can(READ):
            own = await locations.van_of(user.id)
            if own is not None:
                return Redirect(f"{PATH}/{own}", status_code=303)
            return await page(request, "warehouse/van/list.html", title=_("Vans"), vans=None, qty=fmt_qty)
        return await page(request, "warehouse/van/list.html", title=_("Vans"), breadcrumbs=[(_("Vans"), PATH)],
                          vans=await vans.vans(), qty=fmt_qty)

    @get("/{van_id:int}", permission=VAN)
    async def detail(self, request: Request, van_id: int) -> Template:
        return await _page(request, await _van(request, van_id))

    @post("/{van_id:int}/refill", permission=VAN, status_code=303)
    async def refill(self, request: Request, van_id: int) -> Template | Redirect:
        van = await _van(request, van_id)
        user = _user(request)
        if not (user.can(WRITE) or van["user"] == user.id):
            raise NotFoundException()
        data = await request.form()
        count = lines.row_count(data, SPARE_ROWS)
        raw = lines.typed(REFILL_LINE, data, count)
        if data.get("_more"):
            return await _page(request, van, raw=raw, count=min(count + 1, lines.MAX_ROWS))
        if search := lines.search_of(data):
            return await _page(request, van, raw=raw, count=count, search=search)
        rows, errors = await lines.parse_rows(REFILL_LINE, raw, count, await request.app.state.registry.get(), user)
        if errors or not rows:
            return await _page(request, van, raw=raw, count=count, errors=errors, status_code=400,
                               message="" if errors else _("Add at least one product to the refill."))
        try:
            made = await vans.request_refill(van_id, [(r["product"], r["quantity"]) for r in rows])
        except WarehouseError as exc:
            return await _page(request, van, raw=raw, count=count, message=str(exc), status_code=400)
        flash(request, _("Refill requested: %(numbers)s.", numbers=", ".join(t["number"] for t in made)))
        return Redirect(f"{PATH}/{van_id}", status_code=303)
