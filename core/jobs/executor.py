"""A Dramatiq worker whose jobs run as tasks on the process's job loop.

Dramatiq hands each message to one of its worker threads, and a Steward job is a
coroutine on the job loop: in a worker thread every job would cross to the loop and
back, two thread switches fighting for the GIL, which cost a no-op job most of its
time (bench/jobs.py). `LoopWorker` keeps Dramatiq's consumers, middleware, retries and
acknowledgements, and replaces the worker threads by up to `concurrency` tasks on the
loop. A consumer thread wakes the loop once for whatever it queued meanwhile.

Thread-bound middleware cannot work on a shared loop: Dramatiq's TimeLimit and
ShutdownNotifications raise an exception into the thread running a message. So the
time limit (option `time_limit`, declared by `TimeLimit` below) cancels the job's task
here, and a stopping worker lets running jobs finish.

On the embedded broker a message is acknowledged once its job's run is recorded
(`runs.recorded()`), without holding a slot meanwhile: a worker killed in between
leaves the message to run again, never a finished job without its run.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import queue
import threading
from typing import Any, cast

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import RateLimitExceeded
from dramatiq.middleware import Middleware, SkipMessage, TimeLimitExceeded
from dramatiq.middleware.retries import Retry
from dramatiq.worker import WorkerThread

from core.jobs import runs
from core.jobs.embedded import EmbeddedBroker, EmbeddedConsumer

log = logging.getLogger("steward.jobs")
EXECUTE = "steward_execute"  # an actor function's coroutine entry point: (options, args) -> result


class TimeLimit(Middleware):
    """Declares the `time_limit` option (milliseconds; default 10 minutes) that
    `LoopWorker` enforces, in place of Dramatiq's thread-interrupting TimeLimit."""

    def __init__(self, *, time_limit: int = 600_000) -> None:
        self.time_limit = time_limit

    @property
    def actor_options(self) -> set[str]:
        return {"time_limit"}


class _WakingQueue(queue.PriorityQueue):  # type: ignore[type-arg]
    """The worker's work queue: a put wakes the runner on its loop."""

    def __init__(self, runner: _Runner) -> None:
        super().__init__()
        self.runner = runner

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        super().put(item, block, timeout)
        self.runner.wake()


class _Runner:
    """Stands in for Dramatiq's worker threads (stop, join, pause, resume)."""

    def __init__(self, worker: LoopWorker, loop: asyncio.AbstractEventLoop, concurrency: int) -> None:
        self.worker, self.loop, self.concurrency = worker, loop, max(1, concurrency)
        self.running = 0  # jobs running
        self.outstanding = 0  # messages taken and not acknowledged yet
        self.tasks: set[asyncio.Task[None]] = set()
        self.deadlines: dict[asyncio.Task[None], tuple[float, int]] = {}
        self.expired: set[asyncio.Task[None]] = set()
        self.watchdog: asyncio.TimerHandle | None = None
        self.lock = threading.Lock()
        self.scheduled = self.stopping = self.paused = False
        self.idle = threading.Event()
        self.idle.set()
        self.paused_event = threading.Event()
        # Acknowledging is a network call on Redis and RabbitMQ: off the loop, on a thread of its own.
        self.acker = None if isinstance(worker.broker, (EmbeddedBroker, StubBroker)) else _Acker(self)
        limits = [m for m in worker.broker.middleware if isinstance(m, TimeLimit)]
        self.time_limit = limits[0].time_limit if limits else TimeLimit().time_limit

    # -- called from any thread ---------------------------------------------------

    def wake(self) -> None:
        with self.lock:
            if self.scheduled:
                return
            self.scheduled = True
        self.loop.call_soon_threadsafe(self._fill)

    def stop(self) -> None:
        self.stopping = True

    def join(self, timeout: float | None = None) -> None:
        """Wait for running jobs (never call this on the loop: it would wait for itself)."""
        self.idle.wait(timeout)

    def pause(self) -> None:
        self.paused = True
        if not self.outstanding:
            self.paused_event.set()

    def resume(self) -> None:
        self.paused = False
        self.paused_event.clear()
        self.wake()

    # -- on the loop -------------------------------------------------------------------

    def _fill(self) -> None:
        with self.lock:
            self.scheduled = False
        work = self.worker.work_queue
        while not (self.stopping or self.paused) and self.running < self.concurrency:
            try:
                item = work.get_nowait()
            except queue.Empty:
                break
            self.idle.clear()
            self.running += 1
            self.outstanding += 1
            # A fresh context each: CurrentMessage keeps the message in a context variable.
            task = self.loop.create_task(self._process(item.message), context=contextvars.Context())
            self.tasks.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.worker.work_queue.task_done()

    def _free_slot(self) -> None:
        self.running -= 1
        self._fill()

    def _acked(self, count: int = 1) -> None:
        self.outstanding -= count
        if not self.outstanding:
            if self.paused:
                self.paused_event.set()
            self.idle.set()

    def _limit(self, task: asyncio.Task[None], limit: int) -> None:
        """Cancel `task` once `limit` ms have passed: one timer checks every running job
        each second (as Dramatiq's TimeLimit does), rather than a timer per job."""
        self.deadlines[task] = (self.loop.time() + limit / 1000, limit)
        if self.watchdog is None:
            self.watchdog = self.loop.call_later(1.0, self._watch)

    def _watch(self) -> None:
        self.watchdog = None
        now = self.loop.time()
        for task, (deadline, limit) in list(self.deadlines.items()):
            if deadline <= now:
                del self.deadlines[task]
                self.expired.add(task)
                task.cancel(msg=f"time limit of {limit} ms exceeded")
        if self.deadlines:
            self.watchdog = self.loop.call_later(1.0, self._watch)

    async def _process(self, message: Any) -> None:
        """WorkerThread.process_message, with the actor awaited on the loop."""
        broker = self.worker.broker
        actor, cancelled = None, False
        try:
            broker.emit_before("process_message", message)
            result = None
            if not message.failed:
                actor = broker.get_actor(message.actor_name)
                result = await self._call(actor, message)
            broker.emit_after("process_message", message, result=result)
        except SkipMessage as e:
            if message.failed:
                message.stuff_exception(e)
            log.warning("Message %s was skipped.", message)
            broker.emit_after("skip_message", message)
        except asyncio.CancelledError:
            cancelled = True  # the loop is going away: no acknowledgement, the message comes back
            raise
        except BaseException as e:
            message.stuff_exception(e)
            throws = message.options.get("throws") or (actor and actor.options.get("throws"))
            if isinstance(e, RateLimitExceeded):
                log.debug("Rate limit exceeded in message %s: %s.", message, e)
            elif throws and isinstance(e, throws):
                log.info("Failed to process message %s with expected exception %s.", message, type(e).__name__)
            elif not isinstance(e, Retry):
                log.error("Failed to process message %s with unhandled exception.", message, exc_info=True)
            # Off the loop: Retries enqueues the next attempt there, a blocking write
            # (SQLite may wait for its lock).
            await asyncio.to_thread(broker.emit_after, "process_message", message, exception=e)
        finally:
            self._free_slot()
            if not cancelled:
                self._settle(message)

    def _settle(self, message: Any) -> None:
        """Acknowledge a processed message. On the embedded broker, once its run is
        recorded: it keeps its lease meanwhile, not its slot. Other brokers count an
        unacknowledged message against their prefetch, so there it is acknowledged at
        once (a worker killed in the few ms before its run is written leaves the run
        queued or running)."""
        recorded = runs.recorded()
        consumer = self.worker.consumers[message.queue_name].consumer
        if recorded is None or recorded.done() or not isinstance(consumer, EmbeddedConsumer):
            self._ack(message)
        else:
            consumer.hold(message)
            recorded.add_done_callback(lambda _: self._ack(message))  # failed writes are logged where they fail

    async def _call(self, actor: dramatiq.Actor[Any, Any], message: Any) -> Any:
        task = asyncio.current_task()
        assert task is not None
        limit = message.options.get("time_limit") or actor.options.get("time_limit") or self.time_limit
        self._limit(task, limit)
        try:
            execute = getattr(actor.fn, EXECUTE, None)
            if execute is not None:
                return await execute(dict(message.options), tuple(message.args))
            # Any other actor is a plain function: run it in a thread (context and all).
            return await asyncio.to_thread(actor, *message.args, **message.kwargs)
        except asyncio.CancelledError:
            if task not in self.expired:
                raise
            self.expired.discard(task)
            task.uncancel()
            raise TimeLimitExceeded(f"{message} exceeded its time limit of {limit} ms") from None
        finally:
            self.deadlines.pop(task, None)

    def _ack(self, message: Any) -> None:
        """Acknowledge (or reject) a processed message, as Dramatiq's worker thread would."""
        if self.acker is None:
            self.post_process(message)
            self._acked()
        else:
            self.acker.messages.put(message)

    def post_process(self, message: Any) -> None:
        self.worker.consumers[message.queue_name].post_process_message(message)
        message.clear_exception()

    def start(self) -> None:
        if self.acker is not None:
            self.acker.start()

    def close(self) -> None:
        if self.acker is not None:
            self.acker.messages.put(None)
            self.acker.join(10)


class _Acker(threading.Thread):
    """Acknowledges a network broker's messages off the loop, all those waiting at once."""

    def __init__(self, runner: _Runner) -> None:
        super().__init__(name="steward-jobs-ack", daemon=True)
        self.runner = runner
        self.messages: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            batch = [self.messages.get()]
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(self.messages.get_nowait())
            for message in batch:
                if message is not None:
                    self.runner.post_process(message)
            if done := sum(message is not None for message in batch):
                with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                    self.runner.loop.call_soon_threadsafe(self.runner._acked, done)
            if None in batch:
                return


class LoopWorker(dramatiq.Worker):
    """`dramatiq.Worker` running up to `concurrency` jobs at once as tasks on `loop`.

    Start it on any thread; stop it on a thread other than the loop's (stopping waits
    for running jobs, which need the loop)."""

    def __init__(self, broker: dramatiq.Broker, loop: asyncio.AbstractEventLoop, *, concurrency: int,
                 worker_timeout: int) -> None:
        super().__init__(broker, worker_timeout=worker_timeout, worker_threads=concurrency)
        self.runner = _Runner(self, loop, concurrency)
        self.work_queue = _WakingQueue(self.runner)

    def _add_worker(self) -> None:
        # Dramatiq's start() adds `worker_threads` threads; the runner stands in for all of them.
        if not self.workers:
            self.runner.start()
            self.workers.append(cast(WorkerThread, self.runner))

    def stop(self, timeout: int = 600_000) -> None:
        super().stop(timeout)
        self.runner.close()
