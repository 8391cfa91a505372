"""Small helpers the admin controllers share: form bodies, field values, redirects."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from core.auth.current import CurrentUser, current_user
from core.registry import Registry

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def text(data: dict[str, Any], key: str) -> str:
    """One field's value, stripped ('' when absent; the first when sent twice)."""
    value = data.get(key, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value.strip() if isinstance(value, str) else ""


def many(data: dict[str, Any], key: str) -> list[str]:
    """Every value of a repeated field (checkbox group)."""
    value = data.get(key, [])
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v]


def checked(data: dict[str, Any], key: str) -> bool:
    return bool(text(data, key))


def see_other(url: str) -> Redirect:
    return Redirect(url, status_code=303)


def user_of(request: Request) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # the guard lets only signed-in users reach admin routes
    return user


async def registry_of(request: Request) -> Registry:
    return await request.app.state.registry.get()


def version(data: dict[str, Any]) -> int:
    """The record version a form was rendered from (0 when missing or garbled: a stale save)."""
    value = text(data, "version")
    return int(value) if value.isdigit() else 0
