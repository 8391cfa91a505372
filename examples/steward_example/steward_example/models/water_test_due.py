"""A customer whose last water test is too old: the nightly job's follow-up record."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, OnDelete, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.partners.models import Partner


class WaterTestDue(Table, tablename="example_water_test_due"):
    partner = ForeignKey(Partner, on_delete=OnDelete.restrict)
    last_tested_on = Date()  # the test that has gone stale; a newer test settles it
    flagged_at = Timestamptz(default=TimestamptzNow())
