"""Teams, technicians (a user with skills, working hours and a van) and their absences."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Numeric, OnDelete, Varchar
from piccolo.table import Table

from core.auth.models import User
from core.db.mixins import Audited


class Team(Audited, Table, tablename="field_service_team"):
    name = Varchar(length=100, unique=True)
    manager = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)


class Technician(Audited, Table, tablename="field_service_technician"):
    user = ForeignKey(User, null=False, unique=True, on_delete=OnDelete.restrict)
    team = ForeignKey(Team, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    skills = Varchar(length=300, default="")  # comma separated, e.g. "espresso,grinder,water"
    day_start = Varchar(length=5, default="08:00")  # "HH:MM", firm's time zone
    day_end = Varchar(length=5, default="17:00")
    weekdays = Varchar(length=7, default="12345")  # ISO weekdays worked
    van = Integer(null=True, default=None)  # warehouse_location id of the van's stock
    hourly_cost = Numeric(digits=(12, 2), default=D(0))
    active = Boolean(default=True)


class Absence(Audited, Table, tablename="field_service_absence"):
    user = ForeignKey(User, null=False, on_delete=OnDelete.restrict, index=True)
    start_date = Date()  # first and last day away, inclusive
    end_date = Date()
    reason = Varchar(length=200, default="")
