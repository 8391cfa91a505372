"""The demo firm itself."""

from __future__ import annotations

from typing import Any

from core.company.models import Company
from core.db import records

COMPANY: dict[str, Any] = {
    "name": "Koffiepunt Service",
    "legal_name": "Koffiepunt Service B.V.",
    "vat_number": "NL862145397B01",
    "chamber_of_commerce": "71846259",
    "street": "Rietveldenweg 42",
    "postcode": "5222 AP",
    "city": "'s-Hertogenbosch",
    "country": "NL",
    "email": "info@koffiepunt-service.nl",
    "phone": "+31 73 612 4580",
    "iban": "NL64RABO0314729856",
    "currency": "EUR",
    "language": "nl",
    "timezone": "Europe/Amsterdam",
}


async def load_company() -> None:
    # Core data creates the single row as "My Company"; anything else is the user's own.
    row = (
        await Company.select(Company._meta.primary_key, Company.name, Company.version).first().run()
    )
    if row is not None and row["name"] == "My Company":
        await records.update(Company, row["id"], COMPANY, version=row["version"])
