"""The dispatch board's render cache: a rendered board kept per process and served again
only while the database says nothing it shows has changed.

A rendering is tagged with what it was read under, read *before* the board's data, in
one query (core.db.revisions):
- the revisions of every table the board reads: this module's (field service migration
  2026-11-27T17:30 gives them their counters and triggers) and core_partner (the
  customers it names), bumped by every write from any process or plain SQL;
- the security version (core.auth.cache): users' names, activity, roles and grants.
A change made by another process is therefore never served stale, and a read racing
with a change is tagged with the older revisions and so replaced at the next request.
A table without its counter: no caching.

The caller keys a rendering by everything else it depends on (user, registry version,
theme, language, time zone, today, the URL's view, date, team and page).
"""

from __future__ import annotations

from collections.abc import Hashable

from core.auth.cache import KEY as SECURITY_KEY
from core.db.revisions import TaggedCache, revisions

# Every table the board reads, its own and core's.
TABLES = ("field_service_work_order", "field_service_assignment", "field_service_technician",
          "field_service_absence", "field_service_team", "field_service_job_type", "field_service_request",
          "field_service_equipment", "core_partner")
MAX_ENTRIES = 256

Tag = tuple[int, ...]


class BoardCache:
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self._entries: TaggedCache[str] = TaggedCache(size)

    async def lookup(self, key: Hashable) -> tuple[str | None, Tag | None]:
        """The rendering kept for `key` if still current, and the tag to store a new one
        under (None: a table has no revision counter, do not cache)."""
        tag = await revisions(TABLES, (SECURITY_KEY,))
        if tag is None:
            return None, None
        return self._entries.get(key, tag), tag

    def store(self, key: Hashable, tag: Tag, html: str) -> None:
        """Keep `html`, read under `tag`."""
        self._entries.put(key, tag, html)

    def clear(self) -> None:
        self._entries.clear()
