"""The dispatch board's render cache: a rendered board kept per process and served again
only while the database says nothing it shows has changed.

A rendering is tagged with what it was read under, read *before* the board's data:
- the board revision, a core_sequence_counter row that triggers on every table the board
  reads bump in the writing transaction (migration 2026-11-27T14:00), whoever writes;
- the security version (core.auth.cache): users' names, activity, roles and grants;
- the count and summed versions of the customers (core_partner rows) it names, which
  this module cannot put a trigger on (versions only grow, so any edit changes the sum).
Every request re-reads all three in one query, so a change made by another process (or
by plain SQL) is never served stale, and a read racing with a change is tagged with the
older revision and so replaced at the next request. No revision row, no caching.

The caller keys a rendering by everything else it depends on (user, registry version,
theme, language, time zone, today, the URL's view, date, team and page).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from piccolo.querystring import QueryString

from core.auth.cache import KEY as SECURITY_KEY
from core.db.engine import current

REVISION_KEY = "field_service.board@revision"
MAX_ENTRIES = 256

Tag = tuple[int, int]  # (board revision, security version)


@dataclass(frozen=True)
class Entry:
    tag: Tag
    partners: tuple[int, ...]
    partner_mark: tuple[int, int]  # (rows found, sum of their versions)
    html: str


def _mark(partners: Mapping[int, int]) -> tuple[int, int]:
    return len(partners), sum(partners.values())


class BoardCache:
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._entries: dict[Hashable, Entry] = {}

    async def lookup(self, key: Hashable) -> tuple[str | None, Tag | None]:
        """The rendering kept for `key` if still current, and the tag to store a new one
        under (None: the revision row is missing, do not cache)."""
        entry = self._entries.get(key)
        ids = ", ".join(str(int(p)) for p in entry.partners) if entry and entry.partners else ""
        partners = (f', (SELECT count(*) FROM "core_partner" WHERE "id" IN ({ids})) AS "n", '
                    f'(SELECT coalesce(sum("version"), 0) FROM "core_partner" WHERE "id" IN ({ids})) AS "v"'
                    if ids else "")
        counter = 'SELECT "last" FROM "core_sequence_counter" WHERE "key" = {}'
        rows = await current().run_querystring(QueryString(
            f'SELECT ({counter}) AS "board", ({counter}) AS "security"{partners}', REVISION_KEY, SECURITY_KEY))
        row = rows[0]
        if row["board"] is None:
            return None, None
        tag = (int(row["board"]), int(row["security"] or 0))
        if entry is None or entry.tag != tag:
            return None, tag
        if ids and (int(row["n"]), int(row["v"])) != entry.partner_mark:
            return None, tag
        return entry.html, tag

    def store(self, key: Hashable, tag: Tag, partners: Mapping[int, int], html: str) -> None:
        """Keep `html`, read under `tag`, naming `partners` ({id: version} as read with the data)."""
        if len(self._entries) >= self.size and key not in self._entries:
            self._entries.pop(next(iter(self._entries)))  # the oldest key
        self._entries[key] = Entry(tag=tag, partners=tuple(sorted(partners)), partner_mark=_mark(partners), html=html)

    def clear(self) -> None:
        self._entries.clear()
