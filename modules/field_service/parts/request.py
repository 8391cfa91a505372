"""Service requests: intake (staff and the public form), routing, SLA policies and calendars,
the five-minute SLA check and the "Open requests by SLA state" tile."""

from core.modules.manifest import Job, Menu, Part, Permission, RecordRule, Schedule, Widget
from modules.field_service import jobs_request
from modules.field_service.controllers.calendar import CalendarController, HolidayController
from modules.field_service.controllers.request import RequestController, sla_tile
from modules.field_service.controllers.request_form import PublicRequestController
from modules.field_service.controllers.routing_rule import RoutingRuleController
from modules.field_service.controllers.sla_policy import SlaPolicyController
from modules.field_service.models.request import Request

READ, WRITE = "field_service.request.read", "field_service.request.write"
SLA_WRITE, ROUTING_WRITE = "field_service.sla.write", "field_service.routing.write"


def own_requests(user: int) -> object:
    """Requests assigned to the technician."""
    return Request.assignee == user


PART = Part(
    controllers=(RequestController, PublicRequestController, SlaPolicyController, CalendarController,
                 HolidayController, RoutingRuleController),
    menus=(
        Menu("Service requests", "/field-service/requests", READ, order=10, parent="Field service"),
        Menu("SLA policies", "/field-service/sla-policies", SLA_WRITE, order=70, parent="Field service"),
        Menu("Working calendars", "/field-service/calendars", SLA_WRITE, order=71, parent="Field service"),
        Menu("Routing rules", "/field-service/routing-rules", ROUTING_WRITE, order=72, parent="Field service"),
    ),
    permissions=(
        Permission(READ, "See service requests, SLA policies, calendars and routing rules"),
        Permission(WRITE, "Take in, assign, convert and close service requests"),
        Permission(SLA_WRITE, "Manage SLA policies and working calendars"),
        Permission(ROUTING_WRITE, "Manage routing rules"),
    ),
    grants={
        "manager": (READ, WRITE, SLA_WRITE, ROUTING_WRITE),
        "dispatcher": (READ, WRITE, ROUTING_WRITE),
        # Sales take calls from customers too.
        "sales": (READ, WRITE),
        # Technicians see and work on the requests assigned to them (record rule below).
        "technician": (READ, WRITE),
    },
    record_rules=(RecordRule("technicians see only the requests assigned to them", Request, ("technician",),
                             own_requests),),
    jobs=(Job(jobs_request.check_sla),),
    schedules=(Schedule("check_sla", "*/5 * * * *", name="sla_check"),),
    widgets=(Widget("field_service.open_requests", "field_service/dashboard/open_requests.html", READ, sla_tile,
                    order=30, label="Open requests by SLA state"),),
)
