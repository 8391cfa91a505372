"""Service requests as they stand this morning: open ones in every SLA state (on time, at
risk, breached, and paused while waiting for the customer or for parts), one from the
public web form, one just converted into a work order, and one closed on the phone.

Each request is taken in at a moment chosen so that the given share of its running
target (in business hours of its policy's calendar) has passed now; then the SLA job
runs once, as it does every five minutes, and flags warnings and breaches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D
from functools import partial

from core.db.context import acting_as
from core.db.data import ref
from modules.field_service.demo.clock import MODULE, STAMPED, backdated, once
from modules.field_service.models.request import Request
from modules.field_service.services import calendar as cal
from modules.field_service.services import request as requests
from modules.field_service.services import sla


@dataclass(frozen=True)
class Intake:
    key: str
    customer: str  # core's partner key, "" for someone we do not know yet
    contact: str
    email: str
    phone: str
    machine: str  # equipment key, "" when unknown
    kind: str
    priority: str
    channel: str
    description: str
    elapsed: float  # share of the running SLA target passed now
    then: str = ""  # wait_customer, wait_parts, convert, close
    serial: str = ""


# fmt: off
INTAKES: tuple[Intake, ...] = (
    Intake("dommel_w4", "ziekenhuis_de_dommel", "Karim El Amrani", "k.elamrani@zhdedommel.nl", "+31 73 553 2177",
           "dommel_w4", "repair", "high", "phone", "Ward 4: no hot water for tea, coffee works.", 0.3),
    Intake("kade17_web", "", "Mohamed Bouzid", "mo@kade17.nl", "+31 6 2871 5504", "", "repair", "high", "web",
           "Espresso machine: group 2 pressure gauge drops to 6 bar during extraction.", 0.55, serial="kade17_esp"),
    Intake("brabantse_wal", "hotel_brabantse_wal", "Erik Dekker", "e.dekker@hoteldebrabantsewal.nl", "+31 6 1408 6632",
           "", "repair", "normal", "email", "Our breakfast machine (not bought from you) leaks; can you come?", 0.88),
    Intake("smaakvol", "smaakvol_catering", "Ricardo Martens", "r.martens@smaakvol-catering.nl", "+31 6 2967 1180",
           "", "maintenance", "normal", "phone",
           "Yearly maintenance for the six canteen machines under the framework agreement.", 1.4),
    Intake("duinzicht_demo", "strandhotel_duinzicht", "Charlotte van der Linden", "c.vanderlinden@strandhotelduinzicht.nl",
           "+31 70 354 1881", "", "demonstration", "low", "email",
           "Would like a demonstration of the Sensa multi-boiler for the new rooftop bar.", 0.4, then="wait_customer"),
    Intake("jheronimus_valve", "stadshotel_jheronimus", "Ruud Verhoeven", "r.verhoeven@stadshotel-jheronimus.nl",
           "+31 6 5310 7724", "jheronimus_esp", "repair", "normal", "phone",
           "Steam valve of the bar machine keeps leaking; the valve is on backorder.", 0.5, then="wait_parts"),
    Intake("stratum_drip", "restaurant_stratum", "Fleur Peeters", "fleur@restaurantstratum.nl", "+31 6 1156 2289",
           "stratum_esp", "repair", "normal", "phone", "Group 1 keeps dripping after the shot.", 0.2, then="convert"),
    Intake("waalkade_descale", "waalkade_advocaten", "Esther Jansen", "e.jansen@waalkade-advocaten.nl",
           "+31 24 322 8145", "waalkade_esp", "complaint", "low", "phone",
           "The machine asks for descaling; how is that done?", 0.1, then="close"),
    Intake("koffieenco_grinder", "koffie_en_co", "Yara Ramdin", "yara@koffieenco.nl", "+31 6 2258 1047", "",
           "repair", "urgent", "phone", "Grinder stopped in the middle of the Saturday rush.", 0.95),
)
# fmt: on


def started(wt: cal.WorkingTime, hours: D, now: dt.datetime) -> dt.datetime:
    """The moment from which `hours` business hours have passed by `now`."""
    lo, hi = now - dt.timedelta(days=60), now
    for _step in range(50):
        mid = lo + (hi - lo) / 2
        if cal.business_hours_between(wt, mid, now) > hours:
            lo = mid
        else:
            hi = mid
    return hi


async def _values(intake: Intake) -> dict[str, object]:
    machine = await ref(MODULE, f"equipment.{intake.machine}") if intake.machine else None
    serial = ""
    if intake.serial:
        from modules.field_service.models.equipment import Equipment

        row = await Equipment.select(Equipment.serial).where(
            Equipment.id == await ref(MODULE, f"equipment.{intake.serial}")).first().run()
        serial = row["serial"] if row else ""
    return {"partner": await ref("core", f"partner.{intake.customer}") if intake.customer else None,
            "contact_name": intake.contact, "email": intake.email, "phone": intake.phone, "equipment": machine,
            "serial": serial, "kind": intake.kind, "priority": intake.priority, "channel": intake.channel,
            "description": intake.description}


async def _take_in(intake: Intake, now: dt.datetime) -> int:
    values = await _values(intake)
    # Where the clock would start: the policy the request will get, its target in business hours.
    probe = dict(values)
    if probe["partner"] is None and probe["email"]:
        probe["partner"] = await requests.partner_by_email(str(probe["email"]))
    if probe["equipment"] is None and values["serial"]:
        found = await requests.match_equipment(str(values["serial"]))
        probe["equipment"] = found["id"] if found else None
    policy = await sla.policy_for(probe, now.date())
    wt = await sla.working_time(policy)
    hours = D(policy["response_hours"]) if policy else D(8)
    start = started(wt, hours * D(str(intake.elapsed)), now)
    staff = await ref("core", "user.sales_lotte")
    with acting_as(None if intake.channel == "web" else staff):
        async with backdated(start, *STAMPED):
            row = await requests.create(values, now=start)
    halfway = start + (now - start) / 2
    with acting_as(staff):
        async with backdated(halfway, *STAMPED):
            if intake.then in ("wait_customer", "wait_parts"):
                await requests.wait(row["id"], intake.then.replace("wait_", "waiting_"), now=halfway)
            elif intake.then == "convert":
                await requests.to_work_order(row["id"], now=halfway)
            elif intake.then == "close":
                await requests.close(row["id"], "Explained the descaling program on the phone; the customer "
                                     "did it herself.", now=halfway)
    return int(row["id"])


async def load_requests() -> None:
    now = dt.datetime.now(dt.UTC)
    for intake in INTAKES:
        await once(f"request.{intake.key}", Request, partial(_take_in, intake, now))
    await sla.check(now)
