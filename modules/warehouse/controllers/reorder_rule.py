"""Reordering rules: the kit's list and form, the rule's page with its forecast, "Order
now" (the whole run as a job, or one rule at once) and the "Below minimum" dashboard tile."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.web.flash import flash
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from core.web.kit.records import signed_in
from core.web.kit.resource import fetch
from modules.warehouse.controllers._detail import titled_detail
from modules.warehouse.models.location import Location
from modules.warehouse.models.purchase import PurchaseLine
from modules.warehouse.models.reorder_rule import ReorderRule
from modules.warehouse.services import forecast
from modules.warehouse.services import purchase as purchases
from modules.warehouse.services import reorder as reordering
from modules.warehouse.services.errors import WarehouseError

READ, WRITE = "warehouse.reorder.read", "warehouse.reorder.write"
PATH = "/warehouse/reorder-rules"
JOB = "warehouse.reorder"
ZERO = Decimal(0)

GOODS = Many2one(Product, "/products/options", where=lambda: Product.kind != "service")
SUPPLIERS = Many2one(Partner, "/contacts/partners/options?supplier=yes",
                     where=lambda: Partner.is_supplier == True)  # noqa: E712
STOCK_PLACES = Many2one(Location, "/warehouse/locations/options", label="full_name",
                        where=lambda: Location.kind.is_in(["internal", "van"]) & (Location.active == True))  # noqa: E712
SHELVES = Many2one(Location, "/warehouse/locations/options", label="full_name",
                   where=lambda: (Location.kind == "internal") & (Location.active == True))  # noqa: E712


def _consistent(values: Mapping[str, Any]) -> dict[str, str]:
    errors = {}
    if values["max_qty"] < values["min_qty"]:
        errors["max_qty"] = _("The maximum cannot be below the minimum.")
    if values.get("refill_from") and values["refill_from"] == values.get("location"):
        errors["refill_from"] = _("A location cannot refill itself.")
    if values.get("refill_from") and values.get("supplier"):
        errors["supplier"] = _("Choose a supplier or a location to refill from, not both.")
    return errors


async def rule_extra(request: Request, record: Mapping[str, Any]) -> Mapping[str, Any]:
    position = await forecast.position(record["product"], record["location"])
    open_lines = await PurchaseLine.select(
        PurchaseLine.quantity, PurchaseLine.order.id.as_alias("order_id"),
        PurchaseLine.order.number.as_alias("number"), PurchaseLine.order.state.as_alias("state"),
    ).where((PurchaseLine.rule_id == record["id"]) & PurchaseLine.order.state.is_in(
        list(purchases.OPEN_STATES))).order_by(PurchaseLine.id).run()
    product = await Product.select(Product.code, Product.name).where(Product.id == record["product"]).first().run()
    return {"position": position, "open_lines": open_lines, "product": product,
            "below": position.forecast < Decimal(record["min_qty"]), "state_labels": purchases.STATE_LABELS}


RULES = Resource(
    path=PATH, table=ReorderRule, title="Reordering rules", singular="Reordering rule",
    list=ListSpec(
        table=ReorderRule,
        columns=(
            Column("product_code", "Product", "link", source=ReorderRule.product.code),
            Column("product_name", "Name", source=ReorderRule.product.name),
            Column("location_name", "Location", source=ReorderRule.location.full_name),
            Column("min_qty", "Minimum", "number"),
            Column("max_qty", "Maximum", "number"),
            Column("multiple", "Multiple", "number", shown=False),
            Column("supplier_name", "Supplier", source=ReorderRule.supplier.name),
            Column("refill_name", "Refill from", source=ReorderRule.refill_from.full_name),
            Column("lead_days", "Lead time (days)", "number", shown=False),
            Column("snooze_until", "Snoozed until", "date"),
            Column("active", "Active", "bool"),
        ),
        search=("product.code", "product.name", "location.full_name", "supplier.name"),
        filters=(Filter("location", "Location", "many2one", table=Location, label_column="full_name"),
                 Filter("active", "Active", "bool")),
        sort="product_code",
    ),
    form=Form(
        table=ReorderRule,
        fields=(
            Field("product", "Product", "many2one", required=True, many2one=GOODS),
            Field("location", "Location", "many2one", required=True, many2one=STOCK_PLACES,
                  help="The shelf or van to keep stocked."),
            Field("min_qty", "Minimum", "quantity", required=True, min=ZERO,
                  help="Order when the forecast falls below this (at exactly the minimum, nothing is ordered)."),
            Field("max_qty", "Maximum", "quantity", required=True, min=ZERO, help="Order up to this quantity."),
            Field("multiple", "Multiple", "quantity", required=True, min=Decimal("0.001"), default=Decimal(1),
                  help="Order in multiples of this (a box of 10: 10)."),
            Field("supplier", "Supplier", "many2one", many2one=SUPPLIERS,
                  help="Empty: the supplier with the best price."),
            Field("refill_from", "Refill from", "many2one", many2one=SHELVES,
                  help="For vans: refill from this warehouse location with a transfer instead of buying."),
            Field("lead_days", "Lead time", "integer", unit="days", min=ZERO, max=Decimal(365), default=0),
            Field("snooze_until", "Snoozed until", "date", help="No orders for this rule before this date."),
            Field("active", "Active", "bool", default=True),
        ),
        rules=(_consistent,),
        sections=(
            ("Product and place", ("product", "location", "active")),
            ("Quantities", ("min_qty", "max_qty", "multiple")),
            ("Replenishment", ("supplier", "refill_from", "lead_days", "snooze_until")),
        ),
    ),
    read=READ, write=WRITE, label="id", detail_extra=rule_extra, list_template="warehouse/reorder_rule/list.html",
    detail_template="warehouse/reorder_rule/detail.html",
)


async def _title(record: Mapping[str, Any]) -> str:
    product = await Product.select(Product.code).where(Product.id == record["product"]).first().run()
    place = await Location.select(Location.full_name).where(Location.id == record["location"]).first().run()
    return f"{product['code'] if product else '?'} @ {place['full_name'] if place else '?'}"


class ReorderRuleController(controller(RULES)):  # type: ignore[misc]
    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await titled_detail(RULES, request, record_id, _title)

    @post("/order-now", permission=WRITE, status_code=303)
    async def order_now(self, request: Request) -> Redirect:
        """Run reordering for every rule now, as the nightly job does (in the background)."""
        from core.jobs.enqueue import enqueue

        await enqueue(JOB)
        flash(request, _("Reordering runs now; the purchasers get a summary by e-mail."))
        return Redirect(PATH, status_code=303)

    @post("/{record_id:int}/order-now", permission=WRITE, status_code=303)
    async def order_rule_now(self, request: Request, record_id: int) -> Redirect:
        """Run reordering for this one rule at once and say what it drafted."""
        if await fetch(RULES, record_id, await request.app.state.registry.get(), signed_in(request)) is None:
            raise NotFoundException()
        try:
            summary = await reordering.run([record_id], notify=False)
            flash(request, reordering.describe(summary), "success" if not summary.unsourced else "warning")
        except WarehouseError as exc:
            flash(request, str(exc), "error")
        return Redirect(f"{PATH}/{record_id}", status_code=303)


async def below_minimum_tile(request: Request) -> Mapping[str, Any]:
    shown, count = await reordering.below_minimum()
    return {"rows": shown, "count": count, "url": PATH}

