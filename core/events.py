"""Events and questions between modules, through their manifests.

A module names the events it emits in `Manifest.events` ("field_service.work_order_done")
and other modules subscribe with `Subscriber(event, handler)`. Only installed modules'
subscribers are called, in dependency order.

    await events.emit("field_service.work_order_done", work_order=42)
    refusals = await events.ask("field_service.eligibility", user=7, job_type=3, day=date)

`emit` is for news: every handler runs, answers are ignored. `ask` is for extension points
that need an answer (may this technician do this job on this day?): it returns every
handler's answer that is not None, so an empty list means nobody objected.
"""

from __future__ import annotations

import time
from typing import Any

from core.modules.discovery import Catalog, discover
from core.modules.graph import topological
from core.modules.manifest import Subscriber

INSTALLED_TTL = 1.0  # seconds a process trusts its view of the installed modules

_catalog: Catalog | None = None
_installed: tuple[float, frozenset[str]] = (0.0, frozenset())


def use(catalog: Catalog) -> None:
    """Make `catalog` the modules this process knows (the app, the worker and tests call this)."""
    global _catalog
    _catalog = catalog
    forget_installed()


def forget_installed() -> None:
    """Re-read the installed modules on the next call (after an install or uninstall)."""
    global _installed
    _installed = (0.0, frozenset())


async def _installed_names() -> frozenset[str]:
    global _installed
    checked, names = _installed
    if time.monotonic() - checked > INSTALLED_TTL:
        from core.modules.state import installed

        names = frozenset(await installed())
        _installed = (time.monotonic(), names)
    return names


async def subscribers(event: str) -> list[Subscriber]:
    """The installed modules' subscribers to `event`, dependencies first."""
    global _catalog
    if _catalog is None:
        _catalog = discover()
    names = await _installed_names()
    order = topological(_catalog.manifests, [n for n in names if n in _catalog])
    return [s for n in order for s in _catalog[n].subscribers if s.event == event]


async def emit(event: str, **payload: Any) -> None:
    for subscriber in await subscribers(event):
        await subscriber.handler(**payload)


async def ask(event: str, **payload: Any) -> list[Any]:
    answers: list[Any] = []
    for subscriber in await subscribers(event):
        answer = await subscriber.handler(**payload)
        if answer is not None:
            answers.append(answer)
    return answers
