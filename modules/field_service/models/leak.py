"""Lost-revenue findings of the nightly detector. `ref` identifies what leaked (e.g.
"part_line:12"), so a finding is recorded once however often the detector runs."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Date, ForeignKey, Numeric, OnDelete, Text, Varchar
from piccolo.table import Table

from core.db.mixins import Audited
from modules.field_service.models.work_order import WorkOrder

KINDS = ("unbilled_work", "unbilled_parts", "labour_gap", "expired_cover")


class Leak(Audited, Table, tablename="field_service_leak"):
    kind = Varchar(length=20, index=True)
    work_order = ForeignKey(WorkOrder, null=False, on_delete=OnDelete.cascade, index=True)
    ref = Varchar(length=100)
    value = Numeric(digits=(12, 2), default=D(0))  # revenue at stake
    detail = Text(default="")
    found_on = Date()
    resolved_on = Date(null=True, default=None, index=True)
