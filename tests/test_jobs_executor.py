"""The loop worker: jobs as tasks on the job loop, their concurrency, time limits and
acknowledgement after the run is recorded."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage, Retries, TimeLimitExceeded
from fixture_modules.jobs_support import (
    in_process_worker,
    jobbox,
    jobs_catalog,
    jobs_settings,
    settled,
    wait_until,
)

from core.jobs import runs
from core.jobs.enqueue import enqueue
from core.jobs.executor import EXECUTE, LoopWorker, TimeLimit
from core.jobs.models import JobMessage, JobRun
from core.modules import lifecycle


def stub_actor(broker: StubBroker, name: str, job: Any, **options: Any) -> dramatiq.Actor[Any, Any]:
    """An actor whose coroutine entry point is `job(options, args)`, as Steward's are."""
    def fn(*args: Any) -> None:
        raise AssertionError("a loop worker awaits the coroutine instead")

    setattr(fn, EXECUTE, job)
    return dramatiq.Actor(fn, broker=broker, actor_name=name, queue_name="q", priority=0, options=options)


async def run_until(broker: StubBroker, concurrency: int, done: Any) -> None:
    worker = LoopWorker(broker, asyncio.get_running_loop(), concurrency=concurrency, worker_timeout=50)
    worker.start()
    try:
        await wait_until(done)
    finally:
        await asyncio.to_thread(worker.stop, 5_000)


async def test_a_worker_runs_at_most_its_concurrency_of_jobs_at_once() -> None:
    broker = StubBroker(middleware=[TimeLimit(), CurrentMessage()])
    running, most, finished = 0, 0, []

    async def job(options: dict[str, Any], args: tuple[Any, ...]) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1
        finished.append(args[0])

    actor = stub_actor(broker, "busy", job)
    for n in range(12):
        actor.send(n)

    async def all_done() -> bool:
        return len(finished) == 12

    await run_until(broker, 3, all_done)
    assert most == 3 and sorted(finished) == list(range(12))


async def test_a_job_past_its_time_limit_is_cancelled_and_fails() -> None:
    broker = StubBroker(middleware=[TimeLimit(), Retries(max_retries=0), CurrentMessage()])
    cancelled = []

    async def job(options: dict[str, Any], args: tuple[Any, ...]) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(args[0])
            raise

    stub_actor(broker, "slow", job, time_limit=50).send(1)

    async def dead() -> bool:
        return bool(broker.dead_letters)

    await run_until(broker, 2, dead)
    assert cancelled == [1]
    assert isinstance(broker.dead_letters[0]._exception, TimeLimitExceeded)


@pytest.fixture
async def with_jobbox(core_db: str):
    catalog = jobs_catalog()
    await lifecycle.install(catalog, ["jobbox"])
    return catalog


async def test_an_embedded_message_is_acknowledged_only_once_its_run_is_recorded(
        core_db: str, with_jobbox, settings_for, monkeypatch) -> None:
    """A worker killed between the two would otherwise leave a finished job whose run
    says it never ran; this way the message is still there and runs again."""
    write, release = runs._done_commit().write, asyncio.Event()

    async def held_write(items: list[Any]) -> None:
        await release.wait()
        await write(items)

    monkeypatch.setattr(runs._done_commit(), "write", held_write)
    async with in_process_worker(jobs_settings(settings_for(core_db), "embedded"), with_jobbox):
        await enqueue("jobbox.record", 1)
        await wait_until(lambda: jobbox().effects("record", 1))
        await asyncio.sleep(0.3)  # time enough to acknowledge, were it not waiting
        assert [m["state"] for m in await JobMessage.select(JobMessage.state).run()] == ["claimed"]
        assert [r["state"] for r in await JobRun.select(JobRun.state).run()] == ["queued"]
        release.set()
        [run] = await settled("jobbox.record")
        assert run["state"] == "done" and run["attempts"] == 1

        async def acknowledged() -> bool:
            return not await JobMessage.count().run()

        await wait_until(acknowledged)
