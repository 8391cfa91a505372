"""Core's own dashboard tiles: who the customers are and where, what the firm sells,
and what changed lately."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request
from piccolo.query.functions.aggregate import Count

from core.auth.current import current_user
from core.auth.models import User
from core.auth.rules import restrict
from core.db.audit import AuditEntry
from core.i18n import _
from core.partners.models import Partner, Territory
from core.products.models import Product
from core.web.charts import Point, bar_chart, donut_chart

KIND_LABELS = {"stockable": "Stockable", "consumable": "Consumable", "service": "Service"}


async def customers_by_territory(request: Request) -> Mapping[str, Any]:
    registry = await request.app.state.registry.get()
    user = current_user(request)
    assert user is not None
    # Counted by the database (GROUP BY), not by fetching every customer.
    query = Partner.select(Partner.territory, Partner.territory.name, Count()).where(
        (Partner.is_customer == True) & (Partner.active == True) & (Partner.kind == "organisation")  # noqa: E712
    ).group_by(Partner.territory, Partner.territory.name)
    rows = await restrict(query, registry, Partner, user).run()
    counts = {(row["territory"], row["territory.name"] or _("No territory")): row["count"] for row in rows}
    points = [
        Point(label, n, f"/contacts/partners?customer=yes&territory={tid}" if tid else "")
        for (tid, label), n in sorted(counts.items(), key=lambda kv: -kv[1])
    ]
    territories = await Territory.count().run()
    return {"chart": bar_chart(points, title=_("Customers per territory")),
            "total": sum(counts.values()), "territories": territories}


async def products_by_kind(request: Request) -> Mapping[str, Any]:
    rows = await Product.select(Product.kind, Count()).where(
        Product.active == True  # noqa: E712
    ).group_by(Product.kind).run()
    counts = {row["kind"]: row["count"] for row in rows}
    points = [Point(_(KIND_LABELS.get(kind, kind)), n) for kind, n in sorted(counts.items())]
    return {"chart": donut_chart(points, title=_("Active products by kind"))}


async def recent_changes(request: Request) -> Mapping[str, Any]:
    rows = await AuditEntry.select().order_by(AuditEntry._meta.primary_key, ascending=False).limit(40).run()
    seen: set[tuple[str, int, str]] = set()
    changes = []
    for row in rows:  # one line per record and action, not per field
        key = (row["table_name"], row["record_id"], row["action"])
        if key in seen:
            continue
        seen.add(key)
        changes.append(row)
        if len(changes) == 8:
            break
    ids = {c["user_id"] for c in changes if c["user_id"]}
    names = {u["id"]: u["name"] or u["login"] for u in
             await User.select(User._meta.primary_key, User.name, User.login).where(
                 User._meta.primary_key.is_in(list(ids) or [0])).run()}
    return {"changes": [{**c, "who": names.get(c["user_id"], _("System")), "what": record_label(c["table_name"])}
                        for c in changes]}


def record_label(table_name: str) -> str:
    """`core_partner` -> "Partner": tables are named `<module>_<concept>`."""
    concept = table_name.split("_", 1)[-1].replace("_", " ")
    return _(concept[:1].upper() + concept[1:])
