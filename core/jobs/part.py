"""What the jobs area contributes to core's manifest."""

from core.jobs.controllers import JobsController
from core.jobs.models import JobIdempotency, JobMessage, JobRun, ScheduleRecord
from core.modules.manifest import Menu, Part, Permission

PART = Part(
    tables=(JobMessage, JobRun, JobIdempotency, ScheduleRecord),
    controllers=(JobsController,),
    menus=(
        Menu("Jobs", "/admin/jobs", "core.job.admin", order=80, parent="Settings"),
        Menu("Schedules", "/admin/jobs/schedules", "core.job.admin", order=81, parent="Settings"),
    ),
    permissions=(Permission("core.job.admin", "See, retry and schedule background jobs"),),
)
