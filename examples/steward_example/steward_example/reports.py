"""The water test certificate: one PDF per test, for the customer's file and the technician's van."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from core.auth.models import User
from core.modules.manifest import Report
from steward_example.models.water_test import WaterTest
from steward_example.services.water_test import TENTH, advice

GAUGE_MAX = Decimal(30)  # °dH at the right end of the gauge; harder water pins the needle there
# (upper bound °dH, label, colour) of the gauge's bands, matching the advice thresholds.
BANDS = ((4, "soft", "#3f9b5a"), (10, "medium", "#9cbf3b"), (18, "hard", "#e0a526"), (30, "very hard", "#c8452f"))
CENTRE, RADIUS = (120.0, 110.0), 90.0


def _point(value: float, radius: float = RADIUS) -> tuple[float, float]:
    """A point on the half circle: 0 °dH at the left, GAUGE_MAX at the right."""
    angle = math.pi * (1 - min(value, float(GAUGE_MAX)) / float(GAUGE_MAX))
    return round(CENTRE[0] + radius * math.cos(angle), 2), round(CENTRE[1] - radius * math.sin(angle), 2)


def band(hardness: Decimal) -> str:
    """The gauge band a reading falls in (same thresholds as the advice)."""
    if hardness < 4:
        return "soft"
    return "medium" if hardness <= 10 else "hard" if hardness <= 18 else "very hard"


def gauge(hardness: Decimal) -> dict[str, Any]:
    """Arcs for each band and the needle's end, in SVG user units."""
    arcs, start = [], 0.0
    for upper, label, colour in BANDS:
        (x1, y1), (x2, y2) = _point(start), _point(upper)
        arcs.append({"d": f"M {x1} {y1} A {RADIUS} {RADIUS} 0 0 1 {x2} {y2}", "colour": colour, "label": label})
        start = upper
    return {"arcs": arcs, "needle": _point(float(hardness), RADIUS - 18), "centre": CENTRE,
            "ticks": [{"value": v, "at": _point(v, RADIUS + 14)} for v in (0, 4, 10, 18, 30)]}


async def certificate(record_id: int | None) -> dict[str, Any]:
    test = await WaterTest.select(
        *WaterTest.all_columns(), *WaterTest.partner.all_columns(exclude=["id"]),
    ).where(WaterTest.id == record_id).first().run()
    if test is None:
        raise LookupError(f"water test #{record_id} does not exist")
    hardness = Decimal(test["hardness"]).quantize(TENTH)
    tester = None
    if test["created_by"]:
        tester = await User.select(User.name, User.login).where(User.id == test["created_by"]).first().run()
    return {
        "test": test,
        "customer": {k.removeprefix("partner."): v for k, v in test.items() if k.startswith("partner.")},
        "hardness": hardness,
        "advice": advice(hardness),
        "band": band(hardness),
        "gauge": gauge(hardness),
        "number": f"WT-{record_id:05}",
        "tester": (tester["name"] or tester["login"]) if tester else "",
    }


CERTIFICATE = Report(
    name="example_water_test_certificate",
    title="Water test certificate",
    template="example/water_test/certificate.html",
    context=certificate,
    permission="example.water_test.read",
    model=WaterTest._meta.tablename,
    filename="water-test-{number}.pdf",
)
