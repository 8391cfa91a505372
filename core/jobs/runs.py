"""Job runs: one row per enqueued job, updated as workers pick it up and finish it."""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from core.db.engine import is_sqlite
from core.jobs.models import JobIdempotency, JobRun

log = logging.getLogger("steward.jobs")

STATES = ("queued", "running", "done", "failed", "dead", "skipped")
RETRYABLE = ("failed", "dead")
INSERT_ROWS = 1000  # runs (or job messages) per INSERT: PostgreSQL takes 32767 parameters a statement
MAX_ERROR = 20_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def queued_many(job: str, module: str, runs: list[tuple[tuple[Any, ...], str]]) -> list[int]:
    """Record queued runs of `job`, one per (args, message id) pair, by multi-row INSERTs;
    the run ids in their order (a multi-row INSERT numbers its rows in the order given)."""
    ids: list[int] = []
    for start in range(0, len(runs), INSERT_ROWS):
        rows = await JobRun.insert(*[
            JobRun(job=job, module=module, args=json.dumps(list(args), default=str), state="queued",
                   message_id=message_id) for args, message_id in runs[start:start + INSERT_ROWS]]
        ).returning(JobRun.id).run()
        ids += sorted(int(r["id"]) for r in rows)
    return ids


RUNNING_AFTER = 0.2  # seconds: a job still running by then is shown as running
GROUP_WINDOW = 0.01  # seconds: under load, the pause between two writes of finished runs


class _GroupCommit:
    """Concurrent jobs' run updates share one statement: whoever arrives while a write
    is in flight, or within GROUP_WINDOW after the last one, joins the next write, and
    learns from that batch's future when its update is committed. A write costs far
    more than a row in it (two round trips through the pool), so under load the window
    makes batches worth it; alone, a job's run is written at once."""

    def __init__(self, write: Callable[[list[Any]], Awaitable[None]]) -> None:
        self.write = write
        self.pending: list[Any] = []
        self.committed: asyncio.Future[None] | None = None  # the next batch's
        self.task: asyncio.Task[None] | None = None
        self.last = -GROUP_WINDOW  # loop time the last write ended

    def add_nowait(self, item: Any) -> asyncio.Future[None]:
        """Queue `item` for the next write; the future says when it is committed."""
        loop = asyncio.get_running_loop()
        self.pending.append(item)
        if self.committed is None:
            self.committed = loop.create_future()
            self.committed.add_done_callback(_log_failure)
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._drain(), context=contextvars.Context())
        return self.committed

    async def flush(self) -> None:
        while self.task is not None and not self.task.done():
            await self.task

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self.pending:
            if (wait := self.last + GROUP_WINDOW - loop.time()) > 0:
                await asyncio.sleep(wait)
            batch, self.pending = self.pending, []
            committed, self.committed = self.committed, None
            assert committed is not None
            try:
                await self.write(batch)
            except Exception as exc:
                committed.set_exception(exc)
            else:
                committed.set_result(None)
            self.last = loop.time()


async def _write_done(items: list[tuple[int, dt.datetime, dt.datetime, int]]) -> None:
    """Mark runs done, each with when its job started and finished (not when this write
    happens: under load the history write may trail the jobs a little), counting the
    attempt unless it was counted when the run was marked running."""
    if not is_sqlite():
        # One statement text whatever the batch: PostgreSQL and asyncpg prepare it once.
        await JobRun.raw(
            "UPDATE core_job_run AS r SET state = 'done', error = '', started_at = v.started,"
            " finished_at = v.finished, attempts = r.attempts + v.counted"
            " FROM unnest({}::bigint[], {}::timestamptz[], {}::timestamptz[], {}::int[])"
            " AS v(id, started, finished, counted) WHERE r.id = v.id",
            *[list(column) for column in zip(*items, strict=True)],
        ).run()
        return

    # SQLite: the values of each row picked by id (no arrays to unnest).
    case = "CASE id " + " ".join(f"WHEN {int(item[0])} THEN {{}}" for item in items) + " END"
    counted = "CASE id " + " ".join(f"WHEN {int(item[0])} THEN {int(item[3])}" for item in items) + " END"
    ids = ", ".join(str(int(item[0])) for item in items)
    await JobRun.raw(
        f"UPDATE core_job_run SET state = 'done', error = '', started_at = {case}, finished_at = {case},"
        f" attempts = attempts + {counted} WHERE id IN ({ids})",
        *[item[1] for item in items], *[item[2] for item in items],
    ).run()


_done_commits: dict[asyncio.AbstractEventLoop, _GroupCommit] = {}


def _done_commit() -> _GroupCommit:
    loop = asyncio.get_running_loop()
    if loop not in _done_commits:
        for old in [k for k in _done_commits if k.is_closed()]:
            del _done_commits[old]
        _done_commits[loop] = _GroupCommit(_write_done)
    return _done_commits[loop]


# The current delivery's "run recorded" future: its message is acknowledged once it is done.
_recorded: contextvars.ContextVar[asyncio.Future[None] | None] = contextvars.ContextVar(
    "steward_job_recorded", default=None)


def recorded() -> asyncio.Future[None] | None:
    """When the finished run of the job that just ran in this context is committed
    (None: nothing left to wait for)."""
    return _recorded.get()


class _Watch:
    """The attempts still running on one loop. One timer for all of them marks those
    that outlive RUNNING_AFTER as running (a per-job timer cost a no-op job dearly)."""

    def __init__(self) -> None:
        self.attempts: set[Attempt] = set()
        self.timer: asyncio.TimerHandle | None = None

    def add(self, attempt: Attempt) -> None:
        self.attempts.add(attempt)
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(RUNNING_AFTER / 2, self._sweep)

    def _sweep(self) -> None:
        self.timer = None
        loop = asyncio.get_running_loop()
        due = loop.time() - RUNNING_AFTER
        for attempt in [a for a in self.attempts if a.began <= due]:
            self.attempts.discard(attempt)
            attempt.mark()
        if self.attempts:
            self.timer = loop.call_later(RUNNING_AFTER / 2, self._sweep)


_watches: dict[asyncio.AbstractEventLoop, _Watch] = {}


def _watch() -> _Watch:
    loop = asyncio.get_running_loop()
    if loop not in _watches:
        for old in [k for k in _watches if k.is_closed()]:
            del _watches[old]
        _watches[loop] = _Watch()
    return _watches[loop]


class Attempt:
    """One delivery of a run. A fast job's run is written once, when it ends; a job
    still busy after RUNNING_AFTER (give or take half of it) is marked running (and a
    killed worker leaves it so)."""

    def __init__(self, run_id: int) -> None:
        self.run_id, self.started_at, self.marked = run_id, _now(), False
        self.began = asyncio.get_running_loop().time()
        self._marking: asyncio.Task[None] | None = None
        self._watch = _watch()
        self._watch.add(self)

    def mark(self) -> None:
        self._marking = asyncio.get_running_loop().create_task(self._write_running(), context=contextvars.Context())

    async def _write_running(self) -> None:
        await JobRun.update({JobRun.state: "running", JobRun.started_at: self.started_at, JobRun.finished_at: None,
                             JobRun.attempts: JobRun.attempts + 1}).where(JobRun.id == self.run_id).run()
        self.marked = True

    async def _settle(self) -> None:
        self._watch.attempts.discard(self)
        if self._marking is not None:
            await self._marking

    async def done(self) -> None:
        """Record success. The write joins the next group commit without holding up the
        job. On the embedded broker the message is acknowledged once the write is
        committed (`recorded()`), so a worker killed before that runs the job again
        rather than losing its run; other brokers acknowledge at once, and a worker
        killed in that window leaves the run queued/running (`flush()` runs on every
        orderly stop)."""
        await self._settle()
        _recorded.set(_done_commit().add_nowait((self.run_id, self.started_at, _now(), 0 if self.marked else 1)))

    async def failed(self, *, dead: bool, error: str) -> None:
        await self._settle()
        await JobRun.update({JobRun.state: "dead" if dead else "failed", JobRun.finished_at: _now(),
                             JobRun.started_at: self.started_at, JobRun.error: error[-MAX_ERROR:],
                             JobRun.attempts: JobRun.attempts + (0 if self.marked else 1)}
                            ).where(JobRun.id == self.run_id).run()


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("recording finished job runs failed", exc_info=future.exception())


async def flush() -> None:
    """Write every finished run still waiting for the group commit (worker stop)."""
    commit = _done_commits.get(asyncio.get_running_loop())
    if commit is not None:
        await commit.flush()


async def begin(run_id: int | None, job: str, module: str, args: tuple[Any, ...]) -> Attempt:
    """Start tracking a delivery; a message sent without a run (straight through
    Dramatiq) gets one first."""
    if run_id is None:
        row = await JobRun.insert(JobRun(job=job, module=module, args=json.dumps(list(args), default=str),
                                         state="queued")).returning(JobRun.id).run()
        run_id = int(row[0]["id"])
    return Attempt(run_id)


async def skipped(run_id: int | None, job: str, module: str, args: tuple[Any, ...]) -> None:
    reason = f"module {module!r} is not installed"
    if run_id is not None and await JobRun.exists().where(JobRun.id == run_id).run():
        await JobRun.update({JobRun.state: "skipped", JobRun.finished_at: _now(), JobRun.error: reason}
                            ).where(JobRun.id == run_id).run()
        return
    await JobRun.insert(JobRun(job=job, module=module, args=json.dumps(list(args), default=str),
                               state="skipped", finished_at=_now(), error=reason)).run()


async def listing(state: str = "", module: str = "", limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Runs, newest first, optionally of one state and/or module."""
    query = JobRun.select().order_by(JobRun.id, ascending=False).limit(limit).offset(offset)
    if state:
        query = query.where(JobRun.state == state)
    if module:
        query = query.where(JobRun.module == module)
    return [{**row, "args": json.loads(row["args"] or "[]"), "duration_ms": _duration_ms(row)}
            for row in await query.run()]


def _duration_ms(row: dict[str, Any]) -> int | None:
    if row["started_at"] is None or row["finished_at"] is None:
        return None
    return int((row["finished_at"] - row["started_at"]).total_seconds() * 1000)


async def modules() -> list[str]:
    rows = await JobRun.select(JobRun.module).distinct().order_by(JobRun.module).run()
    return [r["module"] for r in rows]


async def get(run_id: int) -> dict[str, Any] | None:
    return await JobRun.select().where(JobRun.id == run_id).first().run()


async def prune(retention_days: int) -> int:
    """Forget finished runs and idempotency keys older than the retention period."""
    cutoff = _now() - dt.timedelta(days=retention_days)
    gone = await JobRun.delete().where((JobRun.finished_at.is_not_null()) & (JobRun.finished_at < cutoff)
                                       ).returning(JobRun.id).run()
    await JobIdempotency.delete().where(JobIdempotency.claimed_at < cutoff).run()
    return len(gone)
