"""The jobs area's tables: the embedded queue, job runs, idempotency keys, schedules."""

from __future__ import annotations

from piccolo.columns import BigInt, Boolean, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class JobMessage(Table, tablename="core_job_message"):
    """One queued message of the embedded broker (and the outbox of external brokers).

    Times are epoch milliseconds in integers: the sync broker code writes them with
    plain SQL and both databases compare them exactly.
    """

    id: Serial  # Piccolo's implicit primary key, declared for the type checker

    queue = Varchar(length=120, index=True)
    actor = Varchar(length=200)
    message_id = Varchar(length=40)
    payload = Text()  # the encoded Dramatiq message (JSON)
    state = Varchar(length=10, default="ready")  # ready | claimed | outbox
    eta = BigInt(index=True)
    lease_until = BigInt(null=True, default=None)
    attempts = Integer(default=0)
    created = BigInt()
    updated = BigInt()


class JobRun(Table, tablename="core_job_run"):
    """What happened to one enqueued job: state, timings, attempts, the last error."""

    id: Serial  # Piccolo's implicit primary key, declared for the type checker

    job = Varchar(length=200, index=True)
    module = Varchar(length=100, index=True)
    args = Text(default="[]")  # JSON list
    state = Varchar(length=10, index=True, default="queued")  # queued|running|done|failed|dead|skipped
    attempts = Integer(default=0)
    message_id = Varchar(length=40, default="")
    queued_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None, index=True)
    error = Text(default="")


class JobIdempotency(Table, tablename="core_job_idempotency"):
    id: Serial  # Piccolo's implicit primary key, declared for the type checker
    key = Varchar(length=255, unique=True)
    claimed_at = Timestamptz(default=TimestamptzNow(), index=True)


class ScheduleRecord(Table, tablename="core_schedule"):
    """A manifest schedule's persisted state; `version` makes claiming a tick atomic."""

    id: Serial  # Piccolo's implicit primary key, declared for the type checker

    name = Varchar(length=200, unique=True)
    module = Varchar(length=100, index=True)
    job = Varchar(length=200)
    cron = Varchar(length=100)
    paused = Boolean(default=False)
    last_run = Timestamptz(null=True, default=None)
    next_run = Timestamptz(null=True, default=None)
    version = Integer(default=1)
