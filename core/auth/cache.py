"""A per-process cache of signed-in users, invalidated by a database "security version".

Loading a user with their roles and permissions costs three queries, on every
request. `UserCache` keeps the result, tagged with what it was read under:

- the security version: a counter row bumped (`bump()`, in the same transaction)
  by every change to users, roles, role membership and grants. Every process
  re-reads it at most every `web.registry_check_seconds`, like the registry
  version, so a change made by another process takes effect within that time;
- the registry version (installs and uninstalls change grants);
- this process's own bump count, so a change made here takes effect at once.

An entry read under an older tag is never served: the tag is taken *before* the
user is read, so a read racing with a change cannot be kept past the next check.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from core.db.sequence import SequenceCounter

KEY = "core.security@version"
MAX_ENTRIES = 10_000
T = TypeVar("T")

_local_bumps = 0  # changes made by this process (any app instance)


async def security_version() -> int:
    row = await SequenceCounter.select(SequenceCounter.last).where(SequenceCounter.key == KEY).first().run()
    return int(row["last"]) if row else 0


async def bump() -> None:
    """Record that users, roles, memberships or grants changed. Call it inside the
    transaction that makes the change, so the two commit together."""
    global _local_bumps
    _local_bumps += 1
    await SequenceCounter.insert(SequenceCounter(key=KEY, last=0)).on_conflict(
        target=SequenceCounter.key, action="DO NOTHING").run()
    await SequenceCounter.update({SequenceCounter.last: SequenceCounter.last + 1}).where(
        SequenceCounter.key == KEY).run()


Tag = tuple[int, int, int]


class UserCache(Generic[T]):
    """user id -> the loaded user (or None: unknown or inactive), for at most `ttl` seconds."""

    def __init__(self, loader: Callable[[int], Awaitable[T]], interval: float, ttl: float = 300.0) -> None:
        self.loader, self.interval, self.ttl = loader, interval, ttl
        self._entries: dict[int, tuple[Tag, float, T]] = {}
        self._version = 0
        self._checked: float | None = None
        self._lock = asyncio.Lock()

    async def _security(self) -> int:
        if self._checked is None or time.monotonic() - self._checked >= self.interval:
            async with self._lock:
                if self._checked is None or time.monotonic() - self._checked >= self.interval:
                    self._version = await security_version()
                    self._checked = time.monotonic()
        return self._version

    async def get(self, user_id: int, registry_version: int) -> T:
        tag = (await self._security(), registry_version, _local_bumps)
        now = time.monotonic()
        hit = self._entries.get(user_id)
        if hit is not None and hit[0] == tag and hit[1] > now:
            return hit[2]
        user = await self.loader(user_id)
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[user_id] = (tag, now + self.ttl, user)
        return user
