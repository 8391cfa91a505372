"""One-shot messages shown on the next rendered page (kept in the session)."""

from __future__ import annotations

from litestar.connection import ASGIConnection

from core.auth.sessions import session_of

LEVELS = ("success", "info", "warning", "error")


def flash(connection: ASGIConnection, message: str, level: str = "success") -> None:
    session = session_of(connection.scope)
    session.set("_flash", [*session.get("_flash", []), [level, message]])


def pop_flashes(connection: ASGIConnection) -> list[tuple[str, str]]:
    session = session_of(connection.scope)
    if "_flash" not in session.data:
        return []
    return [(level, msg) for level, msg in session.pop("_flash", [])]
