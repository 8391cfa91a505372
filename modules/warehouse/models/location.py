"""Stock locations: shelves, vans, and the virtual places goods come from and go to."""

from __future__ import annotations

from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Varchar
from piccolo.table import Table

from core.auth.models import User
from core.db.mixins import Audited
from core.partners.models import Partner
from modules.warehouse.models.warehouse import Warehouse

# Kinds whose quantities are ours and counted as stock; the others are where goods
# come from or go to (suppliers, customers, scrap, inventory adjustments).
STOCKED_KINDS = ("internal", "van", "transit", "repairer")
KINDS = ("internal", "van", "customer", "supplier", "repairer", "scrap", "transit", "inventory")


class Location(Audited, Table, tablename="warehouse_location"):
    name = Varchar(length=100)
    # "WH1/Stock/Shelf A": the path from the warehouse, kept for display and search.
    full_name = Varchar(length=300, index=True)
    kind = Varchar(length=20, default="internal")
    warehouse = ForeignKey(Warehouse, null=True, default=None, on_delete=OnDelete.restrict)
    parent: ForeignKey = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)
    # A van belongs to the technician who drives it.
    user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    # A customer, supplier or external repairer location stands for that partner.
    partner = ForeignKey(Partner, null=True, default=None, on_delete=OnDelete.restrict)
    # Cycle counting: a count is opened every `count_interval_days` (0: never).
    count_interval_days = Integer(default=0)
    last_counted = Date(null=True, default=None)
    active = Boolean(default=True)
