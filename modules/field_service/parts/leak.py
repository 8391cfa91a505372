"""Lost revenue: the nightly detector, its page and permissions, and the unbilled-value tile."""

from core.modules.manifest import Job, Menu, Part, Permission, Schedule, SettingField
from modules.field_service import jobs_leak
from modules.field_service.controllers.leak import PATH, READ, RUN, LeakController
from modules.field_service.services.leak import GRACE_DAYS, GRACE_SETTING

PART = Part(
    controllers=(LeakController,),
    menus=(Menu("Lost revenue", PATH, READ, order=80, parent="Field service"),),
    permissions=(
        Permission(READ, "See lost revenue (work and parts not billed)"),
        Permission(RUN, "Run the lost-revenue check now"),
    ),
    # Money matters: the manager only.
    grants={"manager": (READ, RUN)},
    jobs=(Job(jobs_leak.detect_leaks),),
    schedules=(Schedule("detect_leaks", "30 2 * * *", name="nightly_lost_revenue"),),
    settings=(SettingField(GRACE_SETTING, "Days completed work may wait to be billed before it counts as lost revenue",
                           GRACE_DAYS, "int"),),
)
