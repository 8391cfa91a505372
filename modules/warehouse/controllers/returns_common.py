"""What the returns area's pages share (returns, vendor claims, repairs, counts)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from core.auth.current import CurrentUser, current_user
from core.registry import Registry
from core.web.flash import flash
from core.web.kit import Form, Resource
from core.web.kit.forms import many2one_options
from core.web.kit.resource import fetch
from core.web.pages import wants_block
from modules.warehouse.models.location import Location


async def who(request: Request) -> tuple[Registry, CurrentUser]:
    user = current_user(request)
    assert user is not None  # the guard signed them in
    return await request.app.state.registry.get(), user


async def record_of(res: Resource, request: Request, record_id: int) -> dict[str, Any]:
    """The record through the user's record rules, or 404."""
    registry, user = await who(request)
    record = await fetch(res, record_id, registry, user)
    if record is None:
        raise NotFoundException()
    return record


def refused_status(request: Request) -> int:
    """A refused form: 400, but 200 for htmx, which swaps only successful responses."""
    return 200 if wants_block(request) else 400


async def shelves(kinds: tuple[str, ...] = ("internal",)) -> list[tuple[str, str]]:
    """(id, full name) of the active locations of `kinds`, for a location `<select>`."""
    rows = await Location.select(Location.id, Location.full_name).where(
        Location.kind.is_in(list(kinds)) & (Location.active == True)  # noqa: E712
    ).order_by(Location.full_name).run()
    return [(str(r["id"]), r["full_name"]) for r in rows]


async def options(form: Form, raw: Mapping[str, str], request: Request) -> dict[str, list[tuple[str, str]]]:
    """The `<option>`s of each many2one field of `form`."""
    registry, user = await who(request)
    return {f.name: await many2one_options(f, registry, user, selected=raw.get(f.name, ""))
            for f in form.fields if f.many2one is not None}


def done(request: Request, url: str, message: str, level: str = "success") -> Redirect:
    flash(request, message, level)
    return Redirect(url, status_code=303)


def plain(value: Any) -> str:
    """A quantity as typed into an input: 3.000 -> "3", 2.500 -> "2.5", 10 -> "10"."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None
