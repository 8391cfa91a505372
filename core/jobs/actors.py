"""Manifest jobs as Dramatiq actors named `<module>.<job>`.

Every discovered module's jobs are declared (not only installed ones), so a message
for a module uninstalled since it was sent is still consumed: acknowledged and
recorded as skipped. A job runs on the process's job loop (see executor.py), tracking
the run around it.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
import traceback
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from core.jobs import runs, runtime
from core.jobs.executor import EXECUTE
from core.modules.manifest import Job

RUN_OPTION = "steward_run"
INSTALLED_TTL = 1.0  # seconds a worker trusts its view of the installed modules

_installed: tuple[float, frozenset[str]] = (0.0, frozenset())
_is_coroutine_function = functools.cache(inspect.iscoroutinefunction)


async def installed_modules() -> frozenset[str]:
    global _installed
    checked, names = _installed
    if time.monotonic() - checked > INSTALLED_TTL:
        from core.modules.state import installed

        names = frozenset(await installed())
        _installed = (time.monotonic(), names)
    return names


def forget_installed() -> None:
    """Re-read installed modules on the next job (tests, after an install)."""
    global _installed
    _installed = (0.0, frozenset())


async def execute(module: str, name: str, job: Job, options: dict[str, Any], args: tuple[Any, ...]) -> Any:
    """Run one delivery of a job and record what happened to its run."""
    run_id = options.get(RUN_OPTION)
    checked, installed = _installed
    if time.monotonic() - checked > INSTALLED_TTL:  # (the fresh case inline: this runs per job)
        installed = await installed_modules()
    if module not in installed:
        await runs.skipped(run_id, name, module, args)
        return None
    attempt = await runs.begin(run_id, name, module, args)
    try:
        if _is_coroutine_function(job.fn):
            result = await job.fn(*args)
        else:
            result = await asyncio.to_thread(job.fn, *args)
    except (Exception, asyncio.CancelledError):  # cancelled: its time limit passed
        # Mirrors the Retries middleware: this delivery was the last one allowed.
        dead = options.get("retries", 0) >= options.get("max_retries", job.max_retries)
        await attempt.failed(dead=dead, error=traceback.format_exc())
        raise
    await attempt.done()
    return result


def _body(module: str, name: str, job: Job) -> Callable[..., Any]:
    """The actor function. `LoopWorker` awaits its coroutine entry point on the job loop;
    called in a thread (any other Dramatiq worker), it hands the job to the loop."""
    def run(*args: Any) -> Any:
        message = CurrentMessage.get_current_message()
        options = dict(message.options) if message else {}
        return runtime.run(execute(module, name, job, options, args))

    run.__name__ = name.replace(".", "_")
    run.__module__ = getattr(job.fn, "__module__", __name__)
    setattr(run, EXECUTE, functools.partial(execute, module, name, job))
    return run


def declare(system: Any) -> None:
    """Declare every discovered module's jobs on `system.broker`."""
    settings = system.settings.jobs
    for manifest in system.catalog.manifests.values():
        for job in manifest.jobs:
            name = f"{manifest.name}.{job.name or job.fn.__name__}"
            dramatiq.Actor(
                _body(manifest.name, name, job), broker=system.broker, actor_name=name,
                queue_name=system.queue(job), priority=0,
                options={"max_retries": job.max_retries,
                         "min_backoff": max(1, int(settings.min_backoff_seconds * 1000)),
                         "max_backoff": max(1, int(settings.max_backoff_seconds * 1000))},
            )
