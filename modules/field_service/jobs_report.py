"""Mailing the service report on completion (declared in parts/report.py)."""

from __future__ import annotations


async def send_service_report(work_order_id: int) -> int | None:
    """Render the service report in the customer's language and mail it, once."""
    from core import i18n
    from core.jobs.broker import current
    from core.mail.compose import recipient_language
    from core.reports import render
    from modules.field_service.reports_work_order import SERVICE_REPORT, document
    from modules.field_service.services import service_report

    order = await service_report.due(work_order_id)
    if order is None:
        return None  # sent already (a redelivered message), not done, or no address
    system = current()
    token = i18n.language.set(await recipient_language(partner_id=order["partner"]))
    try:
        letterhead = await render.company(system.settings.var_dir)
        pdf, filename = await render.render_pdf(render.environment(system.catalog), system.catalog, SERVICE_REPORT,
                                                work_order_id, letterhead)
        context = {**await document(work_order_id), "company_name": letterhead.get("name", "")}
    finally:
        i18n.language.reset(token)
    return await service_report.send(work_order_id, pdf, filename, context)
