"""The field service module's table of contents: everything it adds to Steward.

The tables (all areas share one data model, see models/__init__.py), roles and
shipped data are in BASE; each area keeps its contributions in `parts/<area>.py`
(one per area, added to the `assemble` call below).
"""

from core.modules.manifest import Manifest, Role, assemble
from modules.field_service.data import load_data
from modules.field_service.demo import load_demo
from modules.field_service.models import TABLES
from modules.field_service.parts import (
    dispatch,
    equipment,
    job_type,
    leak,
    plan,
    report,
    request,
    work_order,
)

BASE = Manifest(
    name="field_service",
    version="0.1.0",
    summary="Service requests, SLAs, equipment, work orders, dispatch, maintenance plans and service reports",
    category="Operations",
    depends=("core", "warehouse", "billing"),
    application=True,
    tables=TABLES,
    roles=(Role("dispatcher", "Dispatcher"),),
    # May a technician do a work order on a day? Subscribers answer reasons against
    # (services/eligibility.py); staff training plugs certifications in here.
    events=("field_service.eligibility",),
    data=(load_data,),
    demo=(load_demo,),
)

MANIFEST = assemble(
    BASE,
    equipment.PART,
    plan.PART,
    work_order.PART,
    leak.PART,
    report.PART,
    dispatch.PART,
    request.PART,
    job_type.PART,
)
