"""Running jobs: a Dramatiq worker plus the scheduler, in a server or worker process."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import threading

import dramatiq

from core import events
from core.jobs import runs, runtime, scheduler
from core.jobs.broker import JobSystem, configure
from core.jobs.executor import LoopWorker
from core.modules.discovery import Catalog
from core.modules.manifest import Manifest
from core.settings import Settings

log = logging.getLogger("steward.jobs")
POLL_MS = 100  # how long a consumer waits for a message before checking for shutdown
STOP_MS = 30_000  # how long stopping waits for running jobs


class JobService:
    """A Dramatiq worker and the scheduler; jobs run on the loop that called `start`,
    at most `threads` at once (plain-function jobs in threads)."""

    def __init__(self, system: JobSystem, threads: int, *, schedule: bool = True) -> None:
        self.system, self.threads, self.schedule = system, threads, schedule
        self.worker: dramatiq.Worker | None = None
        self._stop = asyncio.Event()
        self._scheduler: asyncio.Task[None] | None = None

    async def start(self) -> None:
        runtime.set_loop(asyncio.get_running_loop())
        self.worker = LoopWorker(self.system.broker, asyncio.get_running_loop(), concurrency=self.threads,
                                 worker_timeout=POLL_MS)
        self.worker.start()
        if self.schedule:
            self._scheduler = asyncio.get_running_loop().create_task(
                scheduler.run_forever(self.system, self._stop))

    async def stop(self) -> None:
        self._stop.set()
        if self._scheduler is not None:
            await self._scheduler
        if self.worker is not None:
            # Off the loop: running jobs still need it to finish.
            await asyncio.to_thread(self.worker.stop, STOP_MS)
        await runs.flush()
        runtime.set_loop(None)


def run_process(settings: Settings, threads: int, extra: tuple[Manifest, ...] = ()) -> None:
    """One `steward worker` process: its own job loop, database pool, worker and scheduler.
    `extra` adds modules that are not discoverable (benchmarks)."""
    from core.db import engine as db
    from core.db.migrations import register_apps
    from core.modules.discovery import discover

    catalog = discover(extra)
    register_apps(catalog.manifests.values())
    events.use(catalog)
    db.configure(settings.database.url, settings.database.busy_timeout_seconds)
    loop = runtime.LoopThread()
    loop.start()
    loop.call(db.start(pool_size=threads + 2))
    service = JobService(configure(settings, catalog), threads)
    loop.call(service.start())
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    log.info("worker ready: %s threads on %s", threads, settings.broker.url)
    print("worker ready", flush=True)
    stopping.wait()
    loop.call(service.stop())
    loop.call(db.stop())
    loop.stop()
    service.system.broker.close()


def run_workers(settings: Settings, processes: int, threads: int) -> None:
    """`processes` worker processes (this one when 1); stops them all on SIGTERM/SIGINT."""
    if processes <= 1:
        run_process(settings, threads)
        return
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=run_process, args=(settings, threads), daemon=False) for _ in range(processes)]
    for child in children:
        child.start()
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    while not stopping.wait(0.5):
        if not any(c.is_alive() for c in children):
            break
    for child in children:
        if child.pid is not None and child.is_alive():
            child.terminate()
    for child in children:
        child.join()


async def start_in_server(settings: Settings, catalog: Catalog) -> JobService | None:
    """Configure jobs for a server process; on the embedded broker (unless
    `jobs.embedded_worker = false`) also run a worker and the scheduler on its loop."""
    system = configure(settings, catalog)
    if settings.broker.url != "embedded" or not settings.jobs.embedded_worker:
        return None
    service = JobService(system, settings.jobs.threads)
    await service.start()
    return service


async def stop_in_server(service: JobService | None) -> None:
    if service is not None:
        await service.stop()
