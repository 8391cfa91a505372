"""Printed documents of the equipment register: the QR label stuck on a machine (linking to
its page) and the machine's history sheet (every work order, part and check)."""

from __future__ import annotations

from typing import Any

import segno

from core.modules.manifest import Report
from core.partners.models import Partner
from core.products.models import Product
from modules.field_service.models.equipment import Equipment
from modules.field_service.services import equipment as equipments

READ = "field_service.equipment.read"


async def _machine(record_id: int | None) -> dict[str, Any]:
    row = await Equipment.select().where(Equipment.id == record_id).first().run()
    if row is None:
        raise LookupError(f"equipment #{record_id} does not exist")
    return row


def qr_svg(url: str) -> str:
    """The QR code of `url` as an SVG data: URI (made here, no network; medium error
    correction survives a scratched label)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


async def label(record_id: int | None) -> dict[str, Any]:
    row = await _machine(record_id)
    url = await equipments.equipment_url(row["id"])
    product = await Product.select(Product.code, Product.name).where(Product.id == row["product"]).first().run()
    partner = await Partner.select(Partner.name).where(Partner.id == row["partner"]).first().run()
    return {"equipment": row, "product": product, "partner": partner, "url": url, "qr": qr_svg(url),
            "serial": row["serial"]}


async def history_sheet(record_id: int | None) -> dict[str, Any]:
    row = await _machine(record_id)
    product = await Product.select(Product.code, Product.name).where(Product.id == row["product"]).first().run()
    partner = await Partner.select().where(Partner.id == row["partner"]).first().run()
    on = await equipments.today()
    from modules.field_service.controllers.equipment import (
        CONDITIONS,
        COVERAGE_LABELS,
        WO_KINDS,
        WO_STATES,
        badge,
    )

    warranty = equipments.warranty_state(row, on)
    return {"equipment": row, "product": product, "partner": partner, **await equipments.history(row["id"]),
            "warranty": warranty, "parts_badge": badge(warranty.parts), "labour_badge": badge(warranty.labour),
            "printed_on": on, "conditions": CONDITIONS, "wo_kinds": WO_KINDS, "wo_states": WO_STATES,
            "coverage_labels": COVERAGE_LABELS, "serial": row["serial"]}


# 62 x 29 mm: the common continuous label roll of small label printers. Core's report papers
# are sheet sizes, so the template sets its own page size (an author style beats the
# renderer's paper, a user style).
LABEL = Report(
    name="field_service_equipment_label", title="QR label", template="field_service/reports/equipment_label.html",
    context=label, permission=READ, model=Equipment._meta.tablename, filename="label-{serial}.pdf",
)

HISTORY_SHEET = Report(
    name="field_service_equipment_history", title="Equipment history",
    template="field_service/reports/equipment_history.html", context=history_sheet, permission=READ,
    model=Equipment._meta.tablename, filename="history-{serial}.pdf",
)
