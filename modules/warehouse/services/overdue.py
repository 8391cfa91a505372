"""Overdue repairs out and vendor claims: the daily flags and the managers' mail.

Flagging is idempotent: a run flags what became overdue since the last one (and
unflags what is back, credited or rejected), and mails the managers only about the
newly flagged, in the same transaction; a second run the same day finds nothing new
and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.auth.models import Role, User, UserRole
from core.db.engine import transaction
from core.mail import service as mail
from core.partners.models import Partner
from modules.warehouse.services import repair, vendor_claim

MAIL = "warehouse.overdue"


async def flag(today: dt.date | None = None) -> dict[str, int]:
    """Flag what is overdue on `today` and mail the managers about the new ones."""
    today = today or dt.date.today()
    async with transaction():
        repairs = await repair.flag_overdue(today)
        claims = await vendor_claim.flag_overdue(today)
        sent = await notify(repairs, claims, today) if repairs or claims else 0
    return {"repairs": len(repairs), "claims": len(claims), "mails": sent}


async def managers() -> list[dict[str, Any]]:
    """Active users with the manager role and an e-mail address."""
    role = Role.select(Role.id).where(Role.name == "manager")
    holders = UserRole.select(UserRole.user).where(UserRole.role.is_in(role))
    return await User.select(User.id, User.name, User.login, User.email).where(
        User.id.is_in(holders) & (User.active == True) & (User.email != "")  # noqa: E712
    ).order_by(User.id).run()


async def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r["id"]: r["name"] for r in await Partner.select(Partner.id, Partner.name).where(
        Partner.id.is_in(list(ids))).run()}


async def notify(repairs: list[dict[str, Any]], claims: list[dict[str, Any]], today: dt.date) -> int:
    """One message per manager listing the newly overdue repairs and claims; returns how many."""
    names = await _names({r["partner"] for r in repairs if r["partner"]} | {c["supplier"] for c in claims})
    context = {
        "today": today,
        "repairs": [{**r, "repairer": names.get(r["partner"], "")} for r in repairs],
        "claims": [{**c, "supplier_name": names.get(c["supplier"], "")} for c in claims],
    }
    people = await managers()
    for person in people:
        await mail.send(person["email"], MAIL, {**context, "recipient_name": person["name"] or person["login"]},
                        user_id=person["id"])
    return len(people)


async def open_items(today: dt.date | None = None, limit: int = 5) -> dict[str, Any]:
    """What is overdue right now (not only what the job flagged), for the dashboard."""
    today = today or dt.date.today()
    repairs = await repair.overdue(today)
    claims = await vendor_claim.overdue(today)
    names = await _names({r["partner"] for r in repairs if r["partner"]} | {c["supplier"] for c in claims})
    return {
        "repair_count": len(repairs), "claim_count": len(claims),
        "repairs": [{**r, "repairer": names.get(r["partner"], ""), "days": (today - r["expected_return"]).days}
                    for r in repairs[:limit]],
        "claims": [{**c, "supplier_name": names.get(c["supplier"], ""), "days": (today - c["due_on"]).days}
                   for c in claims[:limit]],
    }

