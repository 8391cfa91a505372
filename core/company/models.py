"""The company record (one row) holding firm-wide settings."""

from __future__ import annotations

from piccolo.columns import Varchar
from piccolo.table import Table

from core.db.mixins import Audited


class Company(Audited, Table, tablename="core_company"):
    name = Varchar(length=200)
    legal_name = Varchar(length=200, default="")
    vat_number = Varchar(length=30, default="")
    chamber_of_commerce = Varchar(length=30, default="")
    street = Varchar(length=200, default="")
    postcode = Varchar(length=20, default="")
    city = Varchar(length=100, default="")
    country = Varchar(length=2, default="NL")
    email = Varchar(length=200, default="")
    phone = Varchar(length=50, default="")
    iban = Varchar(length=40, default="")
    currency = Varchar(length=3, default="EUR")
    language = Varchar(length=5, default="nl")
    timezone = Varchar(length=50, default="Europe/Amsterdam")
    logo = Varchar(length=255, default="")
