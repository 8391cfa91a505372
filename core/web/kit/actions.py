"""Small pieces every record controller needs around its action buttons: who is asking,
which version of the record the form showed, and the redirect back with a message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

from litestar import Request
from litestar.response import Redirect

from core.auth.current import CurrentUser, current_user
from core.registry import Registry
from core.web.flash import flash


async def who(request: Request) -> tuple[Registry, CurrentUser]:
    """The registry and the signed-in user of a guarded request."""
    user = current_user(request)
    assert user is not None  # the guard signed them in
    return await request.app.state.registry.get(), user


@overload
def posted_version(data: Mapping[str, Any], missing: int) -> int: ...
@overload
def posted_version(data: Mapping[str, Any], missing: None = None) -> int | None: ...
def posted_version(data: Mapping[str, Any], missing: int | None = None) -> int | None:
    """The record version a form was rendered with (its hidden `version` field).

    `missing` is what a form without one gets: None skips the optimistic lock, -1
    makes the save stale (forms that always carry the field)."""
    text = str(data.get("version") or "")
    return int(text) if text.isdigit() and len(text) < 10 else missing


def redirect_with(request: Request, url: str, message: str, level: str = "success") -> Redirect:
    """Flash `message` and send the browser to `url` (303, after a POST)."""
    flash(request, message, level)
    return Redirect(url, status_code=303)
