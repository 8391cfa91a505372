"""Working calendars and their holidays (kit CRUD): the business hours SLA targets count in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request

from core.i18n import _
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from modules.field_service.models.calendar import Calendar, Holiday

READ, WRITE = "field_service.request.read", "field_service.sla.write"
HOUR = r"([01][0-9]|2[0-3]):[0-5][0-9]"


def _hours(values: Mapping[str, Any]) -> dict[str, str]:
    errors = {}
    if not values["weekdays"] or any(c not in "1234567" for c in values["weekdays"]) or len(
            set(values["weekdays"])) != len(values["weekdays"]):
        errors["weekdays"] = _("Give the working days as digits 1 (Monday) to 7 (Sunday), e.g. 12345.")
    if values["day_end"] <= values["day_start"]:
        errors["day_end"] = _("The day must end after it starts.")
    return errors


async def calendar_extra(request: Request, record: Mapping[str, Any]) -> Mapping[str, Any]:
    days = await Holiday.select().where(Holiday.calendar == record["id"]).order_by(Holiday.day).run()
    return {"holidays": days}


CALENDARS = Resource(
    path="/field-service/calendars", table=Calendar, title="Working calendars", singular="Working calendar",
    list=ListSpec(
        table=Calendar,
        columns=(Column("name", "Name", "link"), Column("weekdays", "Working days"),
                 Column("day_start", "Day starts"), Column("day_end", "Day ends")),
        search=("name",), sort="name",
    ),
    form=Form(
        table=Calendar,
        fields=(
            Field("name", "Name", required=True, unique=True),
            Field("weekdays", "Working days", required=True, default="12345", pattern="[1-7]{1,7}",
                  pattern_message="Give the working days as digits 1 (Monday) to 7 (Sunday), e.g. 12345.",
                  help="Digits 1 (Monday) to 7 (Sunday): 12345 is Monday to Friday."),
            Field("day_start", "Day starts", required=True, default="08:00", pattern=HOUR,
                  pattern_message="Enter a time as HH:MM."),
            Field("day_end", "Day ends", required=True, default="17:00", pattern=HOUR,
                  pattern_message="Enter a time as HH:MM."),
        ),
        rules=(_hours,),
    ),
    read=READ, write=WRITE, detail_template="field_service/calendar/detail.html", detail_extra=calendar_extra,
    new_title="New working calendar",
)

HOLIDAYS = Resource(
    path="/field-service/holidays", table=Holiday, title="Holidays", singular="Holiday",
    list=ListSpec(
        table=Holiday,
        columns=(Column("day", "Day", "date"), Column("name", "Name", "link"),
                 Column("calendar_name", "Calendar", source=Holiday.calendar.name)),
        search=("name",), filters=(Filter("calendar", "Calendar", "many2one", table=Calendar),),
        sort="day", dir="desc",
    ),
    form=Form(
        table=Holiday,
        fields=(
            Field("calendar", "Calendar", "many2one", required=True,
                  many2one=Many2one(Calendar, "/field-service/calendars/options")),
            Field("day", "Day", "date", required=True),
            Field("name", "Name", required=True),
        ),
    ),
    read=READ, write=WRITE, detail_template="field_service/calendar/holiday.html", new_title="New holiday",
)

CalendarController = controller(CALENDARS)
HolidayController = controller(HOLIDAYS)
