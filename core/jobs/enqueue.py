"""Enqueueing a job: after commit, never for a rolled-back transaction.

Every enqueue records a job run (state queued) in the caller's transaction.
Embedded broker: the message row is inserted in that same transaction, so it
exists exactly when the transaction commits. Redis/RabbitMQ inside a transaction:
the message goes to the outbox (a `core_job_message` row in state `outbox`), and is
relayed to the broker right after commit (and by any worker, should this process
die first). Outside a transaction the message is sent at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import time
import uuid
from collections.abc import Sequence
from typing import Any

from dramatiq.message import Message

from core.db import engine as db
from core.jobs.actors import RUN_OPTION
from core.jobs.broker import JobSystem, current
from core.jobs.embedded import now_ms
from core.jobs.models import JobMessage
from core.jobs.runs import INSERT_ROWS, queued_many

RELAY_BATCH = 200


class JobArgumentError(TypeError):
    """A job was given something other than JSON values (an object instead of its id)."""

_pending: set[asyncio.Task[None]] = set()


async def enqueue(job_name: str, *args: Any, delay: float | None = None) -> None:
    """Run `<module>.<job>(*args)` in a worker, `delay` seconds from now at the earliest.
    Arguments must be JSON values (ids, not objects)."""
    await send(current(), job_name, args, delay=delay)


async def enqueue_many(job_name: str, calls: Sequence[tuple[Any, ...]]) -> None:
    """`enqueue` for many calls of one job (an argument tuple each): their runs and
    messages are written by one INSERT each, not two statements a call."""
    await send_many(current(), job_name, calls)


async def send(system: JobSystem, job_name: str, args: tuple[Any, ...], *, delay: float | None = None,
               run_id: int | None = None) -> int:
    """Enqueue on `system`; `run_id` re-uses an existing run (retry). Returns the run id."""
    return (await send_many(system, job_name, [args], delay=delay, run_ids=None if run_id is None else [run_id]))[0]


async def send_many(system: JobSystem, job_name: str, calls: Sequence[tuple[Any, ...]], *,
                    delay: float | None = None, run_ids: Sequence[int] | None = None) -> list[int]:
    """Enqueue each argument tuple of `calls` on `system`; `run_ids` re-use existing runs
    (retries). Returns the run ids, in order."""
    if not calls:
        return []
    module, job = system.job(job_name)
    for args in calls:
        try:
            json.dumps(args)
        except (TypeError, ValueError):
            raise JobArgumentError(f"{job_name}: arguments must be JSON values (pass ids, not objects), "
                                   f"got {args!r}") from None
    message_ids = [str(uuid.uuid4()) for _ in calls]
    delay_ms = int((delay or 0) * 1000)
    external = not system.embedded
    in_txn = db.in_transaction()
    async with db.transaction():
        runs = list(run_ids) if run_ids is not None else await queued_many(
            job_name, module, list(zip((tuple(a) for a in calls), message_ids, strict=True)))
        stamp = int(time.time() * 1000)
        messages: list[Message[Any]] = [
            Message(queue_name=system.queue(job), actor_name=job_name, args=tuple(args), kwargs={},
                    options={RUN_OPTION: run}, message_id=message_id, message_timestamp=stamp)
            for args, run, message_id in zip(calls, runs, message_ids, strict=True)]
        if not external or in_txn:
            await _insert(messages, "outbox" if external else "ready", delay_ms)
    if external and not in_txn:
        for message in messages:
            system.broker.enqueue(message, delay=delay_ms or None)
    elif external:
        _relay_after_commit(system)
    elif not in_txn:
        system.broker.notify()  # type: ignore[attr-defined]
    return runs


async def _insert(messages: Sequence[Message[Any]], state: str, delay_ms: int) -> None:
    now = now_ms()
    for start in range(0, len(messages), INSERT_ROWS):
        await JobMessage.insert(*[
            JobMessage(queue=m.queue_name, actor=m.actor_name, message_id=m.message_id,
                       payload=m.encode().decode(), state=state, eta=now + delay_ms, attempts=0, created=now,
                       updated=now)
            for m in messages[start:start + INSERT_ROWS]]).run()


def _relay_after_commit(system: JobSystem) -> None:
    txn = db.current().current_transaction.get()

    async def wait_then_relay() -> None:
        # Piccolo has no commit hook; the transaction object says when it ended.
        for _ in range(30_000):
            if getattr(txn, "_committed", False):
                await relay(system)
                return
            if getattr(txn, "_rolled_back", False):
                return
            await asyncio.sleep(0.001)

    # A fresh context: the caller's carries its (soon closed) transaction.
    task = asyncio.get_running_loop().create_task(wait_then_relay(), context=contextvars.Context())
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def relay(system: JobSystem) -> int:
    """Send committed outbox messages to the external broker; returns how many."""
    skip_locked = "" if db.is_sqlite() else " FOR UPDATE SKIP LOCKED"
    async with db.transaction():
        rows = await JobMessage.raw(
            "DELETE FROM core_job_message WHERE id IN (SELECT id FROM core_job_message WHERE state = 'outbox'"
            f" ORDER BY id LIMIT {RELAY_BATCH}{skip_locked}) RETURNING payload, eta"
        ).run()
        now = now_ms()
        for row in rows:
            delay = max(0, int(row["eta"]) - now)
            system.broker.enqueue(Message.decode(row["payload"].encode()), delay=delay or None)
    return len(rows)
