"""Partners: customers, suppliers and their contact people, with addresses and territory."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Text, Varchar
from piccolo.table import Table

from core.db.mixins import Audited

PARTNER_KINDS = ("organisation", "person")


class Territory(Audited, Table, tablename="core_territory"):
    code = Varchar(length=20, unique=True)
    name = Varchar(length=100)
    # Postcode prefixes (comma separated, e.g. "50,51,52") used to route new partners.
    postcodes = Varchar(length=200, default="")


class Partner(Audited, Table, tablename="core_partner"):
    kind = Varchar(length=20, default="organisation")
    # Indexed with id and the searched columns by core_partner_list_name (a migration).
    name = Varchar(length=200)
    # A person belongs to an organisation; organisations have no parent.
    parent: ForeignKey = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)
    is_customer = Boolean(default=False)
    is_supplier = Boolean(default=False)
    reference = Varchar(length=50, default="", index=True)
    vat_number = Varchar(length=30, default="")
    email = Varchar(length=200, default="")
    phone = Varchar(length=50, default="")
    job_title = Varchar(length=100, default="")
    street = Varchar(length=200, default="")
    postcode = Varchar(length=20, default="")
    city = Varchar(length=100, default="")
    country = Varchar(length=2, default="NL")
    territory = ForeignKey(Territory, null=True, default=None, on_delete=OnDelete.restrict)
    language = Varchar(length=5, default="nl")
    notes = Text(default="")
    active = Boolean(default=True)
