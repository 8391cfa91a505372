"""A warehouse: a building with its own tree of stock locations."""

from __future__ import annotations

from piccolo.columns import Boolean, Varchar
from piccolo.table import Table

from core.db.mixins import Audited


class Warehouse(Audited, Table, tablename="warehouse_warehouse"):
    code = Varchar(length=10, unique=True)
    name = Varchar(length=100)
    street = Varchar(length=200, default="")
    postcode = Varchar(length=20, default="")
    city = Varchar(length=100, default="")
    active = Boolean(default=True)
