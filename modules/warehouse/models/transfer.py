"""A transfer: a document grouping moves between two locations (receipt, delivery, van refill...)."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.db.mixins import Audited
from core.partners.models import Partner
from modules.warehouse.models.location import Location
from modules.warehouse.models.lot import Lot

KINDS = ("receipt", "delivery", "internal", "customer_return", "repair_out", "repair_in", "scrap", "adjustment")
STATES = ("draft", "reserved", "done", "cancelled")


class Transfer(Audited, Table, tablename="warehouse_transfer"):
    number = Varchar(length=30, unique=True)
    kind = Varchar(length=20, default="internal")
    state = Varchar(length=20, default="draft", index=True)
    source = ForeignKey(Location, on_delete=OnDelete.restrict)
    destination = ForeignKey(Location, on_delete=OnDelete.restrict)
    partner = ForeignKey(Partner, null=True, default=None, on_delete=OnDelete.restrict)
    # What asked for it: "PO/2026/00012", "WO/2026/00042", a reorder rule...
    origin = Varchar(length=100, default="", index=True)
    scheduled = Date(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
    backorder_of: ForeignKey = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)
    note = Text(default="")
    # Units sent to an external repairer.
    carrier = Varchar(length=100, default="")
    tracking_number = Varchar(length=100, default="")
    expected_return = Date(null=True, default=None)
    loaner = ForeignKey(Lot, null=True, default=None, on_delete=OnDelete.restrict)
    overdue = Varchar(length=10, default="")  # "yes" once the overdue job flagged it
