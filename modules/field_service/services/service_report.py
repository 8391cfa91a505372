"""Mailing the service report to the customer when the work is done.

`queue` runs inside the completion's transaction, so the job exists exactly when the work
order is done (a rolled-back completion queues nothing). The job renders the PDF in the
customer's language and calls `send`, which mails it and stamps `report_sent_at` in one
transaction, after claiming an idempotency key: a redelivered or doubled job sends once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.db import records
from core.db.engine import transaction
from core.jobs import idempotency
from core.partners.models import Partner
from modules.field_service.models.request import Request
from modules.field_service.models.work_order import WorkOrder
from modules.field_service.services.lifecycle import get

JOB = "field_service.send_service_report"
MAIL = "field_service.service_report"
SENDABLE = ("done", "closed")


async def queue(work_order: int) -> None:
    """Queue the mail of the service report (call it where the order becomes done)."""
    from core.jobs.enqueue import enqueue

    await enqueue(JOB, work_order)


async def recipient(order: dict[str, Any]) -> tuple[str, str]:
    """(name, address) the report goes to: the customer's e-mail, else the one the request gave."""
    partner = await Partner.select(Partner.name, Partner.email).where(Partner.id == order["partner"]).first().run()
    name, email = (partner["name"], partner["email"]) if partner else ("", "")
    if not email and order["request"]:
        req = await Request.select(Request.contact_name, Request.email).where(Request.id == order["request"]).first().run()
        if req and req["email"]:
            name, email = req["contact_name"] or name, req["email"]
    return name, (email or "").strip()


async def due(work_order: int) -> dict[str, Any] | None:
    """The work order if its report is still to be mailed (done, not sent, an address known)."""
    order = await get(work_order)
    if order["state"] not in SENDABLE or order["report_sent_at"] is not None:
        return None
    return order if (await recipient(order))[1] else None


async def send(work_order: int, pdf: bytes, filename: str, context: dict[str, Any]) -> int | None:
    """Mail the report and stamp the order, once. Returns the mail message id (None: nothing
    to do, because it was sent already or there is no address)."""
    from core.mail.service import Attachment
    from core.mail.service import send as send_mail

    async with transaction():
        order = await due(work_order)
        if order is None or not await idempotency.claim(f"{JOB}:{work_order}"):
            return None
        name, email = await recipient(order)
        message = await send_mail(email, MAIL, {**context, "recipient_name": name},
                                  attachments=[Attachment(filename, "application/pdf", pdf)],
                                  partner_id=order["partner"], related=(WorkOrder._meta.tablename, work_order))
        await records.update(WorkOrder, work_order, {"report_sent_at": dt.datetime.now(dt.UTC)},
                             version=order["version"])
    return message
