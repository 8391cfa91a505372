"""SLA clocks: the most specific policy, deadlines in business hours, pause and resume,
and the five-minute job that warns and marks breaches once."""

from __future__ import annotations

import asyncio
import datetime as dt

from core.auth.models import User
from core.mail.models import MailMessage
from modules.field_service.services import request as requests
from modules.field_service.services import sla
from modules.field_service.tests.request_setup import (
    at,
    customer,
    machine,
    office_calendar,
    policy,
    team,
    technician,
    territory,
)


def ask(partner: int | None, priority: str = "normal", **values: object) -> dict[str, object]:
    return {"partner": partner, "priority": priority, "kind": "repair", "channel": "phone",
            "description": "The grinder jams.", "contact_name": "Anouk", **values}


async def test_the_most_specific_policy_wins(fs_db: str) -> None:
    from core.db import records
    from modules.field_service.models.contract import Contract

    south = await territory("Brabant")
    zwaan = await customer(territory=south)
    other = await customer("Hotel Arena", territory=south)
    default = await policy("Standard")
    await policy("Urgent default", "urgent")
    regional = await policy("Brabant", territory=south)
    own = await policy("De Zwaan", partner=zwaan)
    contract = (await records.create(Contract, {
        "number": "SC/2026/00001", "partner": zwaan, "name": "Gold", "state": "active",
        "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)}))["id"]
    gold = await policy("Gold", contract=contract, response="1")
    assert (await sla.choose("normal"))["id"] == default
    assert (await sla.choose("normal", territory=south))["id"] == regional
    assert (await sla.choose("normal", territory=south, partner=zwaan))["id"] == own
    assert (await sla.choose("normal", territory=south, partner=zwaan, contract=contract))["id"] == gold
    assert (await sla.choose("low")) is None
    day = dt.date(2026, 3, 4)
    assert (await sla.policy_for(ask(zwaan), day))["id"] == gold  # the customer's running contract
    assert (await sla.policy_for(ask(other), day))["id"] == regional
    assert (await sla.policy_for(ask(zwaan), dt.date(2027, 1, 5)))["id"] == own  # contract ended
    eq = await machine(zwaan, contract=contract)
    assert (await sla.policy_for({**ask(None), "equipment": eq}, day))["id"] == gold  # the machine's contract


async def test_deadlines_count_business_hours_across_a_weekend_and_a_holiday(fs_db: str) -> None:
    office = await office_calendar((dt.date(2026, 4, 6),))
    await policy("Standard", response="4", resolution="16", calendar=office)
    row = await requests.create(ask(await customer()), now=at(2026, 4, 2, 15, 0))  # Thursday before Easter
    assert row["response_due"] == at(2026, 4, 3, 10, 0)
    # 2 h Thursday, 9 h Friday, weekend and Easter Monday off, 5 h Tuesday.
    assert row["resolution_due"] == at(2026, 4, 7, 13, 0)
    assert row["number"].startswith("SR/2026/") and row["sla_state"] == "ok"


async def test_waiting_stops_the_clock_and_resuming_moves_the_deadlines(fs_db: str) -> None:
    office = await office_calendar()
    await policy("Standard", response="4", resolution="16", calendar=office)
    row = await requests.create(ask(await customer()), now=at(2026, 3, 2, 9, 0))  # Monday
    assert row["resolution_due"] == at(2026, 3, 3, 16, 0)
    waiting = await requests.wait(row["id"], "waiting_customer", now=at(2026, 3, 2, 11, 0))
    assert waiting["paused_since"] == at(2026, 3, 2, 11, 0) and waiting["responded_at"] == at(2026, 3, 2, 11, 0)
    # Nothing happens while waiting, even long past the deadline.
    assert (await sla.check(at(2026, 3, 9, 12, 0)))["breached"] == 0
    # Resumed next Monday 10:00: waited 6 h Mon + 4 x 9 h + 2 h = 44 business hours.
    resumed = await requests.resume(row["id"], now=at(2026, 3, 9, 10, 0))
    assert resumed["state"] == "new" and resumed["paused_since"] is None
    assert resumed["resolution_due"] == at(2026, 3, 10, 15, 0)
    assert resumed["response_due"] == row["response_due"]  # responded already: stays as it was


async def test_the_job_warns_and_marks_a_breach_once_even_when_run_twice_or_at_once(fs_db: str) -> None:
    chief = await technician("marieke", email="marieke@koffiepunt.nl")
    north = await team("Noord", manager=chief)
    jan = await technician("jan", north, email="jan@koffiepunt.nl")
    await policy("Standard", response="4", resolution="8", warn_percent=75)
    row = await requests.create({**ask(await customer()), "team": north, "assignee": jan},
                                now=at(2026, 3, 2, 9, 0))
    assert row["state"] == "assigned" and row["responded_at"] is None
    assert await sla.check(at(2026, 3, 2, 9, 30)) == {"warned": 0, "breached": 0, "mails": 0}
    # 75% of the 4 h response target gone at 12:00.
    results = await asyncio.gather(sla.check(at(2026, 3, 2, 12, 5)), sla.check(at(2026, 3, 2, 12, 5)))
    assert sum(r["warned"] for r in results) == 1 and sum(r["mails"] for r in results) == 2
    again = await sla.check(at(2026, 3, 2, 12, 10))
    assert again == {"warned": 0, "breached": 0, "mails": 0}
    stored = await requests.get(row["id"])
    assert stored["sla_state"] == "warning" and stored["warned_at"] == at(2026, 3, 2, 12, 5)

    results = await asyncio.gather(*[sla.check(at(2026, 3, 2, 13, 1)) for _ in range(3)])
    assert sum(r["breached"] for r in results) == 1
    assert await sla.check(at(2026, 3, 2, 14, 0)) == {"warned": 0, "breached": 0, "mails": 0}
    stored = await requests.get(row["id"])
    assert stored["sla_state"] == "breached" and stored["breached_at"] == at(2026, 3, 2, 13, 1)
    mails = await MailMessage.select(MailMessage.recipients, MailMessage.subject).order_by(MailMessage.id).run()
    assert [m["recipients"] for m in mails] == ["marieke@koffiepunt.nl", "jan@koffiepunt.nl"] * 2
    assert mails[0]["subject"].startswith(f"SLA at risk: {row['number']}")
    assert mails[2]["subject"].startswith(f"SLA breached: {row['number']}")


async def test_mail_goes_to_the_managers_when_nobody_is_assigned_and_in_their_language(fs_db: str) -> None:
    from core.admin.settings_store import set_setting
    from core.testing import make_user
    from modules.field_service.manifest import MANIFEST
    from modules.field_service.services.equipment import base_url

    eva = await make_user("eva", roles=("manager",))
    await User.update({User.email: "eva@koffiepunt.nl", User.language: "nl"}).where(User.id == eva["id"]).run()
    await policy("Standard", response="1", resolution="8")
    await requests.create(ask(await customer()), now=at(2026, 3, 2, 9, 0))
    assert (await sla.check(at(2026, 3, 2, 10, 30)))["breached"] == 1
    mail = await MailMessage.select().first().run()
    assert mail["recipients"] == "eva@koffiepunt.nl" and mail["subject"].startswith("SLA overschreden")
    # The link works from a mail client: the firm's public address, else the served one.
    served = await base_url()  # config.toml's web.host and web.port
    assert served.startswith("http://") and f"{served}/field-service/requests/" in mail["body_text"]
    await set_setting(MANIFEST, "public_url", "https://service.koffiepunt.nl/")
    await requests.create(ask(await customer()), now=at(2026, 3, 2, 9, 0))
    assert (await sla.check(at(2026, 3, 2, 10, 30)))["breached"] == 1
    mail = await MailMessage.select().order_by(MailMessage.id, ascending=False).first().run()
    assert "https://service.koffiepunt.nl/field-service/requests/" in mail["body_text"]


async def test_a_responded_request_is_measured_against_its_resolution(fs_db: str) -> None:
    await policy("Standard", response="2", resolution="10", warn_percent=80)
    jan = await technician("jan")
    row = await requests.create(ask(await customer()), now=at(2026, 3, 2, 9, 0))
    await requests.assign(row["id"], user=jan, now=at(2026, 3, 2, 9, 30))
    assert (await sla.check(at(2026, 3, 2, 12, 0))) == {"warned": 0, "breached": 0, "mails": 0}
    assert (await sla.check(at(2026, 3, 2, 17, 0)))["warned"] == 1  # 2 h of 10 left
    done = await requests.close(row["id"], "Solved by phone", now=at(2026, 3, 2, 17, 30))
    assert done["resolved_at"] == at(2026, 3, 2, 17, 30)
    assert (await sla.check(at(2026, 3, 3, 17, 0)))["breached"] == 0  # closed: the clock stopped


async def test_a_priority_change_puts_the_request_on_the_new_policy(fs_db: str) -> None:
    await policy("Standard", response="8", resolution="40")
    await policy("Urgent", "urgent", response="1", resolution="4")
    row = await requests.create(ask(await customer()))  # no calendar: around the clock, from intake
    changed = await requests.update(row["id"], {"priority": "urgent"}, version=row["version"])
    hour = dt.timedelta(hours=1)
    assert changed["response_due"] == row["created_at"] + hour
    assert changed["resolution_due"] == row["created_at"] + 4 * hour
    assert changed["sla"] != row["sla"] and changed["sla_state"] == "ok"
