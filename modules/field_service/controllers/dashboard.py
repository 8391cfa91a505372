"""Dashboard tiles: today's schedule load, the first-time-fix rate and the unbilled value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from litestar import Request

from core.i18n import _, fmt_number
from core.web.charts import Point, bar_chart
from core.web.kit.calendar import firm_timezone
from modules.field_service.services import dashboard


async def schedule_load_tile(request: Request) -> Mapping[str, Any]:
    zone = await firm_timezone()
    today = dt.datetime.now(zone).date()
    loads = await dashboard.schedule_load(today, zone)
    points = [Point(_("%(name)s (%(hours)s h)", name=ld.name, hours=fmt_number(ld.available, 1)), float(ld.planned),
                    f"/field-service/dispatch?date={today.isoformat()}") for ld in loads]
    planned = sum(ld.planned for ld in loads)
    available = sum(ld.available for ld in loads)
    return {"chart": bar_chart(points, title=_("No technicians yet")), "loads": loads, "planned": planned,
            "available": available, "percent": int(planned * 100 / available) if available else None,
            "over": [ld for ld in loads if ld.planned > ld.available], "today": today}


async def first_time_fix_tile(request: Request) -> Mapping[str, Any]:
    return {"ftf": await dashboard.first_time_fix(), "days": dashboard.FTF_DAYS, "recall_days": dashboard.RECALL_DAYS}


async def unbilled_tile(request: Request) -> Mapping[str, Any]:
    return {"unbilled": await dashboard.unbilled()}
