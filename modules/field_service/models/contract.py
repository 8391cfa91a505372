"""Service contracts: what a customer's yearly fee covers (parts, labour, travel, visits)."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Numeric, OnDelete, Text, Varchar
from piccolo.table import Table

from core.db.mixins import Audited
from core.partners.models import Partner

STATES = ("draft", "active", "expired", "cancelled")
PERCENT = (5, 2)
MONEY = (12, 2)


class Contract(Audited, Table, tablename="field_service_contract"):
    number = Varchar(length=30, unique=True)  # SC/2026/00001, sequence "field_service.contract"
    partner = ForeignKey(Partner, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=200, default="")
    # `start_date`/`end_date` rather than `start`/`end`: END is an SQL keyword.
    start_date = Date()
    end_date = Date()
    state = Varchar(length=20, default="draft", index=True)
    parts_coverage = Numeric(digits=PERCENT, default=D(0))  # percent of parts the contract pays
    labour_coverage = Numeric(digits=PERCENT, default=D(0))  # percent of labour the contract pays
    travel_covered = Boolean(default=False)
    visits_per_year = Integer(default=0)
    yearly_price = Numeric(digits=MONEY, default=D(0))
    notes = Text(default="")
