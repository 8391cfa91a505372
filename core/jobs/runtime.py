"""Where job coroutines run: one event loop per worker process.

A job's coroutine runs on the loop that owns this process's database engine (a pool
belongs to the loop that created it): a dedicated loop thread in `steward worker`, the
server's own loop in `steward serve`. `LoopWorker` (executor.py) runs jobs there as
tasks; `run` hands one over from a thread (an actor called by a plain Dramatiq worker).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None


class NoJobLoop(RuntimeError):
    """A job ran in a process that has not set its job loop (no worker started)."""


def set_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    global _loop
    _loop = loop


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on the job loop from a worker thread and wait for its result."""
    if _loop is None or _loop.is_closed():
        coro.close()
        raise NoJobLoop("no job event loop in this process: start a worker first")
    return asyncio.run_coroutine_threadsafe(coro, _loop).result()


class LoopThread(threading.Thread):
    """A daemon thread running its own event loop (used by `steward worker`)."""

    def __init__(self) -> None:
        super().__init__(name="steward-jobs-loop", daemon=True)
        self.loop = asyncio.new_event_loop()

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.join(timeout=10)
