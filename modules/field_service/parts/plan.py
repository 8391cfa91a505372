"""Preventive maintenance plans: pages, permissions and the daily generator."""

from core.modules.manifest import Job, Menu, Part, Permission, Schedule
from modules.field_service import jobs_plan
from modules.field_service.controllers.plan import READ, WRITE, PlanController

PART = Part(
    controllers=(PlanController,),
    menus=(Menu("Maintenance plans", "/field-service/plans", READ, order=50, parent="Field service"),),
    permissions=(
        Permission(READ, "See maintenance plans"),
        Permission(WRITE, "Make and change maintenance plans and their parts kits"),
    ),
    grants={
        "manager": (READ, WRITE),
        "dispatcher": (READ, WRITE),
    },
    jobs=(Job(jobs_plan.generate_maintenance),),
    # Every morning before the planners start: visits whose lead time has come get their orders.
    schedules=(Schedule("generate_maintenance", "30 5 * * *", name="daily_maintenance_plans"),),
)
