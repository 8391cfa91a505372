"""Modules talk through events and questions declared in their manifests: only installed
modules' subscribers are called, dependencies first."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fixture_modules.manifests import ALPHA, BETA, GAMMA

from core import events
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.modules.manifest import Subscriber

heard: list[tuple[str, Any]] = []


async def alpha_hears(**payload: Any) -> None:
    heard.append(("alpha", payload))


async def beta_objects(user: int, day: str) -> str | None:
    return f"user {user} is away on {day}" if user == 7 else None


async def gamma_objects(user: int, day: str) -> str:
    return "gamma always objects"


@pytest.fixture
async def modules(core_db: str) -> Catalog:
    catalog = discover(extra=(
        dataclasses.replace(ALPHA, subscribers=(Subscriber("job.done", alpha_hears),)),
        dataclasses.replace(BETA, subscribers=(Subscriber("job.eligible", beta_objects),)),
        dataclasses.replace(GAMMA, subscribers=(Subscriber("job.eligible", gamma_objects),)),
    ))
    register_apps(catalog.manifests.values())
    events.use(catalog)
    heard.clear()
    yield catalog
    events.use(discover())


async def test_only_installed_modules_answer_a_question(modules: Catalog) -> None:
    assert await events.ask("job.eligible", user=7, day="Monday") == []
    await lifecycle.install(modules, ["beta"])
    assert await events.ask("job.eligible", user=7, day="Monday") == ["user 7 is away on Monday"]
    assert await events.ask("job.eligible", user=8, day="Monday") == []  # None is no objection
    await lifecycle.install(modules, ["gamma"])
    assert await events.ask("job.eligible", user=8, day="Monday") == ["gamma always objects"]


async def test_emit_calls_every_installed_subscriber_and_ignores_other_events(modules: Catalog) -> None:
    await lifecycle.install(modules, ["alpha"])
    await events.emit("job.done", work_order=42)
    await events.emit("job.cancelled", work_order=43)
    assert heard == [("alpha", {"work_order": 42})]
