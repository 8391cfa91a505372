"""Helpers for the jobs tests: the jobbox module, settings per broker, waiting for runs."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.jobs import broker as jobs_broker
from core.jobs.actors import forget_installed
from core.jobs.broker import JobSystem
from core.jobs.models import JobRun
from core.jobs.worker import JobService
from core.modules.discovery import Catalog, discover
from core.modules.manifest import Manifest
from core.settings import Settings

JOBBOX_DIR = Path(__file__).parent / "jobbox_dist"
BROKERS = {"stub": "stub", "embedded": "embedded", "redis": "redis://127.0.0.1:6379/0",
           "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/"}


def load_jobbox() -> Manifest:
    """Import jobbox without putting its folder on sys.path (whose dist-info would make
    every other test's discover() see it)."""
    if "jobbox.manifest" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "jobbox", JOBBOX_DIR / "jobbox" / "__init__.py", submodule_search_locations=[str(JOBBOX_DIR / "jobbox")])
        assert spec and spec.loader
        package = importlib.util.module_from_spec(spec)
        sys.modules["jobbox"] = package
        spec.loader.exec_module(package)
    from jobbox.manifest import MANIFEST  # type: ignore[import-not-found]

    return MANIFEST


def jobbox() -> Any:
    load_jobbox()
    import jobbox.manifest  # type: ignore[import-not-found]

    return jobbox.manifest


def jobs_catalog() -> Catalog:
    return discover(extra=[load_jobbox()])


def jobs_settings(base: Settings, broker: str, **jobs: Any) -> Settings:
    """Fast retries, short leases and a queue prefix of its own (shared Redis/RabbitMQ)."""
    fast = {"queue_prefix": f"t{uuid.uuid4().hex[:10]}_", "min_backoff_seconds": 0.01,
            "max_backoff_seconds": 0.05, "lease_seconds": 1.0, "scheduler_seconds": 0.2,
            "threads": 2, **jobs}
    return replace(base, broker=replace(base.broker, url=BROKERS[broker]), jobs=replace(base.jobs, **fast))


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def runs_of(job: str) -> list[dict[str, Any]]:
    return await JobRun.select().where(JobRun.job == job).order_by(JobRun.id).run()


async def settled(job: str, count: int = 1) -> list[dict[str, Any]]:
    """Wait until `count` runs of `job` have finished; return them."""
    async def done() -> bool:
        rows = await runs_of(job)
        return len(rows) >= count and all(r["state"] in ("done", "dead", "skipped") for r in rows)

    await wait_until(done)
    return await runs_of(job)


@contextlib.asynccontextmanager
async def in_process_worker(settings: Settings, catalog: Catalog, *, schedule: bool = False
                            ) -> AsyncIterator[JobSystem]:
    """This process's job system on `settings`, with a worker running on the test's loop."""
    forget_installed()
    system = jobs_broker.configure(settings, catalog)
    service = JobService(system, settings.jobs.threads, schedule=schedule)
    await service.start()
    try:
        yield system
    finally:
        await service.stop()
        _clean_external(system)
        jobs_broker.reset()


def _clean_external(system: JobSystem) -> None:
    if system.settings.broker.url.startswith("amqp://"):
        for queue in list(system.broker.get_declared_queues()):
            with contextlib.suppress(Exception):
                system.broker.channel.queue_delete(queue)  # type: ignore[attr-defined]
                system.broker.channel.queue_delete(f"{queue}.DQ")  # type: ignore[attr-defined]
                system.broker.channel.queue_delete(f"{queue}.XQ")  # type: ignore[attr-defined]
    elif system.settings.broker.url.startswith("redis://"):
        with contextlib.suppress(Exception):
            system.broker.flush_all()


def subprocess_env(url: str, tmp: Path, broker: str = "embedded", **jobs: Any) -> dict[str, str]:
    """Environment for a `steward` subprocess on database `url` that can see jobbox."""
    cfg = tmp / "steward.toml"
    values = {"min_backoff_seconds": 0.01, "max_backoff_seconds": 0.05, "lease_seconds": 1.0,
              "scheduler_seconds": 0.2, "threads": 2, "queue_prefix": f"t{uuid.uuid4().hex[:10]}_", **jobs}
    lines = [f'[database]\nurl = "{url}"', f'[broker]\nurl = "{BROKERS[broker]}"', "[jobs]"]
    lines += [f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else f"{k} = {str(v).lower()}"
              for k, v in values.items()]
    lines.append('[log]\nlevel = "WARNING"')
    cfg.write_text("\n".join(lines) + "\n")
    return {**os.environ, "STEWARD_CONFIG": str(cfg), "STEWARD_VAR_DIR": str(tmp / "var"),
            "PYTHONPATH": os.pathsep.join([str(JOBBOX_DIR), os.environ.get("PYTHONPATH", "")])}
