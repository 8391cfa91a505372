"""Job types: default duration, required skills, the labour article and the checklist template
(the firm's quality standard for that job)."""

from __future__ import annotations

from decimal import Decimal as D

from piccolo.columns import Boolean, ForeignKey, Integer, Numeric, OnDelete, Varchar
from piccolo.table import Table

from core.db.mixins import Audited
from core.products.models import Product

KINDS = ("repair", "preventive", "installation", "inspection", "demonstration", "recall")
CHECK_KINDS = ("passfail", "measure", "text", "photo")
MEASURE = (14, 4)


class JobType(Audited, Table, tablename="field_service_job_type"):
    name = Varchar(length=100, unique=True)
    kind = Varchar(length=20, default="repair")  # the work order kind it is meant for
    duration_minutes = Integer(default=60)
    skills = Varchar(length=300, default="")  # comma separated, all required
    labour_product = ForeignKey(Product, null=True, default=None, on_delete=OnDelete.restrict)
    hourly_rate = Numeric(digits=(12, 2), default=D(0))
    active = Boolean(default=True)


class CheckTemplate(Audited, Table, tablename="field_service_check_template"):
    job_type = ForeignKey(JobType, null=False, on_delete=OnDelete.cascade, index=True)
    sequence = Integer(default=10)
    label = Varchar(length=200)
    kind = Varchar(length=10, default="passfail")
    unit = Varchar(length=20, default="")  # measurements: "bar", "°C", ...
    minimum = Numeric(digits=MEASURE, null=True, default=None)  # tolerance, inclusive
    maximum = Numeric(digits=MEASURE, null=True, default=None)
    required = Boolean(default=True)
