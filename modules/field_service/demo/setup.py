"""How Koffiepunt's service department is organised: office hours with the Dutch public
holidays, two teams, four technicians (three with a van), job types with the firm's
quality checklists, SLA policies and routing rules.

Refs (module "field_service"): `calendar.office`, `calendar.extended`, `team.<key>`,
`technician.<user key>`, `job_type.<key>`, `sla.<key>`, `routing.<key>`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from core.db.data import ensure, ref
from modules.field_service.demo.clock import MODULE, day, once, today
from modules.field_service.models.calendar import Calendar, Holiday
from modules.field_service.models.job_type import CheckTemplate, JobType
from modules.field_service.models.routing import RoutingRule
from modules.field_service.models.sla import SlaPolicy
from modules.field_service.models.technician import Absence, Team, Technician

# (key, name, weekdays, start, end)
CALENDARS = (
    ("office", "Koffiepunt office hours", "12345", "08:00", "17:00"),
    # The hospital's contract: machines on the wards are looked at every day of the week.
    ("extended", "Seven days, 07:00-22:00", "1234567", "07:00", "22:00"),
)

# (key, name, manager user key)
TEAMS = (("brabant", "Team Brabant", "manager_eva"), ("midden", "Team Midden & Randstad", "manager_eva"))

# (user key, team, skills, start, end, weekdays, van, hourly cost)
TECHNICIANS = (
    ("tech_jan", "brabant", "espresso,grinder,bean_to_cup,water", "08:00", "17:00", "12345", True, "42.00"),
    ("tech_sem", "brabant", "espresso,grinder", "08:00", "17:00", "12345", True, "40.00"),
    ("tech_noor", "midden", "bean_to_cup,espresso,water", "07:30", "16:30", "12345", True, "41.00"),
    # Tomasz works a four-day week from the Randstad and does the workshop's repairs on Fridays.
    ("tech_tomasz", "midden", "bean_to_cup,espresso,installation", "08:00", "17:30", "12345", False, "43.00"),
)

# Checks: (label, kind, unit, minimum, maximum, required)
Check = tuple[str, str, str, str | None, str | None, bool]
# (key, name, kind, minutes, skills, checks)
JOB_TYPES: tuple[tuple[str, str, str, int, str, tuple[Check, ...]], ...] = (
    ("espresso_yearly", "Yearly service espresso machine", "preventive", 120, "espresso", (
        ("Descaling done (boiler and heat exchanger)", "passfail", "", None, None, True),
        ("Pump pressure", "measure", "bar", "8", "10", True),
        ("Boiler temperature", "measure", "°C", "118", "125", True),
        ("Group head gaskets and shower screens replaced", "passfail", "", None, None, True),
        ("Photo of the group heads after service", "photo", "", None, None, False),
        ("Remarks for the customer", "text", "", None, None, False),
    )),
    ("btc_yearly", "Yearly service bean-to-cup machine", "preventive", 90, "bean_to_cup", (
        ("Brewing unit cleaned and greased", "passfail", "", None, None, True),
        ("Milk system cleaned, tubes replaced", "passfail", "", None, None, True),
        ("Grind dose", "measure", "g", "7", "9", True),
        ("Water hardness after filter", "measure", "°dH", "3", "7", True),
        ("Water filter cartridge replaced", "passfail", "", None, None, True),
    )),
    ("espresso_repair", "Espresso machine repair", "repair", 90, "espresso", (
        ("Fault found and what was done", "text", "", None, None, True),
        ("Pump pressure", "measure", "bar", "8", "10", True),
        ("Leak test under pressure", "passfail", "", None, None, True),
    )),
    ("grinder_repair", "Grinder repair", "repair", 60, "grinder", (
        ("Burr alignment checked", "passfail", "", None, None, True),
        ("Grind time for 18 g", "measure", "s", "4", "7", True),
    )),
    ("installation", "Installation and commissioning", "installation", 180, "espresso", (
        ("Water connection leak-free", "passfail", "", None, None, True),
        ("Water hardness at the tap", "measure", "°dH", "0", "20", True),
        ("Grind and doses set", "passfail", "", None, None, True),
        ("Staff instructed in cleaning", "passfail", "", None, None, True),
    )),
    ("inspection", "Inspection after a complaint", "inspection", 60, "", (
        ("Complaint reproduced", "passfail", "", None, None, True),
        ("Findings", "text", "", None, None, True),
    )),
)

# (key, name, priority, response h, resolution h, calendar, partner key, territory key, contract key)
SLA_POLICIES = (
    ("low", "Standard, low priority", "low", "16", "80", "office", "", "", ""),
    ("normal", "Standard, normal priority", "normal", "8", "40", "office", "", "", ""),
    ("high", "Standard, high priority", "high", "4", "16", "office", "", "", ""),
    ("urgent", "Standard, urgent", "urgent", "2", "8", "office", "", "", ""),
    ("rzd_normal", "Randstad Zuid, normal (longer drive)", "normal", "8", "56", "office", "", "rzd", ""),
    ("kade17_high", "Espressobar Kade 17: machine down is urgent to them", "high", "2", "8", "office",
     "espressobar_kade17", "", ""),
    ("hospital_high", "Hospital care 24/7, high", "high", "2", "8", "extended", "", "", "hospital"),
    ("hospital_urgent", "Hospital care 24/7, urgent", "urgent", "1", "4", "extended", "", "", "hospital"),
)

# (key, sequence, name, kind, territory, category, team, user, method)
ROUTING = (
    ("installations", 10, "Installations go to Tomasz", "installation", "", "", "midden", "tech_tomasz", "manual"),
    ("nbo", 20, "Noord-Brabant Oost: Team Brabant, least loaded", "", "nbo", "", "brabant", "", "least_loaded"),
    ("nbw", 30, "Noord-Brabant West: Sem", "", "nbw", "", "brabant", "tech_sem", "manual"),
    ("ugl", 40, "Utrecht/Gelderland: Noor", "", "ugl", "", "midden", "tech_noor", "manual"),
    ("rzd_btc", 50, "Randstad Zuid bean-to-cup: Tomasz", "", "rzd", "bean_to_cup", "midden", "tech_tomasz",
     "manual"),
    ("rest", 90, "Everything else: Team Midden & Randstad in turn", "", "", "", "midden", "", "round_robin"),
)


def easter(year: int) -> dt.date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741
    m = (a + 11 * h + 22 * l) // 451
    month, dom = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, dom + 1)


def dutch_holidays(year: int) -> list[tuple[dt.date, str]]:
    """The public holidays Koffiepunt closes on (Liberation Day only in lustrum years, as in
    most collective agreements)."""
    e = easter(year)
    kings = dt.date(year, 4, 27)
    if kings.weekday() == 6:  # on a Sunday it moves to the Saturday before
        kings -= dt.timedelta(days=1)
    days = [(dt.date(year, 1, 1), "Nieuwjaarsdag"), (e - dt.timedelta(days=2), "Goede Vrijdag"),
            (e, "Eerste Paasdag"), (e + dt.timedelta(days=1), "Tweede Paasdag"), (kings, "Koningsdag"),
            (e + dt.timedelta(days=39), "Hemelvaartsdag"), (e + dt.timedelta(days=49), "Eerste Pinksterdag"),
            (e + dt.timedelta(days=50), "Tweede Pinksterdag"), (dt.date(year, 12, 25), "Eerste Kerstdag"),
            (dt.date(year, 12, 26), "Tweede Kerstdag")]
    if year % 5 == 0:
        days.append((dt.date(year, 5, 5), "Bevrijdingsdag"))
    return sorted(days)


async def load_calendars() -> None:
    for key, name, weekdays, start, end in CALENDARS:
        await ensure(MODULE, f"calendar.{key}", Calendar,
                     {"name": name, "weekdays": weekdays, "day_start": start, "day_end": end})
    office = await ref(MODULE, "calendar.office")
    for year in (today().year - 1, today().year, today().year + 1):
        for when, name in dutch_holidays(year):
            await ensure(MODULE, f"holiday.office.{when:%Y%m%d}", Holiday,
                         {"calendar": office, "day": when, "name": name})


async def load_people() -> None:
    for key, name, manager in TEAMS:
        await ensure(MODULE, f"team.{key}", Team, {"name": name, "manager": await ref("core", f"user.{manager}")})
    for user, team, skills, start, end, weekdays, has_van, cost in TECHNICIANS:
        van = await ref("warehouse", f"location.van_{user}") if has_van else None
        await ensure(MODULE, f"technician.{user}", Technician, {
            "user": await ref("core", f"user.{user}"), "team": await ref(MODULE, f"team.{team}"), "skills": skills,
            "day_start": start, "day_end": end, "weekdays": weekdays, "van": van, "hourly_cost": D(cost)})
    # Noor takes two days off next week; Sem had a training day last week.
    for key, user, first, last, reason in (("noor_leave", "tech_noor", day(6), day(7), "Holiday"),
                                           ("sem_training", "tech_sem", day(-4), day(-4), "Training at Suter")):
        async def make(user: str = user, first: dt.date = first, last: dt.date = last, reason: str = reason) -> int:
            from core.db import records

            row = await records.create(Absence, {"user": await ref("core", f"user.{user}"), "start_date": first,
                                                 "end_date": last, "reason": reason})
            return int(row["id"])

        await once(f"absence.{key}", Absence, make)


async def load_job_types() -> None:
    labour = await ref("core", "product.srv_lab")
    for key, name, kind, minutes, skills, checks in JOB_TYPES:
        jt = await ensure(MODULE, f"job_type.{key}", JobType, {
            "name": name, "kind": kind, "duration_minutes": minutes, "skills": skills, "labour_product": labour,
            "hourly_rate": D("89.50")})
        for n, (label, check_kind, unit, low, high, required) in enumerate(checks, 1):
            await ensure(MODULE, f"job_type.{key}.check{n}", CheckTemplate, {
                "job_type": jt, "sequence": n * 10, "label": label, "kind": check_kind, "unit": unit,
                "minimum": D(low) if low else None, "maximum": D(high) if high else None, "required": required})


async def load_sla_policies() -> None:
    """Needs the contracts (installed_base.load_contracts) for the hospital's policies."""
    for key, name, priority, response, resolution, calendar, partner, territory, contract in SLA_POLICIES:
        await ensure(MODULE, f"sla.{key}", SlaPolicy, {
            "name": name, "priority": priority, "response_hours": D(response), "resolution_hours": D(resolution),
            "calendar": await ref(MODULE, f"calendar.{calendar}"),
            "partner": await ref("core", f"partner.{partner}") if partner else None,
            "territory": await ref("core", f"territory.{territory}") if territory else None,
            "contract": await ref(MODULE, f"contract.{contract}") if contract else None,
            "warn_percent": 75 if contract else 80})


async def load_routing() -> None:
    for key, sequence, name, kind, territory, category, team, user, method in ROUTING:
        await ensure(MODULE, f"routing.{key}", RoutingRule, {
            "sequence": sequence, "name": name, "kind": kind,
            "territory": await ref("core", f"territory.{territory}") if territory else None,
            "category": await ref("core", f"category.{category}") if category else None,
            "team": await ref(MODULE, f"team.{team}") if team else None,
            "user": await ref("core", f"user.{user}") if user else None, "method": method})
