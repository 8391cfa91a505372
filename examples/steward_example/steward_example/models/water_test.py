"""A water hardness test taken at a customer's site."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Numeric, OnDelete, Text
from piccolo.table import Table

from core.db.mixins import Audited
from core.partners.models import Partner


class WaterTest(Audited, Table, tablename="example_water_test"):
    # restrict: a partner with recorded tests cannot be deleted out from under them.
    partner = ForeignKey(Partner, on_delete=OnDelete.restrict)
    measured_on = Date()
    # German degrees of hardness (°dH), one decimal, as test kits report them.
    hardness = Numeric(digits=(4, 1))
    notes = Text(default="")
