"""The warehouse module's background jobs (declared in its parts' manifests)."""

from __future__ import annotations

from typing import Any


async def reorder(rule_id: int | None = None) -> dict[str, int]:
    """Nightly and on demand: draft purchase orders and van refills for rules below their
    minimum (one rule, or all), then mail the purchasers a summary."""
    from modules.warehouse.services import reorder as reordering

    summary = await reordering.run([rule_id] if rule_id else None)
    return {"orders": len(summary.orders), "transfers": len(summary.transfers), "unsourced": len(summary.unsourced)}


async def send_purchase_order(order_id: int, user_id: int | None = None) -> Any:
    """Mail a draft purchase order's PDF to its supplier, in the supplier's language, and mark it sent."""
    from core import i18n
    from core.jobs.broker import current
    from core.mail.compose import recipient_language
    from core.reports import render
    from modules.warehouse.parts.purchase import PURCHASE_ORDER
    from modules.warehouse.services import purchase

    row = await purchase.get(order_id)
    if row["state"] != "draft":
        return None  # sent already (a redelivered message)
    system = current()
    token = i18n.language.set(await recipient_language(partner_id=row["supplier"]))
    try:
        pdf, filename = await render.render_pdf(render.environment(system.catalog), system.catalog, PURCHASE_ORDER,
                                                order_id, await render.company(system.settings.var_dir))
    finally:
        i18n.language.reset(token)
    return await purchase.send(order_id, pdf, filename, sender=user_id)
