"""The embedded broker: a Dramatiq broker over the application's own database.

Messages are rows of `core_job_message`. A consumer claims a batch with one atomic
`UPDATE ... RETURNING` (PostgreSQL: the ids come from a `FOR UPDATE SKIP LOCKED`
subselect; SQLite: inside `BEGIN IMMEDIATE`), setting a lease. While a message runs
its consumer renews the lease; a crashed worker stops renewing, so the message is
claimed again once the lease expires. Ack and nack delete the row (the job run keeps
the history), requeue hands it back. Delays are an `eta` column, not delay queues.

Dramatiq is synchronous (threads), so this code talks to the database with its own
connections, one per thread: sqlite3, or asyncpg driven by a private event loop.
"""

from __future__ import annotations

import asyncio
import collections
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
FULL_WAIT = 0.001


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
            # asyncpg needs a loop; a private one in its own thread can be driven from any
            # thread, including one whose own loop is running.
            self.loop = asyncio.new_event_loop()
            threading.Thread(target=self.loop.run_forever, name="steward-broker-pg", daemon=True).start()
            self.pg = self._await(asyncpg.connect(**postgres_config(url)))

    def _await(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def _pg_sql(self, sql: str) -> str:
        parts = sql.split("?")
        return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            return self.db.execute(sql, tuple(args)).fetchall()
        records = self._await(self.pg.fetch(self._pg_sql(sql), *args))
        return [tuple(r) for r in records]

    def claim(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        if not self.sqlite:
            return self.rows(sql, args)
        self.db.execute("BEGIN IMMEDIATE")
        try:
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
            self.loop.call_soon_threadsafe(self.loop.stop)


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

    def claim(self, queue: str, limit: int, lease_ms: int) -> list[tuple[int, str]]:
        now = now_ms()
        sql = (
            f"UPDATE {TABLE} SET state = 'claimed', lease_until = ?, attempts = attempts + 1, updated = ?"
            f" WHERE id IN (SELECT id FROM {TABLE} WHERE queue = ? AND eta <= ? AND (state = 'ready'"
            f" OR (state = 'claimed' AND lease_until < ?)) ORDER BY eta, id LIMIT ?{self.skip_locked})"
            " RETURNING id, payload"
        )
        return sorted(self.conn.claim(sql, (now + lease_ms, now, queue, now, now, limit)))

    def _in(self, ids: Iterable[int]) -> str:
        return ", ".join(str(int(i)) for i in ids)

    def delete(self, ids: Iterable[int]) -> None:
        if ids := list(ids):
            self.conn.rows(f"DELETE FROM {TABLE} WHERE id IN ({self._in(ids)})")

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

    def wait(self, seconds: float) -> None:
        with self._wake:
            self._wake.wait(seconds)

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 30000) -> Consumer:
        if queue_name not in self.queues:
            raise QueueNotFound(queue_name)
        return _Consumer(self, queue_name, prefetch, timeout)

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


class _Consumer(Consumer):
    """Claims up to `prefetch` messages at a time; acks are flushed in batches.

    Dramatiq calls ack/nack from its worker threads and `__next__` from the consumer
    thread, so the bookkeeping shared between them is guarded by a lock.
    """

    def __init__(self, broker: EmbeddedBroker, queue: str, prefetch: int, timeout: int) -> None:
        self.broker, self.queue = broker, queue
        self.prefetch, self.timeout = prefetch, timeout / 1000
        self.ready: collections.deque[_Proxy] = collections.deque()
        self.inflight: set[int] = set()
        self.done: list[int] = []
        self.poll = MIN_POLL
        self.renewed = time.monotonic()
        self.lock = threading.Lock()

    def ack(self, message: MessageProxy) -> None:
        self._finish(message)

    def nack(self, message: MessageProxy) -> None:
        # Dead-lettered: the job run records it (state dead); the queue forgets it.
        self._finish(message)

    def _finish(self, message: MessageProxy) -> None:
        assert isinstance(message, _Proxy)
        with self.lock:
            self.inflight.discard(message.row_id)
            self.done.append(message.row_id)

    def requeue(self, messages: Iterable[MessageProxy]) -> None:
        ids = [m.row_id for m in messages if isinstance(m, _Proxy)]
        self.broker.store.release(ids)
        with self.lock:
            self.inflight.difference_update(ids)

    def _flush_acks(self) -> None:
        with self.lock:
            done, self.done = self.done, []
        self.broker.store.delete(done)

    def _renew_leases(self) -> None:
        if time.monotonic() - self.renewed >= self.broker.lease_ms / 3000:
            with self.lock:
                running = list(self.inflight)
            self.broker.store.renew(running, self.broker.lease_ms)
            self.renewed = time.monotonic()

    def _busy(self) -> int:
        with self.lock:
            return len(self.inflight)

    def _fetch(self) -> bool:
        free = self.prefetch - self._busy()
        if free <= 0 or not self.broker.store.has_ready(self.queue):
            return False
        for row_id, payload in self.broker.store.claim(self.queue, free, self.broker.lease_ms):
            with self.lock:
                self.inflight.add(row_id)
            self.ready.append(_Proxy(row_id, Message.decode(payload.encode())))
        return bool(self.ready)

    def __next__(self) -> MessageProxy | None:
        self._flush_acks()
        self._renew_leases()
        deadline = time.monotonic() + min(self.timeout, IDLE_RETURN)
        while not self.ready:
            if self._busy() >= self.prefetch:
                # Every slot is busy: give the worker a moment, then let it process acks.
                time.sleep(FULL_WAIT)
                return None
            if self._fetch():
                self.poll = MIN_POLL
                break
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.broker.wait(min(self.poll, left))
            self.poll = min(self.poll * 2, MAX_POLL)
        return self.ready.popleft()

    def close(self) -> None:
        self._flush_acks()
        if self.ready:
            self.requeue(list(self.ready))
            self.ready.clear()
