"""Printed documents of the returns area: the return (RMA) form and the count sheet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.modules.manifest import Report
from core.partners.models import Partner
from core.reports.render import partner_language
from modules.warehouse.models.count import Count
from modules.warehouse.models.location import Location
from modules.warehouse.models.rma import Return
from modules.warehouse.services import count, rma


async def rma_form(record_id: int | None) -> dict[str, Any]:
    ret = await Return.select().where(Return.id == record_id).first().run()
    if ret is None:
        raise LookupError(f"return #{record_id} does not exist")
    customer = await Partner.select().where(Partner.id == ret["partner"]).first().run()
    moved = await rma.transfers_of(ret["id"])
    received = next((t for t in moved if t["kind"] == "customer_return"), None)
    return {
        "rma": ret, "customer": customer, "lines": await rma.lines(ret["id"]),
        "received_into": received["destination_name"] if received else "",
        "done_labels": rma.DONE_LABELS, "state_labels": rma.STATE_LABELS,
        "printed_on": dt.date.today(), "number": ret["number"],
    }


async def count_sheet(record_id: int | None) -> dict[str, Any]:
    row = await Count.select().where(Count.id == record_id).first().run()
    if row is None:
        raise LookupError(f"count #{record_id} does not exist")
    place = await Location.select(Location.full_name, Location.last_counted).where(
        Location.id == row["location"]).first().run()
    lines = await count.lines(row["id"])
    return {
        "count": row, "place": place, "lines": lines, "state_labels": count.STATE_LABELS,
        "printed_on": dt.date.today(), "number": row["number"],
    }


RMA_FORM = Report(
    name="warehouse_rma_form", title="Return form", template="warehouse/reports/rma.html", context=rma_form,
    permission="warehouse.return.read", model=Return._meta.tablename, filename="{number}.pdf",
    language=partner_language(Return),
)

COUNT_SHEET = Report(
    name="warehouse_count_sheet", title="Count sheet", template="warehouse/reports/count_sheet.html",
    context=count_sheet, permission="warehouse.count.read", model=Count._meta.tablename,
    filename="{number}.pdf",
)
