"""Job types and their checklist templates (the firm's quality standard per job): pages and
permissions."""

from core.modules.manifest import Menu, Part, Permission
from modules.field_service.controllers.job_type import PATH, READ, WRITE, JobTypeController

PART = Part(
    controllers=(JobTypeController,),
    menus=(Menu("Job types", PATH, READ, order=65, parent="Field service"),),
    permissions=(
        Permission(READ, "See job types and their quality standards"),
        Permission(WRITE, "Make and change job types and their checklists"),
    ),
    grants={
        "manager": (READ, WRITE),
        # Technicians and dispatchers read the standard they work to.
        "dispatcher": (READ,),
        "technician": (READ,),
    },
)
