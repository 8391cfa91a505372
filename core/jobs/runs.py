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
MAX_ERROR = 20_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def queued(job: str, module: str, args: tuple[Any, ...], message_id: str) -> int:
    row = await JobRun.insert(JobRun(job=job, module=module, args=json.dumps(list(args), default=str),
                                     state="queued", message_id=message_id)).returning(JobRun.id).run()
    return int(row[0]["id"])


RUNNING_AFTER = 0.2  # seconds: a job still running by then is shown as running


class _GroupCommit:
    """Concurrent jobs' run updates share one statement: whoever arrives while a write
    is in flight joins the next one. Each caller returns only once its update is
    committed, so a message is acknowledged only after its run says so."""

    def __init__(self, write: Callable[[list[Any]], Awaitable[None]]) -> None:
        self.write = write
        self.pending: list[tuple[Any, asyncio.Future[None]]] = []
        self.task: asyncio.Task[None] | None = None

    async def add(self, item: Any) -> None:
        await self.add_nowait(item)

    def add_nowait(self, item: Any) -> asyncio.Future[None]:
        """Queue `item` for the next write and return its future without waiting."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._drain(), context=contextvars.Context())
        return future

    async def flush(self) -> None:
        while self.task is not None and not self.task.done():
            await self.task

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                await self.write([item for item, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    future.set_exception(exc)
            else:
                for _, future in batch:
                    future.set_result(None)


async def _write_done(items: list[tuple[int, dt.datetime, bool, dt.datetime]]) -> None:
    """Mark runs done, each with the moment its job finished (not when this write
    happens: under load the history write may trail the jobs a little)."""
    cast = "" if is_sqlite() else "::timestamptz"  # SQLite has no such type to cast to

    def case(pairs: list[tuple[int, dt.datetime]]) -> str:
        return "CASE id " + " ".join(f"WHEN {int(run_id)} THEN {{}}{cast}" for run_id, _ in pairs) + " END"

    counted = [(run_id, finished) for run_id, _, marked, finished in items if marked]
    if counted:
        ids = ", ".join(str(int(run_id)) for run_id, _ in counted)
        await JobRun.raw(
            f"UPDATE core_job_run SET state = 'done', error = '', finished_at = {case(counted)}"
            f" WHERE id IN ({ids})",
            *[finished for _, finished in counted],
        ).run()
    fast = [(run_id, started, finished) for run_id, started, marked, finished in items if not marked]
    if fast:
        # Never shown as running: this one statement records the attempt and its start.
        ids = ", ".join(str(int(run_id)) for run_id, _, _ in fast)
        await JobRun.raw(
            f"UPDATE core_job_run SET state = 'done', error = '', attempts = attempts + 1,"
            f" finished_at = {case([(r, f) for r, _, f in fast])},"
            f" started_at = {case([(r, st) for r, st, _ in fast])} WHERE id IN ({ids})",
            *[finished for _, _, finished in fast], *[started for _, started, _ in fast],
        ).run()


_done_commits: dict[asyncio.AbstractEventLoop, _GroupCommit] = {}


def _done_commit() -> _GroupCommit:
    loop = asyncio.get_running_loop()
    if loop not in _done_commits:
        for old in [k for k in _done_commits if k.is_closed()]:
            del _done_commits[old]
        _done_commits[loop] = _GroupCommit(_write_done)
    return _done_commits[loop]


class Attempt:
    """One delivery of a run. A fast job's run is written once, when it ends; a job
    still busy after RUNNING_AFTER is marked running (and a killed worker leaves it so)."""

    def __init__(self, run_id: int) -> None:
        self.run_id, self.started_at, self.marked = run_id, _now(), False
        self._marking: asyncio.Task[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(RUNNING_AFTER, self._mark)

    def _mark(self) -> None:
        self._marking = asyncio.get_running_loop().create_task(self._write_running(), context=contextvars.Context())

    async def _write_running(self) -> None:
        await JobRun.update({JobRun.state: "running", JobRun.started_at: self.started_at, JobRun.finished_at: None,
                             JobRun.attempts: JobRun.attempts + 1}).where(JobRun.id == self.run_id).run()
        self.marked = True

    async def _settle(self) -> None:
        self._timer.cancel()
        if self._marking is not None:
            await self._marking

    async def done(self) -> None:
        """Record success. The write joins the next group commit without holding up the
        message's acknowledgement: the job's effect is already committed, and waiting
        for its history row cost most of a no-op job's time (bench/jobs.py). A worker
        killed in that window leaves the run showing queued/running; `flush()` runs
        on every orderly stop."""
        await self._settle()
        future = _done_commit().add_nowait((self.run_id, self.started_at, self.marked, _now()))
        future.add_done_callback(_log_failure)

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
