"""Technicians: who works when (working days and hours, absences), with which skills and van.

A technician is a user with a profile (`Technician`); without one a user counts as working
the default week (Monday to Friday, 08:00-17:00) with no skills. Hours are "HH:MM" in the
firm's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from core.auth.models import User
from core.i18n import _
from modules.field_service.models.technician import Absence, Technician

HHMM_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
WEEKDAYS_RE = re.compile(r"^[1-7]{1,7}$")
DEFAULT = {"weekdays": "12345", "day_start": "08:00", "day_end": "17:00", "skills": "", "van": None,
           "team": None, "active": True}


@dataclass(frozen=True)
class Profile:
    """What planning needs to know of one technician."""

    user: int
    name: str
    weekdays: str
    day_start: str
    day_end: str
    skills: frozenset[str]
    van: int | None
    team: int | None
    active: bool = True

    def works_on(self, day: dt.date) -> bool:
        return str(day.isoweekday()) in self.weekdays

    def hours_on(self, day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime] | None:
        """Start and end of the working day `day` (aware, firm's zone), None on a day off."""
        if not self.works_on(day):
            return None
        return at(day, self.day_start, tz), at(day, self.day_end, tz)


def at(day: dt.date, hhmm: str, tz: ZoneInfo) -> dt.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tz)


def skill_set(text: str | None) -> frozenset[str]:
    """"Espresso, grinder ,water" -> {"espresso", "grinder", "water"}."""
    return frozenset(s.strip().lower() for s in (text or "").split(",") if s.strip())


def _profile(row: Mapping[str, Any]) -> Profile:
    return Profile(user=row["user"], name=row.get("name") or row.get("login") or str(row["user"]),
                   weekdays=row["weekdays"] or "", day_start=row["day_start"], day_end=row["day_end"],
                   skills=skill_set(row["skills"]), van=row["van"], team=row["team"], active=row["active"])


async def profiles(users: Iterable[int]) -> dict[int, Profile]:
    """{user id: Profile} for `users`; users without a technician profile get the defaults."""
    ids = sorted(set(users))
    if not ids:
        return {}
    rows = await Technician.select(
        Technician.user, Technician.weekdays, Technician.day_start, Technician.day_end, Technician.skills,
        Technician.van, Technician.team, Technician.active,
        Technician.user.name.as_alias("name"), Technician.user.login.as_alias("login"),
    ).where(Technician.user.is_in(ids)).run()
    found = {r["user"]: _profile(r) for r in rows}
    missing = [u for u in ids if u not in found]
    if missing:
        for u in await User.select(User.id, User.name, User.login).where(User.id.is_in(missing)).run():
            found[u["id"]] = _profile({**DEFAULT, "user": u["id"], "name": u["name"], "login": u["login"]})
    return found


async def profile(user: int) -> Profile | None:
    return (await profiles([user])).get(user)


async def roster(team: int | None = None) -> list[Profile]:
    """Active technicians (by name), optionally of one team: the rows of the dispatch board."""
    query = Technician.select(
        Technician.user, Technician.weekdays, Technician.day_start, Technician.day_end, Technician.skills,
        Technician.van, Technician.team, Technician.active,
        Technician.user.name.as_alias("name"), Technician.user.login.as_alias("login"),
    ).where((Technician.active == True) & (Technician.user.active == True))  # noqa: E712
    if team is not None:
        query = query.where(Technician.team == team)
    rows = await query.run()
    return sorted((_profile(r) for r in rows), key=lambda p: p.name.lower())


async def absences(users: Iterable[int], first: dt.date, last: dt.date) -> dict[int, list[dict[str, Any]]]:
    """{user: absences touching first..last}."""
    ids = sorted(set(users))
    found: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return found
    rows = await Absence.select().where(
        Absence.user.is_in(ids) & (Absence.start_date <= last) & (Absence.end_date >= first)
    ).order_by(Absence.start_date).run()
    for r in rows:
        found.setdefault(r["user"], []).append(r)
    return found


def absent_on(rows: Sequence[Mapping[str, Any]], day: dt.date) -> Mapping[str, Any] | None:
    return next((r for r in rows if r["start_date"] <= day <= r["end_date"]), None)


async def absence_on(user: int, day: dt.date) -> Mapping[str, Any] | None:
    return absent_on((await absences([user], day, day)).get(user, []), day)


def check_profile(values: Mapping[str, Any]) -> dict[str, str]:
    """Form rule for a technician profile: hours as HH:MM, start before end, ISO weekdays."""
    errors: dict[str, str] = {}
    for name in ("day_start", "day_end"):
        if values.get(name) and not HHMM_RE.match(str(values[name])):
            errors[name] = _("Enter a time as HH:MM, e.g. 08:00.")
    weekdays = str(values.get("weekdays") or "")
    if weekdays and (not WEEKDAYS_RE.match(weekdays) or len(set(weekdays)) != len(weekdays)):
        errors["weekdays"] = _("Enter the working days as digits 1 (Monday) to 7 (Sunday), each once, e.g. 12345.")
    if not errors and values.get("day_start") and values.get("day_end") and values["day_start"] >= values["day_end"]:
        errors["day_end"] = _("The working day must end after it starts.")
    return errors


def check_absence(values: Mapping[str, Any]) -> dict[str, str]:
    if values.get("start_date") and values.get("end_date") and values["end_date"] < values["start_date"]:
        return {"end_date": _("The last day cannot be before the first day.")}
    return {}
