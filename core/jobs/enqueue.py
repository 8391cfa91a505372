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
from typing import Any

from dramatiq.message import Message

from core.db import engine as db
from core.jobs.actors import RUN_OPTION
from core.jobs.broker import JobSystem, current
from core.jobs.embedded import now_ms
from core.jobs.models import JobMessage
from core.jobs.runs import queued

RELAY_BATCH = 200


class JobArgumentError(TypeError):
    """A job was given something other than JSON values (an object instead of its id)."""

_pending: set[asyncio.Task[None]] = set()


async def enqueue(job_name: str, *args: Any, delay: float | None = None) -> None:
    """Run `<module>.<job>(*args)` in a worker, `delay` seconds from now at the earliest.
    Arguments must be JSON values (ids, not objects)."""
    await send(current(), job_name, args, delay=delay)


async def send(system: JobSystem, job_name: str, args: tuple[Any, ...], *, delay: float | None = None,
               run_id: int | None = None) -> int:
    """Enqueue on `system`; `run_id` re-uses an existing run (retry). Returns the run id."""
    module, job = system.job(job_name)
    try:
        json.dumps(args)
    except (TypeError, ValueError):
        raise JobArgumentError(f"{job_name}: arguments must be JSON values (pass ids, not objects), "
                               f"got {args!r}") from None
    message_id = str(uuid.uuid4())
    delay_ms = int((delay or 0) * 1000)
    external = not system.embedded
    in_txn = db.in_transaction()
    async with db.transaction():
        if run_id is None:
            run_id = await queued(job_name, module, args, message_id)
        message: Message[Any] = Message(queue_name=system.queue(job), actor_name=job_name, args=tuple(args), kwargs={},
                          options={RUN_OPTION: run_id}, message_id=message_id,
                          message_timestamp=int(time.time() * 1000))
        if not external or in_txn:
            await _insert(message, "outbox" if external else "ready", delay_ms)
    if external and not in_txn:
        system.broker.enqueue(message, delay=delay_ms or None)
    elif external:
        _relay_after_commit(system)
    elif not in_txn:
        system.broker.notify()  # type: ignore[attr-defined]
    return run_id


async def _insert(message: Message, state: str, delay_ms: int) -> None:
    now = now_ms()
    await JobMessage.insert(JobMessage(queue=message.queue_name, actor=message.actor_name,
                                       message_id=message.message_id, payload=message.encode().decode(),
                                       state=state, eta=now + delay_ms, attempts=0, created=now,
                                       updated=now)).run()


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
