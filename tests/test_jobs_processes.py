"""Jobs across real processes: a killed worker, two schedulers, a restarted server."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_modules.jobs_support import (
    jobbox,
    jobs_catalog,
    runs_of,
    settled,
    subprocess_env,
    wait_until,
)

from core.jobs import broker as jobs_broker
from core.jobs.actors import forget_installed
from core.jobs.enqueue import enqueue
from core.jobs.models import ScheduleRecord
from core.modules import lifecycle
from core.settings import load_settings

STEWARD = str(Path(sys.executable).parent / "steward")


class Processes:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([STEWARD, *args], env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def processes() -> Iterator[list[Processes]]:
    made: list[Processes] = []
    yield made
    for group in made:
        for proc in group.running:
            group.stop(proc)


async def _prepare(url: str, tmp: Path, processes: list[Processes], broker: str = "embedded", **jobs):
    """jobbox installed in the test database; this process enqueues on the same settings."""
    await lifecycle.install(jobs_catalog(), ["jobbox"])
    env = subprocess_env(url, tmp, broker, **jobs)
    group = Processes(env)
    processes.append(group)
    forget_installed()
    jobs_broker.configure(load_settings(env["STEWARD_CONFIG"], env=env), jobs_catalog())
    return group


@pytest.mark.parametrize("broker", ["embedded", "rabbitmq"])
async def test_a_job_whose_worker_is_killed_completes_after_restart_with_one_effect(
        broker: str, core_db: str, tmp_path: Path, processes) -> None:
    group = await _prepare(core_db, tmp_path, processes, broker)
    try:
        worker = group.start("worker", "--processes", "1")
        await enqueue("jobbox.record_then_sleep", 1, 60)
        box = jobbox()
        await wait_until(lambda: _at_least(box.effects("slept", 1), 1))
        await wait_until(lambda: _state_is("jobbox.record_then_sleep", "running"))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        [run] = await runs_of("jobbox.record_then_sleep")
        assert run["state"] == "running"
        group.start("worker", "--processes", "1")
        [run] = await settled("jobbox.record_then_sleep")
        assert run["state"] == "done" and run["attempts"] == 2
        assert await box.effects("slept", 1) == 2  # it really ran twice...
        assert await box.effects("record", 1) == 1  # ...and its effect happened once
    finally:
        jobs_broker.reset()


async def _state_is(job: str, state: str) -> bool:
    return [r["state"] for r in await runs_of(job)] == [state]


async def _at_least(count, n: int) -> bool:
    return await count >= n


async def test_two_worker_processes_fire_each_scheduled_tick_once(
        core_db: str, tmp_path: Path, processes) -> None:
    group = await _prepare(core_db, tmp_path, processes, scheduler_seconds=0.05)
    try:
        group.start("worker", "--processes", "2")
        await wait_until(lambda: ScheduleRecord.exists().where(ScheduleRecord.name == "jobbox.tick").run())
        for tick in range(1, 4):
            past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
            await ScheduleRecord.update({ScheduleRecord.next_run: past}).where(
                ScheduleRecord.name == "jobbox.tick").run()
            await settled("jobbox.tick", tick)
            await asyncio.sleep(0.3)  # both schedulers had several passes at the tick
        assert len(await runs_of("jobbox.tick")) == 3
        assert await jobbox().effects("tick") == 3
    finally:
        jobs_broker.reset()


async def test_messages_queued_while_the_server_is_down_run_when_it_starts(
        core_db: str, tmp_path: Path, processes) -> None:
    from test_scale_out import free_port, get, wait_for

    group = await _prepare(core_db, tmp_path, processes, embedded_worker=True)
    try:
        port = free_port()
        server = group.start("serve", "--port", str(port))
        await asyncio.to_thread(wait_for, lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200)
        await enqueue("jobbox.record", 1)
        await settled("jobbox.record")  # the server's own worker runs jobs
        group.stop(server)
        for n in (2, 3, 4):
            await enqueue("jobbox.record", n)
        await asyncio.sleep(0.5)
        assert [r["state"] for r in await runs_of("jobbox.record")] == ["done", "queued", "queued", "queued"]
        group.start("serve", "--port", str(port))
        runs = await settled("jobbox.record", 4)
        assert [r["state"] for r in runs] == ["done"] * 4
        assert [await jobbox().effects("record", n) for n in (1, 2, 3, 4)] == [1, 1, 1, 1]
    finally:
        jobs_broker.reset()
