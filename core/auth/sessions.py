"""Server-side sessions that accept only ids this server issued.

Litestar's stock server-side sessions adopt an id the client sends even if the
store has never seen it (session fixation, see STACK_NOTES.md). Here an id the
store does not know is ignored; a new session always gets a fresh random id,
and signing in rotates it. Data lives in a Litestar store: files under
`var/sessions` on the embedded default, Redis when `sessions.url` is set, so
no process holds the only copy.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import CookieError, SimpleCookie
from typing import Any

from litestar.stores.base import StorageObject, Store
from litestar.stores.file import FileStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "steward_session"
SCOPE_KEY = "steward_session"
# Refresh the idle clock at most this often, so most requests do not write.
TOUCH_EVERY = 60


@dataclass
class Session:
    id: str | None
    data: dict[str, Any] = field(default_factory=dict)
    modified: bool = False
    rotate: bool = False
    cleared: bool = False

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.modified = True

    def pop(self, key: str, default: Any = None) -> Any:
        if key in self.data:
            self.modified = True
        return self.data.pop(key, default)

    @property
    def user_id(self) -> int | None:
        return self.data.get("uid")

    @property
    def epoch(self) -> int | None:
        """The user's session epoch when they signed in (core/auth/current.py)."""
        return self.data.get("epoch")

    def login(self, user_id: int, epoch: int) -> None:
        """Start an authenticated session under a new id (the old one is destroyed)."""
        now = time.time()
        self.data = {"uid": user_id, "epoch": epoch, "created": now, "seen": now}
        self.modified = self.rotate = True

    def logout(self) -> None:
        self.data = {}
        self.cleared = True


def session_of(scope: Scope) -> Session:
    return scope[SCOPE_KEY]  # type: ignore[literal-required]


class SessionFileStore(FileStore):
    """Litestar's FileStore, reading without a worker thread. A session file is a few
    hundred bytes on local disk, read on every signed-in request: opening and reading
    it directly takes microseconds, while the stock store's thread round-trips took
    about 0.3 ms. Writes (sign-in, and at most every TOUCH_EVERY seconds) keep the
    stock atomic write in a thread."""

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        if renew_for:
            return await super().get(key, renew_for)
        path = str(self._path_from_key(key))
        try:
            with open(path, "rb") as fh:
                stored = StorageObject.from_bytes(fh.read())
        except FileNotFoundError:
            return None
        if stored.expired:
            await self.delete(key)
            return None
        return stored.data


def make_store(url: str, var_dir: Any) -> Store:
    if url.startswith("redis://"):
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=url, namespace="steward_sessions")
    return SessionFileStore(path=var_dir / "sessions", create_directories=True)


class SessionMiddleware:
    def __init__(self, app: ASGIApp, store: Store, idle_seconds: int, absolute_seconds: int) -> None:
        self.app, self.store = app, store
        self.idle, self.absolute = idle_seconds, absolute_seconds

    async def _load(self, sid: str | None) -> Session:
        if not sid or len(sid) > 100:
            return Session(None)
        raw = await self.store.get(sid)
        if raw is None:
            return Session(None)  # unknown id: never adopted
        data = json.loads(raw)
        now = time.time()
        if now - data.get("created", now) > self.absolute or now - data.get("seen", now) > self.idle:
            await self.store.delete(sid)
            return Session(None)
        return Session(sid, data)

    def _cookie(self, scope: Scope, value: str, max_age: int) -> tuple[bytes, bytes]:
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        header = f"{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
        return b"set-cookie", header.encode()

    async def _commit(self, scope: Scope, session: Session, original: str | None) -> list[tuple[bytes, bytes]]:
        if session.cleared:
            if original:
                await self.store.delete(original)
            return [self._cookie(scope, "", 0)] if original else []
        now = time.time()
        if session.rotate or (session.modified and session.id is None):
            if original:
                await self.store.delete(original)
            session.id = secrets.token_urlsafe(32)
            session.data.setdefault("created", now)
            session.data["seen"] = now
            await self.store.set(session.id, json.dumps(session.data), expires_in=self.idle)
            return [self._cookie(scope, session.id, self.absolute)]
        if session.id and (session.modified or now - session.data.get("seen", 0) > TOUCH_EVERY):
            session.data["seen"] = now
            await self.store.set(session.id, json.dumps(session.data), expires_in=self.idle)
        return []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if scope["type"] != "http" or (handler is not None and handler.opt.get("probe")):
            await self.app(scope, receive, send)
            return
        cookies: SimpleCookie = SimpleCookie()
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                with contextlib.suppress(CookieError):
                    cookies.load(value.decode("latin-1"))
        original = cookies[COOKIE].value if COOKIE in cookies else None
        session = await self._load(original)
        scope[SCOPE_KEY] = session  # type: ignore[literal-required]

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = await self._commit(scope, session, session.id or original)
                if extra:
                    message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, wrapped)
