"""Reordering rules: keep a product between min and max at a location."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Numeric, OnDelete
from piccolo.table import Table

from core.db.mixins import Audited
from core.partners.models import Partner
from core.products.models import Product
from modules.warehouse.models.location import Location
from modules.warehouse.models.quant import QTY


class ReorderRule(Audited, Table, tablename="warehouse_reorder_rule"):
    product = ForeignKey(Product, on_delete=OnDelete.restrict, index=True)
    location = ForeignKey(Location, on_delete=OnDelete.restrict, index=True)
    min_qty = Numeric(digits=QTY, default=D(0))
    max_qty = Numeric(digits=QTY, default=D(0))
    multiple = Numeric(digits=QTY, default=D(1))
    supplier = ForeignKey(Partner, null=True, default=None, on_delete=OnDelete.restrict)
    # Van rules refill from a warehouse location with a transfer instead of buying.
    refill_from = ForeignKey(Location, null=True, default=None, on_delete=OnDelete.restrict)
    lead_days = Integer(default=0)
    snooze_until = Date(null=True, default=None)
    active = Boolean(default=True)
