"""Working calendars: the business hours SLA deadlines are counted in, and their holidays."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, OnDelete, Varchar
from piccolo.table import Table

from core.db.mixins import Audited


class Calendar(Audited, Table, tablename="field_service_calendar"):
    name = Varchar(length=100, unique=True)
    weekdays = Varchar(length=7, default="12345")  # ISO weekdays worked: 1 = Monday ... 7 = Sunday
    # "HH:MM" in the firm's time zone; zero-padded, so text order is time order.
    day_start = Varchar(length=5, default="08:00")
    day_end = Varchar(length=5, default="17:00")


class Holiday(Audited, Table, tablename="field_service_holiday"):
    calendar = ForeignKey(Calendar, null=False, on_delete=OnDelete.cascade, index=True)
    day = Date()
    name = Varchar(length=100, default="")
