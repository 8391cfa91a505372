"""Dispatch: the board, technicians (teams, absences), "My day" and the eligibility hook."""

from core.modules.manifest import Menu, Part, Permission
from modules.field_service.controllers.dispatch import READ, WRITE, DispatchController
from modules.field_service.controllers.my_day import READ as MY_DAY
from modules.field_service.controllers.my_day import MyDayController
from modules.field_service.controllers.technician import (
    ABSENCE_READ,
    ABSENCE_WRITE,
    TEAM_READ,
    TEAM_WRITE,
    AbsenceController,
    TeamController,
    TechnicianController,
)
from modules.field_service.controllers.technician import (
    READ as TECH_READ,
)
from modules.field_service.controllers.technician import (
    WRITE as TECH_WRITE,
)

PLANNING = (READ, WRITE, TECH_READ, TECH_WRITE, TEAM_READ, TEAM_WRITE, ABSENCE_READ, ABSENCE_WRITE)

PART = Part(
    controllers=(DispatchController, MyDayController, TechnicianController, TeamController, AbsenceController),
    menus=(
        Menu("Dispatch board", "/field-service/dispatch", READ, order=20, parent="Field service"),
        Menu("My day", "/field-service/my-day", MY_DAY, order=5, parent="Field service"),
        Menu("Technicians", "/field-service/technicians", TECH_READ, order=60, parent="Field service"),
        Menu("Teams", "/field-service/teams", TEAM_READ, order=61, parent="Field service"),
        Menu("Absences", "/field-service/absences", ABSENCE_READ, order=62, parent="Field service"),
    ),
    permissions=(
        Permission(READ, "See the dispatch board"),
        Permission(WRITE, "Plan and reassign work on the dispatch board"),
        Permission(MY_DAY, "See one's own jobs of the day (My day)"),
        Permission(TECH_READ, "See technicians, their skills and working hours"),
        Permission(TECH_WRITE, "Manage technicians"),
        Permission(TEAM_READ, "See teams"),
        Permission(TEAM_WRITE, "Manage teams"),
        Permission(ABSENCE_READ, "See absences"),
        Permission(ABSENCE_WRITE, "Record absences"),
    ),
    grants={
        "manager": (*PLANNING, MY_DAY),
        "dispatcher": PLANNING,
        "technician": (MY_DAY,),
    },
)
