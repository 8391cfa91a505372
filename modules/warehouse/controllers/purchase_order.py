"""Purchase order pages: the kit's list and header form, plus the order page with its
lines and price-break hints, the state actions and the receive page."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template

from core.db.records import StaleRecordError
from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.web.flash import flash
from core.web.kit import (
    Column,
    Field,
    Filter,
    Form,
    ListSpec,
    Many2one,
    Resource,
    controller,
    crud,
    submitted,
    validate,
)
from core.web.kit.actions import posted_version
from core.web.kit.detail import Action, detail_context, detail_page
from core.web.kit.forms import as_text, initial, many2one_options
from core.web.kit.records import signed_in
from core.web.kit.resource import displayed, fetch
from core.web.pages import page
from modules.warehouse.models.location import Location
from modules.warehouse.models.purchase import STATES, PurchaseLine, PurchaseOrder
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services import purchase as purchases
from modules.warehouse.services import supplier_price
from modules.warehouse.services.errors import NotAllowed, WarehouseError, _qty

READ, WRITE = "warehouse.purchase.read", "warehouse.purchase.write"
# Warehouse staff receive goods too (they may validate transfers).
RECEIVE = "warehouse.transfer.write"
PATH = "/warehouse/purchase-orders"
TONES = {"draft": "neutral", "sent": "warn", "confirmed": "warn", "partial": "warn", "received": "ok",
         "cancelled": "danger"}
BADGES = {"sent": "warn", "confirmed": "warn", "partial": "warn", "received": "ok", "cancelled": "danger"}

SUPPLIERS = Many2one(Partner, "/contacts/partners/options?supplier=yes",
                     where=lambda: Partner.is_supplier == True)  # noqa: E712
STOCK_PLACES = Many2one(Location, "/warehouse/locations/options", label="full_name",
                        where=lambda: Location.kind.is_in(["internal", "van"]) & (Location.active == True))  # noqa: E712
GOODS = Many2one(Product, "/products/options", where=lambda: Product.kind != "service")

ORDERS = Resource(
    path=PATH, table=PurchaseOrder, title="Purchase orders", singular="Purchase order", label="number",
    list=ListSpec(
        table=PurchaseOrder,
        columns=(
            Column("number", "Number", "link"),
            Column("supplier_name", "Supplier", source=PurchaseOrder.supplier.name),
            Column("state", "State", "badge", choices=purchases.STATE_LABELS, badges=BADGES),
            Column("ordered_on", "Ordered on", "date"),
            Column("expected_on", "Expected on", "date"),
            Column("destination_name", "Deliver to", source=PurchaseOrder.destination.full_name),
            Column("origin", "Origin", shown=False),
        ),
        search=("number", "supplier.name", "origin"),
        filters=(Filter("state", "State", "choices", choices=tuple((s, purchases.STATE_LABELS[s]) for s in STATES)),),
        sort="number", dir="desc",
    ),
    form=Form(
        table=PurchaseOrder,
        fields=(
            Field("supplier", "Supplier", "many2one", required=True, many2one=SUPPLIERS),
            Field("destination", "Deliver to", "many2one", required=True, many2one=STOCK_PLACES),
            Field("expected_on", "Expected on", "date", help="Left empty, confirming sets it from the lead times."),
            Field("note", "Note to the supplier", "textarea"),
        ),
    ),
    read=READ, write=WRITE, detail_template="warehouse/purchase_order/detail.html",
)

LINE_FORM = Form(table=PurchaseLine, fields=(
    Field("product", "Product", "many2one", required=True, many2one=GOODS),
    Field("quantity", "Quantity", "quantity", required=True, min=Decimal("0.001")),
    Field("unit_price", "Unit price", "money", min=Decimal(0),
          help="Left empty: the supplier's price for this quantity."),
))


def _number(text: Any) -> Decimal | None:
    """1234.5, 1234,5, 1.234,50 and 1,234.50 as the kit's forms read them (the last separator
    is the decimal one); None when it is not a number."""
    raw = str(text or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in raw and "." in raw:
        raw = raw.replace("." if raw.rfind(",") > raw.rfind(".") else ",", "")
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


async def _order(request: Request, order_id: int) -> dict[str, Any]:
    user = signed_in(request)
    record = await fetch(ORDERS, order_id, await request.app.state.registry.get(), user)
    if record is None:
        raise NotFoundException()
    return record


def _actions(order: Mapping[str, Any], can_receive: bool) -> list[Action]:
    url, state = f"{PATH}/{order['id']}", order["state"]
    found = []
    if state == "draft":
        found += [Action(_("Edit"), f"{url}/edit", permission=WRITE),
                  Action(_("Send by e-mail"), f"{url}/send", "post", "primary", permission=WRITE),
                  Action(_("Confirm"), f"{url}/confirm", "post", permission=WRITE,
                         confirm=_("Confirm without mailing? Do this when the order was placed another way."))]
    if state == "sent":
        found.append(Action(_("Confirm"), f"{url}/confirm", "post", "primary", permission=WRITE))
    if state in ("confirmed", "partial") and can_receive:
        found.append(Action(_("Receive"), f"{url}/receive", tone="primary"))
    if "cancelled" in purchases.TRANSITIONS[state]:
        found.append(Action(_("Cancel order"), f"{url}/cancel", "post", "danger", permission=WRITE,
                            confirm=_("Cancel this purchase order?")))
    return found


async def _lines_view(order: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The lines with amounts and, on open orders, the next price tier's hint."""
    found = await purchases.lines(order["id"])
    prices = await supplier_price.prices_for((ln["product"], order["supplier"]) for ln in found)
    currency = await supplier_price.company_currency()
    for ln in found:
        tiers = prices.get((ln["product"], order["supplier"]), [])
        hint = supplier_price.following(tiers, Decimal(ln["quantity"])) if order["state"] == "draft" else None
        ln["amount"] = Decimal(ln["quantity"]) * Decimal(ln["unit_price"])
        ln["hint"] = hint.text(currency) if hint else ""
        ln["hint_more"] = _qty(hint.more) if hint else ""
        ln["more_text"] = _qty(hint.more) if hint else ""
        ln["qty_text"], ln["received_text"] = _qty(Decimal(ln["quantity"])), _qty(Decimal(ln["received"]))
        ln["price_text"] = as_text(LINE_FORM.field("unit_price"), Decimal(ln["unit_price"]))
        codes = [t.supplier_code for t in tiers if t.supplier_code]
        ln["supplier_code"] = codes[0] if codes else ""
    return found


async def _receipts(order: Mapping[str, Any]) -> list[dict[str, Any]]:
    return await Transfer.select(Transfer.id, Transfer.number, Transfer.state, Transfer.scheduled,
                                 Transfer.done_at).where(
        (Transfer.origin == order["number"]) & (Transfer.kind == "receipt")).order_by(Transfer.id).run()


async def order_page(request: Request, order_id: int, *, line_q: str = "") -> Template:
    order = await _order(request, order_id)
    user = signed_in(request)
    registry = await request.app.state.registry.get()
    title = order["number"]
    ctx = await detail_context(
        request, PurchaseOrder, order, title=title,
        state=(_(purchases.STATE_LABELS[order["state"]]), TONES[order["state"]]),
        actions=_actions(order, user.can(WRITE) or user.can(RECEIVE)), choices={"state": purchases.STATE_LABELS})
    found = await _lines_view(order)
    currency = await supplier_price.company_currency()
    product_field = LINE_FORM.field("product")
    options = {"product": await many2one_options(product_field, registry, user, q=line_q)} \
        if order["state"] == "draft" and user.can(WRITE) else {}
    return await detail_page(
        request, "warehouse/purchase_order/detail.html", title=title,
        breadcrumbs=[(_(ORDERS.title), PATH), (title, f"{PATH}/{order_id}")],
        **ctx, res=ORDERS, record=order, order=order, shown=await displayed(ORDERS, order, currency),
        lines=found, total=purchases.total(found), currency=currency, receipts=await _receipts(order),
        can_write=user.can(WRITE), line_form=LINE_FORM, options=options, line_q=line_q,
        raw={"product": options["product"][0][0] if line_q and options.get("product") else ""},
    )


async def _state_change(request: Request, order_id: int, action: Any, done: str) -> Redirect:
    await _order(request, order_id)  # 404 for an order the user may not see
    try:
        await action(order_id)
        flash(request, done)
    except WarehouseError as exc:
        flash(request, str(exc), "error")
    return Redirect(f"{PATH}/{order_id}", status_code=303)


async def _line_of(request: Request, order_id: int, line_id: int) -> dict[str, Any]:
    await _order(request, order_id)
    line = await PurchaseLine.select().where((PurchaseLine.id == line_id) & (PurchaseLine.order == order_id)).first().run()
    if line is None:
        raise NotFoundException()
    return line


def _searching(data: Mapping[str, Any]) -> bool:
    """The form was sent with a many2one's Search button (the picker without JavaScript)."""
    return bool(data.get("_search"))


def _can_receive(request: Request) -> None:
    user = signed_in(request)
    if not (user.can(WRITE) or user.can(RECEIVE)):
        raise PermissionDeniedException(f"you lack the permission {WRITE} or {RECEIVE}")


async def receive_page(request: Request, order: Mapping[str, Any], *, entered: Mapping[str, str] | None = None,
                       error: str = "", status_code: int = 200) -> Template:
    pending = await purchases.receipt_lines(order)
    for m in pending:
        m["qty_text"] = _qty(Decimal(m["quantity"]))
        m["rows"] = max(2, min(int(Decimal(m["quantity"])), 8))
    title = _("Receive %(number)s", number=order["number"])
    return await page(
        request, "warehouse/purchase_order/receive.html", status_code=status_code, title=title,
        breadcrumbs=[(_(ORDERS.title), PATH), (order["number"], f"{PATH}/{order['id']}"),
                     (_("Receive"), f"{PATH}/{order['id']}/receive")],
        order=order, pending=pending, entered=entered or {}, error=error,
        supplier=await Partner.select(Partner.name).where(Partner.id == order["supplier"]).first().run(),
        destination=await Location.select(Location.full_name).where(Location.id == order["destination"]).first().run(),
    )


def _received_input(data: Mapping[str, Any], pending: list[dict[str, Any]]) -> tuple[
        dict[int, Decimal], dict[int, str], dict[int, str]]:
    done, serials, lots = {}, {}, {}
    for m in pending:
        qty = _number(data.get(f"qty_{m['id']}") or "0")
        if qty is None:
            raise NotAllowed(_("Enter the quantity received of {product} as a number.").format(
                product=m["product_code"]))
        done[m["id"]] = qty
        serials[m["id"]] = str(data.get(f"serials_{m['id']}") or "")
        lots[m["id"]] = str(data.get(f"lot_{m['id']}") or "")
    return done, serials, lots


class PurchaseOrderController(controller(ORDERS)):  # type: ignore[misc]
    """The kit's routes for the list and the header form; the order page is its own."""

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        data = await request.form()
        if _searching(data):
            return await crud.save_new(ORDERS, request)  # the no-JavaScript picker search
        user = signed_in(request)
        values, errors = await validate(ORDERS.form, data, await request.app.state.registry.get(), user)
        if errors:
            return await crud.form_page(ORDERS, request, record=None, raw=submitted(ORDERS.form, data),
                                        errors=errors, status_code=400)
        row = await purchases.create(values["supplier"], values["destination"], note=values["note"],
                                     expected_on=values["expected_on"])
        flash(request, _("Purchase order %(number)s created: add its lines.", number=row["number"]))
        return Redirect(f"{PATH}/{row['id']}", status_code=303)

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await order_page(request, record_id, line_q=str(request.query_params.get("line_q") or "")[:100])

    @get("/{record_id:int}/edit", permission=WRITE)
    async def edit(self, request: Request, record_id: int) -> Template | Redirect:
        order = await _order(request, record_id)
        if order["state"] != "draft":
            flash(request, _("Only a draft order can be edited."), "error")
            return Redirect(f"{PATH}/{record_id}", status_code=303)
        return await crud.form_page(ORDERS, request, record=order, raw=initial(ORDERS.form, order), errors={})

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        order = await _order(request, record_id)
        if order["state"] != "draft":
            flash(request, _("Only a draft order can be edited."), "error")
            return Redirect(f"{PATH}/{record_id}", status_code=303)
        return await crud.save_edit(ORDERS, request, record_id)

    @post("/{record_id:int}/send", permission=WRITE, status_code=303)
    async def send(self, request: Request, record_id: int) -> Redirect:
        return await _state_change(request, record_id, purchases.request_sending,
                                   _("The order is being mailed to the supplier; it is marked sent once mailed."))

    @post("/{record_id:int}/confirm", permission=WRITE, status_code=303)
    async def confirm(self, request: Request, record_id: int) -> Redirect:
        return await _state_change(request, record_id, purchases.confirm,
                                   _("Order confirmed: its goods are now expected on a receipt."))

    @post("/{record_id:int}/cancel", permission=WRITE, status_code=303)
    async def cancel(self, request: Request, record_id: int) -> Redirect:
        return await _state_change(request, record_id, purchases.cancel, _("Order cancelled."))

    @post("/{record_id:int}/lines", permission=WRITE, status_code=303)
    async def add_line(self, request: Request, record_id: int) -> Redirect:
        await _order(request, record_id)
        data = await request.form()
        if _searching(data):
            q = str(data.get("_q_product") or "").strip()
            return Redirect(f"{PATH}/{record_id}?line_q={q}#add-line", status_code=303)
        values, errors = await validate(LINE_FORM, data, await request.app.state.registry.get(), signed_in(request))
        if errors:
            flash(request, "; ".join(f"{_(LINE_FORM.field(k).label)}: {v}" for k, v in errors.items()), "error")
            return Redirect(f"{PATH}/{record_id}#add-line", status_code=303)
        price = values["unit_price"] if str(data.get("unit_price") or "").strip() else None
        try:
            await purchases.add_line(record_id, values["product"], values["quantity"], price)
        except WarehouseError as exc:
            flash(request, str(exc), "error")
        return Redirect(f"{PATH}/{record_id}#lines", status_code=303)

    @post("/{record_id:int}/lines/{line_id:int}/more", permission=WRITE, status_code=303)
    async def order_more(self, request: Request, record_id: int, line_id: int) -> Redirect:
        """The hint's quick action: order the extra units that reach the next price tier."""
        line = await _line_of(request, record_id, line_id)
        more = _number((await request.form()).get("more"))
        try:
            if more is None or more <= 0:
                raise NotAllowed(_("Order a quantity above zero."))
            await purchases.add_line(record_id, line["product"], more)
        except WarehouseError as exc:
            flash(request, str(exc), "error")
        return Redirect(f"{PATH}/{record_id}#lines", status_code=303)

    @post("/{record_id:int}/lines/{line_id:int}/edit", permission=WRITE, status_code=303)
    async def edit_line(self, request: Request, record_id: int, line_id: int) -> Redirect:
        await _line_of(request, record_id, line_id)
        data = await request.form()
        qty, price_text = _number(data.get("quantity")), str(data.get("unit_price") or "").strip()
        price = _number(price_text) if price_text else None
        try:
            if qty is None or (price_text and (price is None or price < 0)):
                raise NotAllowed(_("Enter the quantity and unit price as numbers."))
            await purchases.update_line(line_id, qty, price, posted_version(data, -1))
        except WarehouseError as exc:
            flash(request, str(exc), "error")
        except StaleRecordError:
            flash(request, _("Someone changed this line meanwhile; it shows their version now."), "error")
        return Redirect(f"{PATH}/{record_id}#lines", status_code=303)

    @post("/{record_id:int}/lines/{line_id:int}/delete", permission=WRITE, status_code=303)
    async def remove_line(self, request: Request, record_id: int, line_id: int) -> Redirect:
        await _line_of(request, record_id, line_id)
        try:
            await purchases.remove_line(line_id, posted_version(await request.form(), -1))
        except WarehouseError as exc:
            flash(request, str(exc), "error")
        except StaleRecordError:
            flash(request, _("Someone changed this line meanwhile; it shows their version now."), "error")
        return Redirect(f"{PATH}/{record_id}#lines", status_code=303)

    @get("/{record_id:int}/receive", permission=READ)
    async def receive_form(self, request: Request, record_id: int) -> Template | Redirect:
        _can_receive(request)
        order = await _order(request, record_id)
        if order["state"] not in ("confirmed", "partial"):
            flash(request, _("Only a confirmed order can be received."), "error")
            return Redirect(f"{PATH}/{record_id}", status_code=303)
        return await receive_page(request, order)

    @post("/{record_id:int}/receive", permission=READ, status_code=303)
    async def receive(self, request: Request, record_id: int) -> Template | Redirect:
        _can_receive(request)
        order = await _order(request, record_id)
        data = await request.form()
        entered = {k: str(v) for k, v in data.items() if k != "_csrf_token"}
        try:
            done, serials, lots = _received_input(data, await purchases.receipt_lines(order))
            result = await purchases.receive(record_id, done, serials, lots)
        except WarehouseError as exc:
            return await receive_page(request, order, entered=entered, error=str(exc), status_code=400)
        if result["backorder"]:
            flash(request, _("Received. The rest stays expected on a backorder receipt."))
        else:
            flash(request, _("Received: the order is complete."))
        return Redirect(f"{PATH}/{record_id}", status_code=303)
