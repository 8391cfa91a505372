"""Routing rules: first matching rule by sequence; manual, round robin and least loaded."""

from __future__ import annotations

import asyncio

from core.db import records
from modules.field_service.models.routing import RoutingRule
from modules.field_service.services import request as requests
from modules.field_service.services import routing
from modules.field_service.tests.request_setup import customer, machine, team, technician, territory


async def rule(name: str, sequence: int = 10, **values: object) -> int:
    return int((await records.create(RoutingRule, {"name": name, "sequence": sequence, **values}))["id"])


def ask(partner: int, **values: object) -> dict[str, object]:
    return {"partner": partner, "kind": "repair", "description": "Leaks water.", "contact_name": "Anouk", **values}


async def test_the_first_matching_rule_by_sequence_wins(fs_db: str) -> None:
    from core.products.models import ProductCategory

    south, north_t = await territory("Brabant"), await territory("Noord")
    zwaan = await customer(territory=south)
    arena = await customer("Hotel Arena", territory=north_t)
    grinders = await machine(zwaan, "GR-1", category="Grinders")
    espresso = await machine(zwaan, "ES-1", category="Espresso machines")
    cat = (await ProductCategory.select(ProductCategory.id).where(ProductCategory.name == "Grinders").first().run())["id"]
    t_south, t_north, t_grind, t_install = (await team("Zuid"), await team("Noord"), await team("Molens"),
                                            await team("Installatie"))
    await rule("Installations", 5, kind="installation", team=t_install)
    await rule("Grinders", 10, category=cat, team=t_grind)
    await rule("South", 20, territory=south, team=t_south)
    await rule("Everything else", 99, team=t_north)
    await rule("Switched off", 1, team=t_south, active=False)
    assert (await routing.route(ask(zwaan, equipment=grinders))).team == t_grind
    assert (await routing.route(ask(zwaan, equipment=espresso))).team == t_south
    assert (await routing.route(ask(zwaan, kind="installation", equipment=grinders))).team == t_install
    assert (await routing.route(ask(arena))).team == t_north
    created = await requests.create(ask(zwaan, equipment=grinders))
    assert created["team"] == t_grind and created["assignee"] is None and created["state"] == "new"


async def test_manual_rules_can_name_a_technician(fs_db: str) -> None:
    noord = await team("Noord")
    jan = await technician("jan", noord)
    await rule("Jan takes all", team=noord, user=jan)
    created = await requests.create(ask(await customer()))
    assert (created["team"], created["assignee"], created["state"]) == (noord, jan, "assigned")
    assert created["responded_at"] is None  # routing is not a response


async def test_round_robin_takes_turns_also_when_requests_arrive_at_once(fs_db: str) -> None:
    noord = await team("Noord")
    people = [await technician(name, noord) for name in ("jan", "sem", "noor")]
    await technician("tomasz", await team("Zuid"))
    await rule("Turns", team=noord, method="round_robin")
    zwaan = await customer()
    first = [(await requests.create(ask(zwaan)))["assignee"] for _ in range(4)]
    assert first == [*people, people[0]]
    together = await asyncio.gather(*[requests.create(ask(zwaan)) for _ in range(6)])
    got = [r["assignee"] for r in together]
    assert sorted(got) == sorted(people * 2)  # each one twice: no turn given twice


async def test_least_loaded_picks_whoever_has_the_fewest_open_requests_and_work_orders(fs_db: str) -> None:
    noord = await team("Noord")
    jan, sem = await technician("jan", noord), await technician("sem", noord)
    zwaan = await customer()
    for _ in range(2):
        await requests.create({**ask(zwaan), "assignee": jan})
    await requests.create({**ask(zwaan), "assignee": sem})
    await rule("Least", team=noord, method="least_loaded")
    assert (await requests.create(ask(zwaan)))["assignee"] == sem
    assert await routing.load([jan, sem]) == {jan: 2, sem: 2}
    closed = await requests.create({**ask(zwaan), "assignee": jan})
    await requests.close(closed["id"], "Duplicate")
    assert (await requests.create(ask(zwaan)))["assignee"] == jan  # tie broken by id
    assert await routing.route(ask(zwaan)) != routing.Route()
