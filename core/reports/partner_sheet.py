"""The partner contact sheet: one organisation (or person) with everyone we deal with there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.modules.manifest import Report
from core.partners.models import Partner


async def contact_sheet(record_id: int | None) -> dict[str, Any]:
    partner = await Partner.select(
        *Partner.all_columns(), Partner.territory.name.as_alias("territory_name"),
    ).where(Partner._meta.primary_key == record_id).first().run()
    if partner is None:
        raise LookupError(f"partner #{record_id} does not exist")
    contacts = await Partner.select().where(Partner.parent == record_id).order_by(Partner.name).run()
    parent = None
    if partner["parent"]:
        parent = await Partner.select(Partner.name).where(Partner._meta.primary_key == partner["parent"]).first().run()
    roles = [label for flag, label in (("is_customer", "Customer"), ("is_supplier", "Supplier")) if partner[flag]]
    return {
        "partner": partner,
        "parent": parent,
        "contacts": contacts,
        "roles": roles,
        "with_email": sum(1 for c in contacts if c["email"]),
        "printed_on": dt.date.today(),
        "slug": (partner["reference"] or f"partner-{record_id}"),
    }


CONTACT_SHEET = Report(
    name="partner_contact_sheet",
    title="Contact sheet",
    template="core/reports/partner_sheet.html",
    context=contact_sheet,
    permission="core.partner.read",
    model=Partner._meta.tablename,
    filename="contact-sheet-{slug}.pdf",
)
