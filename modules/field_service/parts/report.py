"""Work order documents (service report, repair form, maintenance record), the service
report mailed on completion, and the dashboard tiles of schedule load, first-time fix
and unbilled value."""

from core.modules.manifest import Job, Part, Widget
from modules.field_service import jobs_report
from modules.field_service.controllers.dashboard import (
    first_time_fix_tile,
    schedule_load_tile,
    unbilled_tile,
)
from modules.field_service.controllers.leak import READ as LEAK_READ
from modules.field_service.reports_work_order import READ, REPORTS

PART = Part(
    reports=REPORTS,
    # Retried with backoff while the mail or PDF cannot be made; sends once (report_sent_at + claim).
    jobs=(Job(jobs_report.send_service_report),),
    widgets=(
        Widget("field_service.schedule_load", "field_service/dashboard/schedule_load.html", READ, schedule_load_tile,
               order=40, label="Today's schedule load"),
        Widget("field_service.first_time_fix", "field_service/dashboard/first_time_fix.html", LEAK_READ,
               first_time_fix_tile, order=42, label="First-time fix"),
        Widget("field_service.unbilled", "field_service/dashboard/unbilled.html", LEAK_READ, unbilled_tile,
               order=44, label="Unbilled value"),
    ),
)
