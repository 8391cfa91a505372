"""Who is acting: set by the web layer per request, by the CLI, by jobs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

current_user_id: ContextVar[int | None] = ContextVar("current_user_id", default=None)


@contextlib.contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    token = current_user_id.set(user_id)
    try:
        yield
    finally:
        current_user_id.reset(token)
