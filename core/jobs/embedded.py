"""The embedded broker: a Dramatiq broker over the application's own database.

Messages are rows of `core_job_message`. A consumer claims a batch with one atomic
`UPDATE ... RETURNING` (PostgreSQL: the ids come from a `FOR UPDATE SKIP LOCKED`
subselect; SQLite: inside `BEGIN IMMEDIATE`), setting a lease. While a message runs
its consumer renews the lease; a crashed worker stops renewing, so the message is
claimed again once the lease expires. Ack and nack delete the row (the job run keeps
the history), requeue hands it back. Delays are an `eta` column, not delay queues.

Dramatiq is synchronous (threads), so this code talks to the database with its own
connections, one per thread: sqlite3, or asyncpg on a private event loop that the
querying thread runs.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
import dramatiq
from dramatiq.broker import Consumer, MessageProxy
from dramatiq.errors import QueueNotFound
from dramatiq.message import Message

from core.db.engine import postgres_config, sqlite_path

TABLE = "core_job_message"
MIN_POLL, MAX_POLL = 0.005, 0.2  # seconds between polls of an idle queue
IDLE_RETURN = 0.05  # hand control back to the worker this often so acks flow
LINGER = 0.002  # seconds a claim on a busy queue may wait for more free slots


def now_ms() -> int:
    return int(time.time() * 1000)


class _Connection:
    """One thread's connection; `?` placeholders on both engines."""

    def __init__(self, url: str, busy_timeout: float) -> None:
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            # isolation_level=None: autocommit; write transactions say BEGIN IMMEDIATE themselves.
            self.db = sqlite3.connect(sqlite_path(url), timeout=busy_timeout, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
        else:
            # asyncpg needs an event loop: a private one that the querying thread runs
            # until the query is done. Handing each query to a loop in another thread
            # cost a consumer two thread switches per claim, each waiting for the GIL.
            self.loop = asyncio.new_event_loop()
            self._helper: concurrent.futures.ThreadPoolExecutor | None = None
            self.pg = self._await(asyncpg.connect(**postgres_config(url)))

    def _await(self, coro: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self.loop.run_until_complete(coro)
        # This thread runs an event loop of its own (a retry sent from the job loop), in
        # which another cannot run: a helper thread runs ours.
        if self._helper is None:
            self._helper = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="steward-broker-pg")
        return self._helper.submit(self.loop.run_until_complete, coro).result()

    def _pg_sql(self, sql: str) -> str:
        parts = sql.split("?")
        return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            return self.db.execute(sql, tuple(args)).fetchall()
        records = self._await(self.pg.fetch(self._pg_sql(sql), *args))
        return [tuple(r) for r in records]

    def claim(self, sql: str, args: Sequence[Any], before: str = "") -> list[tuple[Any, ...]]:
        """Run the claiming `sql`, after `before` (a statement without parameters) in the
        same transaction: one round trip on PostgreSQL, one write lock on SQLite."""
        if not self.sqlite:
            return self.rows(f"WITH before AS ({before}) {sql}" if before else sql, args)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if before:
                self.db.execute(before)
            found = self.rows(sql, args)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return found

    def close(self) -> None:
        if self.sqlite:
            self.db.close()
        else:
            self._await(self.pg.close())
            if self._helper is not None:
                self._helper.shutdown()
            self.loop.close()


class _Store:
    """The queue's SQL, on a connection per thread."""

    def __init__(self, url: str, busy_timeout: float = 30.0) -> None:
        self.url, self.busy_timeout = url, busy_timeout
        self._local = threading.local()
        self._all: list[_Connection] = []
        self._lock = threading.Lock()
        self.skip_locked = "" if url.startswith("sqlite") else " FOR UPDATE SKIP LOCKED"

    @property
    def conn(self) -> _Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _Connection(self.url, self.busy_timeout)
            with self._lock:
                self._all.append(conn)
        return conn

    def insert(self, message: Message, eta: int) -> None:
        now = now_ms()
        self.conn.rows(
            f"INSERT INTO {TABLE} (queue, actor, message_id, payload, state, eta, attempts, created, updated)"
            " VALUES (?, ?, ?, ?, 'ready', ?, 0, ?, ?)",
            (message.queue_name, message.actor_name, message.message_id, message.encode().decode(), eta, now, now),
        )

    def has_ready(self, queue: str) -> bool:
        now = now_ms()
        return bool(self.conn.rows(
            f"SELECT 1 FROM {TABLE} WHERE queue = ? AND eta <= ? AND (state = 'ready'"
            " OR (state = 'claimed' AND lease_until < ?)) LIMIT 1", (queue, now, now)))

    def claim(self, queue: str, limit: int, lease_ms: int, acked: Sequence[int] = ()) -> list[tuple[int, str]]:
        """Claim up to `limit` due messages; delete the `acked` ones in the same transaction."""
        now = now_ms()
        sql = (
            f"UPDATE {TABLE} SET state = 'claimed', lease_until = ?, attempts = attempts + 1, updated = ?"
            f" WHERE id IN (SELECT id FROM {TABLE} WHERE queue = ? AND eta <= ? AND (state = 'ready'"
            f" OR (state = 'claimed' AND lease_until < ?)) ORDER BY eta, id LIMIT ?{self.skip_locked})"
            " RETURNING id, payload"
        )
        return sorted(self.conn.claim(sql, (now + lease_ms, now, queue, now, now, limit), self._delete_sql(acked)))

    def _in(self, ids: Iterable[int]) -> str:
        return ", ".join(str(int(i)) for i in ids)

    def _delete_sql(self, ids: Sequence[int]) -> str:
        return f"DELETE FROM {TABLE} WHERE id IN ({self._in(ids)})" if ids else ""

    def delete(self, ids: Iterable[int]) -> None:
        if ids := list(ids):
            self.conn.rows(self._delete_sql(ids))

    def release(self, ids: Iterable[int]) -> None:
        if ids := list(ids):
            self.conn.rows(f"UPDATE {TABLE} SET state = 'ready', lease_until = NULL, updated = ?"
                           f" WHERE id IN ({self._in(ids)})", (now_ms(),))

    def renew(self, ids: Iterable[int], lease_ms: int) -> None:
        if ids := list(ids):
            now = now_ms()
            self.conn.rows(f"UPDATE {TABLE} SET lease_until = ?, updated = ? WHERE state = 'claimed'"
                           f" AND id IN ({self._in(ids)})", (now + lease_ms, now))

    def count(self, queue: str) -> int:
        return int(self.conn.rows(f"SELECT COUNT(*) FROM {TABLE} WHERE queue = ? AND state != 'outbox'",
                                  (queue,))[0][0])

    def flush(self, queue: str) -> None:
        self.conn.rows(f"DELETE FROM {TABLE} WHERE queue = ? AND state != 'outbox'", (queue,))

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()


class _Proxy(MessageProxy):
    def __init__(self, row_id: int, message: Message) -> None:
        super().__init__(message)
        self.row_id = row_id


class EmbeddedBroker(dramatiq.Broker):
    """Durable queues in `core_job_message`; see the module docstring."""

    def __init__(self, url: str, *, lease_seconds: float = 60.0, busy_timeout: float = 30.0,
                 middleware: list[dramatiq.Middleware] | None = None) -> None:
        super().__init__(middleware=middleware)
        self.store = _Store(url, busy_timeout)
        self.lease_ms = int(lease_seconds * 1000)
        self._wake = threading.Condition()

    def notify(self) -> None:
        """Wake idle consumers of this process (a message was just committed)."""
        with self._wake:
            self._wake.notify_all()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if woken by `notify`."""
        with self._wake:
            return self._wake.wait(seconds)

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 30000) -> Consumer:
        if queue_name not in self.queues:
            raise QueueNotFound(queue_name)
        return EmbeddedConsumer(self, queue_name, prefetch, timeout)

    def declare_queue(self, queue_name: str) -> None:
        if queue_name not in self.queues:
            self.emit_before("declare_queue", queue_name)
            self.queues[queue_name] = None
            self.emit_after("declare_queue", queue_name)

    def enqueue(self, message: Message, *, delay: int | None = None) -> Message:
        if message.queue_name not in self.queues:
            raise QueueNotFound(message.queue_name)
        options = {k: v for k, v in message.options.items() if k != "eta"}
        message = message.copy(options=options)
        self.emit_before("enqueue", message, delay)
        self.store.insert(message, now_ms() + int(delay or 0))
        self.emit_after("enqueue", message, delay)
        self.notify()
        return message

    def get_declared_queues(self) -> set[str]:
        return set(self.queues)

    def get_declared_delay_queues(self) -> set[str]:
        return set()

    def flush(self, queue_name: str) -> None:
        self.store.flush(queue_name)

    def flush_all(self) -> None:
        for queue in self.queues:
            self.flush(queue)

    def join(self, queue_name: str, *, timeout: int | None = None) -> None:
        """Wait until `queue_name` holds no message (tests and benchmarks)."""
        deadline = None if timeout is None else time.monotonic() + timeout / 1000
        while self.store.count(queue_name):
            if deadline is not None and time.monotonic() > deadline:
                raise dramatiq.errors.QueueJoinTimeout(queue_name)
            time.sleep(0.01)

    def close(self) -> None:
        self.store.close()


class EmbeddedConsumer(Consumer):
    """Claims up to `prefetch` messages at a time; acks are flushed in batches.

    Dramatiq calls ack/nack from its worker threads and `__next__` from the consumer
    thread, so the bookkeeping shared between them is guarded by `room` (a condition
    that an ack signals: a slot is free again).

    Database round trips are what a message costs here, so they are batched: prefetched
    messages are handed out without touching the database; a claim waits until a
    quarter of the slots are free (the rest keep the workers busy), lingers a moment
    for more, and deletes the acked rows in the same transaction; only a consumer with
    nothing to claim deletes acks on their own, at the latest every IDLE_RETURN. A
    finished message waiting for its run to be recorded (`hold`) keeps its lease but
    not its slot.
    """

    def __init__(self, broker: EmbeddedBroker, queue: str, prefetch: int, timeout: int) -> None:
        self.broker, self.queue = broker, queue
        self.prefetch, self.timeout = prefetch, timeout / 1000
        self.batch = max(1, prefetch // 4)  # free slots worth a claim while others still run
        self.awaited = 0  # free slots `_room` is waiting for (0: not waiting)
        self.ready: collections.deque[_Proxy] = collections.deque()
        self.inflight: set[int] = set()  # claimed and not finished: these take the slots
        self.held: set[int] = set()  # finished, waiting to be acknowledged: leased, no slot
        self.done: list[int] = []
        self.poll = MIN_POLL
        self.drained = True  # the last claim found fewer messages than it asked for
        self.checked = 0.0  # when an idle queue was last looked at
        self.renewed = time.monotonic()
        self.room = threading.Condition()

    def ack(self, message: MessageProxy) -> None:
        self._finish(message)

    def nack(self, message: MessageProxy) -> None:
        # Dead-lettered: the job run records it (state dead); the queue forgets it.
        self._finish(message)

    def _finish(self, message: MessageProxy) -> None:
        assert isinstance(message, _Proxy)
        with self.room:
            self.inflight.discard(message.row_id)
            self.held.discard(message.row_id)
            self.done.append(message.row_id)
            self._signal()

    def hold(self, message: MessageProxy) -> None:
        """`message`'s job finished, and its acknowledgement waits for the job's run to
        be recorded: meanwhile it keeps its lease but frees its slot for the next one."""
        assert isinstance(message, _Proxy)
        with self.room:
            if message.row_id in self.inflight:
                self.inflight.discard(message.row_id)
                self.held.add(message.row_id)
                self._signal()

    def _signal(self) -> None:
        """Wake `_room` if it has the slots it waits for now (called holding `room`)."""
        if self.awaited and self.prefetch - len(self.inflight) >= self.awaited:
            self.room.notify()

    def requeue(self, messages: Iterable[MessageProxy]) -> None:
        ids = [m.row_id for m in messages if isinstance(m, _Proxy)]
        self.broker.store.release(ids)
        with self.room:
            self.inflight.difference_update(ids)
            self.held.difference_update(ids)
            self.room.notify()

    def _take_acks(self) -> list[int]:
        with self.room:
            done, self.done = self.done, []
        return done

    def _flush_acks(self) -> None:
        self.broker.store.delete(self._take_acks())

    def _renew_leases(self) -> None:
        if time.monotonic() - self.renewed >= self.broker.lease_ms / 3000:
            with self.room:
                running = list(self.inflight | self.held)
            self.broker.store.renew(running, self.broker.lease_ms)
            self.renewed = time.monotonic()

    def _room(self, deadline: float) -> int:
        """Free slots, once there are enough for a claim (or the deadline passed). While
        the queue is busy, a claim lingers a moment for every slot to free up: a claim
        costs a round trip whatever its size, and fast jobs free their slots sooner."""
        with self.room:
            linger: float | None = None  # until when
            while True:
                free, now = self.prefetch - len(self.inflight), time.monotonic()
                enough = free >= self.batch
                if free >= self.prefetch or enough and self.drained:
                    return free
                if enough and linger is None:
                    linger = now + LINGER
                until = deadline if linger is None else min(deadline, linger)
                if now >= until:
                    return free
                self.awaited = self.prefetch if enough else self.batch
                self.room.wait(until - now)
                self.awaited = 0

    def _fetch(self, free: int) -> bool:
        if self.drained:
            # An idle queue is looked at every `poll` seconds (sooner when notified).
            if time.monotonic() - self.checked < self.poll:
                return False
            self.checked = time.monotonic()
            if not self.broker.store.has_ready(self.queue):
                self.poll = min(self.poll * 2, MAX_POLL)
                return False
        rows = self.broker.store.claim(self.queue, free, self.broker.lease_ms, self._take_acks())
        self.drained = len(rows) < free
        for row_id, payload in rows:
            with self.room:
                self.inflight.add(row_id)
            self.ready.append(_Proxy(row_id, Message.decode(payload.encode())))
        return bool(self.ready)

    def __next__(self) -> MessageProxy | None:
        if self.ready:
            return self.ready.popleft()
        self._renew_leases()
        deadline = time.monotonic() + min(self.timeout, IDLE_RETURN)
        while True:
            free = self._room(deadline)
            if free > 0 and self._fetch(free):
                self.poll = MIN_POLL
                return self.ready.popleft()
            self._flush_acks()
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if free > 0 and self.broker.wait(min(self.poll, left)):
                self.poll, self.checked = MIN_POLL, 0.0  # a message was just sent: look now

    def close(self) -> None:
        self._flush_acks()
        if self.ready:
            self.requeue(list(self.ready))
            self.ready.clear()
