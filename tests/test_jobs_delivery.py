"""Jobs on every broker: after-commit enqueue, runs, retries to dead, skipping, idempotency."""

from __future__ import annotations

import pytest
from fixture_modules.jobs_support import (
    in_process_worker,
    jobbox,
    jobs_catalog,
    jobs_settings,
    runs_of,
    settled,
    wait_until,
)

from core.db.engine import transaction
from core.jobs.enqueue import enqueue, enqueue_many
from core.jobs.idempotency import ClaimOutsideTransaction, claim
from core.modules import lifecycle

BROKERS = ["stub", "embedded", "redis", "rabbitmq"]


@pytest.fixture
async def with_jobbox(core_db: str):
    catalog = jobs_catalog()
    await lifecycle.install(catalog, ["jobbox"])
    return catalog


@pytest.mark.parametrize("broker", BROKERS)
async def test_a_committed_enqueue_runs_once_and_a_rolled_back_one_never(
        broker: str, core_db: str, with_jobbox, settings_for) -> None:
    box = jobbox()
    async with in_process_worker(jobs_settings(settings_for(core_db), broker), with_jobbox):
        with pytest.raises(RuntimeError):
            async with transaction():
                await enqueue("jobbox.record", 1)
                raise RuntimeError("the caller's change failed")
        async with transaction():
            await enqueue("jobbox.record", 2)
        await enqueue("jobbox.record", 3)
        runs = await settled("jobbox.record", 2)
        assert [(r["args"], r["state"], r["attempts"]) for r in runs] == [("[2]", "done", 1), ("[3]", "done", 1)]
        assert await box.effects("record", 1) == 0
        assert await box.effects("record", 2) == 1 and await box.effects("record", 3) == 1
        assert runs[0]["finished_at"] >= runs[0]["started_at"]


@pytest.mark.parametrize("broker", BROKERS)
async def test_many_calls_enqueued_at_once_each_run_once_and_roll_back_together(
        broker: str, core_db: str, with_jobbox, settings_for) -> None:
    box = jobbox()
    async with in_process_worker(jobs_settings(settings_for(core_db), broker), with_jobbox):
        with pytest.raises(RuntimeError):
            async with transaction():
                await enqueue_many("jobbox.record", [(10,), (11,)])
                raise RuntimeError("the caller's change failed")
        async with transaction():
            await enqueue_many("jobbox.record", [(12,), (13,), (14,)])
        await enqueue_many("jobbox.record", [(15,)])
        runs = await settled("jobbox.record", 4)
        assert sorted((r["args"], r["state"]) for r in runs) == [
            ("[12]", "done"), ("[13]", "done"), ("[14]", "done"), ("[15]", "done")]
        assert [await box.effects("record", n) for n in range(10, 16)] == [0, 0, 1, 1, 1, 1]


@pytest.mark.parametrize("broker", BROKERS)
async def test_a_failing_job_is_retried_with_backoff_then_dead(
        broker: str, core_db: str, with_jobbox, settings_for) -> None:
    box = jobbox()
    async with in_process_worker(jobs_settings(settings_for(core_db), broker), with_jobbox):
        await enqueue("jobbox.always_fails", 7)
        [run] = await settled("jobbox.always_fails")
    assert run["state"] == "dead" and run["attempts"] == 3  # the first try and max_retries=2 retries
    assert "RuntimeError: jobbox cannot do 7" in run["error"]
    assert await box.effects("attempt", 7) == 3


@pytest.mark.parametrize("broker", ["stub", "embedded"])
async def test_a_job_of_a_module_that_is_not_installed_is_acknowledged_as_skipped(
        broker: str, core_db: str, with_jobbox, settings_for) -> None:
    box = jobbox()
    async with in_process_worker(jobs_settings(settings_for(core_db), broker), with_jobbox) as system:
        await enqueue("jobbox.record", 4)
        await settled("jobbox.record")
        await lifecycle.uninstall(with_jobbox, await lifecycle.plan_uninstall(with_jobbox, ["jobbox"]))
        from core.jobs.actors import forget_installed

        forget_installed()
        await enqueue("jobbox.record", 5)
        runs = await settled("jobbox.record", 2)
        if system.embedded:
            await wait_until(lambda: _queue_empty(system))
    assert [r["state"] for r in runs] == ["done", "skipped"]
    assert "not installed" in runs[1]["error"]
    assert await box.effects("record", 5) == 0


async def _queue_empty(system) -> bool:
    from core.jobs.models import JobMessage

    return not await JobMessage.count().run()


@pytest.mark.parametrize("broker", ["stub", "embedded"])
async def test_a_plain_function_job_runs_in_a_thread(broker: str, core_db: str, with_jobbox, settings_for) -> None:
    async with in_process_worker(jobs_settings(settings_for(core_db), broker), with_jobbox):
        await enqueue("jobbox.double", 21)
        [run] = await settled("jobbox.double")
    assert run["state"] == "done"


async def test_an_unknown_job_is_refused_by_name(core_db: str, with_jobbox, settings_for) -> None:
    from core.jobs.broker import UnknownJob

    async with in_process_worker(jobs_settings(settings_for(core_db), "stub"), with_jobbox):
        with pytest.raises(UnknownJob, match="jobbox.nope"):
            await enqueue("jobbox.nope")
    assert await runs_of("jobbox.nope") == []


async def test_an_idempotency_key_is_claimed_once(core_db: str) -> None:
    async with transaction():
        assert await claim("invoice:42:mail") is True
    async with transaction():
        assert await claim("invoice:42:mail") is False
    with pytest.raises(RuntimeError):
        async with transaction():
            assert await claim("invoice:43:mail") is True
            raise RuntimeError("the effect failed")
    async with transaction():
        assert await claim("invoice:43:mail") is True  # the rolled-back claim did not stick
    with pytest.raises(ClaimOutsideTransaction):
        await claim("loose")


async def test_a_delayed_job_waits_on_the_embedded_broker(core_db: str, with_jobbox, settings_for) -> None:
    import time

    async with in_process_worker(jobs_settings(settings_for(core_db), "embedded"), with_jobbox):
        start = time.monotonic()
        await enqueue("jobbox.record", 8, delay=0.6)
        [run] = await settled("jobbox.record")
        assert time.monotonic() - start >= 0.6 and run["state"] == "done"


async def test_finished_runs_older_than_the_retention_are_pruned(core_db: str) -> None:
    import datetime as dt

    from core.jobs import runs
    from core.jobs.models import JobIdempotency, JobRun

    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    await JobRun.insert(
        JobRun(job="x.old", module="x", state="done", started_at=old, finished_at=old),
        JobRun(job="x.recent", module="x", state="dead", started_at=old, finished_at=dt.datetime.now(dt.UTC)),
        JobRun(job="x.waiting", module="x", state="queued", queued_at=old),
    ).run()
    await JobIdempotency.insert(JobIdempotency(key="old", claimed_at=old), JobIdempotency(key="new")).run()
    assert await runs.prune(retention_days=30) == 1
    assert sorted(r["job"] for r in await runs.listing()) == ["x.recent", "x.waiting"]
    assert [r["key"] for r in await JobIdempotency.select(JobIdempotency.key).run()] == ["new"]


async def test_a_job_takes_ids_not_objects(core_db: str, with_jobbox, settings_for) -> None:
    from core.jobs.enqueue import JobArgumentError

    async with in_process_worker(jobs_settings(settings_for(core_db), "embedded"), with_jobbox):
        with pytest.raises(JobArgumentError, match="pass ids, not objects"):
            await enqueue("jobbox.record", object())
    assert await runs_of("jobbox.record") == []
