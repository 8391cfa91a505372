"""The installed base: one machine at a customer's site, its warranties and its contract."""

from __future__ import annotations

from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Text, Varchar
from piccolo.table import Table

from core.db.mixins import Audited
from core.partners.models import Partner
from core.products.models import Product
from modules.field_service.models.contract import Contract

CONDITIONS = ("good", "attention", "critical")


class Equipment(Audited, Table, tablename="field_service_equipment"):
    product = ForeignKey(Product, null=False, on_delete=OnDelete.restrict, index=True)
    serial = Varchar(length=100, index=True)
    # The warehouse_lot id of the serial it was sold as, if known.
    lot = Integer(null=True, default=None)
    partner = ForeignKey(Partner, null=False, on_delete=OnDelete.restrict, index=True)
    site_name = Varchar(length=200, default="")
    street = Varchar(length=200, default="")
    postcode = Varchar(length=20, default="")
    city = Varchar(length=100, default="")
    install_date = Date(null=True, default=None)
    # Last day covered; None: no warranty of that kind.
    parts_warranty_end = Date(null=True, default=None)
    labour_warranty_end = Date(null=True, default=None)
    contract = ForeignKey(
        Contract, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    condition = Varchar(length=20, default="good")
    condition_checked = Date(null=True, default=None)
    notes = Text(default="")
    active = Boolean(default=True)
