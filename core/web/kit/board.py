"""Kanban board: cards of one table grouped in columns by a stage field.

A module declares a `Board` next to its table and mounts two thin handlers (the
page and `POST {url}/{id}/move`) that call `board_page` and `board_move`.
Moving a card follows the same rules as saving the record's form: the write
permission, the record rules, the optimistic lock (`version`) and the audit log
of `core.db.records.update`, plus the board's `check_move` hook, which may
refuse a transition with a message ("cannot move to Won without an amount").
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template
from piccolo.table import Table

from core.auth.current import CurrentUser, current_user
from core.auth.rules import restrict, visible
from core.db import records
from core.db.records import RecordNotFound, StaleRecordError
from core.i18n import _
from core.registry import Registry
from core.web.flash import flash
from core.web.pages import page

Row = dict[str, Any]
# Returns a message to refuse the move, or None to allow it; may be async.
MoveCheck = Callable[[Row, str], "str | None | Awaitable[str | None]"]
TEMPLATE = "core/kit/board.html"


@dataclass(frozen=True)
class Stage:
    """One column: `value` is stored in the stage field, `label` is shown."""

    value: str
    label: str
    wip_limit: int | None = None
    folded: bool = False


@dataclass(frozen=True)
class Badge:
    """A small tag on a card showing `field` (skipped when empty); `tone` is
    ok/warn/danger or a callable choosing one from the row."""

    field: str
    label: str = ""
    tone: str | Callable[[Row], str] = ""


@dataclass(frozen=True)
class Board:
    name: str
    table: type[Table]
    stage_field: str
    stages: tuple[Stage, ...]
    url: str
    title_field: str
    read_permission: str
    write_permission: str
    subtitle_field: str | None = None
    badges: tuple[Badge, ...] = ()
    sequence_field: str | None = None
    check_move: MoveCheck | None = None
    # Adds display values to the rows before rendering (e.g. the assignee's name).
    enrich: Callable[[list[Row]], Awaitable[None]] | None = None
    # Link of a card's title, formatted with the row (e.g. "/crm/leads/{id}").
    card_url: str = ""
    column_limit: int = 100

    def stage(self, value: str) -> Stage | None:
        return next((s for s in self.stages if s.value == value), None)

    def move_url(self, record_id: int) -> str:
        return f"{self.url.rstrip('/')}/{record_id}/move"


@dataclass(frozen=True)
class Card:
    id: int
    version: int
    stage: str
    title: str
    subtitle: str
    badges: tuple[tuple[str, str], ...]  # (text, tone)
    url: str
    row: Row = field(repr=False)


@dataclass(frozen=True)
class Column:
    stage: Stage
    cards: tuple[Card, ...]  # the first `Board.column_limit` of them
    count: int  # all cards of the stage the user may see

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)

    @property
    def over_limit(self) -> bool:
        return self.stage.wip_limit is not None and self.count > self.stage.wip_limit

    @property
    def at_limit(self) -> bool:
        return self.stage.wip_limit is not None and self.count == self.stage.wip_limit


class MoveRefused(Exception):
    """The move breaks a rule of the board (unknown stage, the check hook said no)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class MoveForbidden(Exception):
    """The user lacks the board's write permission."""


class CardNotFound(Exception):
    """No such card, or the user's record rules hide it."""


# -- service (no HTTP) --------------------------------------------------------

def _badges(board: Board, row: Row) -> tuple[tuple[str, str], ...]:
    found = []
    for badge in board.badges:
        value = row.get(badge.field)
        if value in (None, ""):
            continue
        tone = badge.tone(row) if callable(badge.tone) else badge.tone
        found.append((f"{badge.label} {value}".strip(), tone))
    return tuple(found)


def _card(board: Board, row: Row) -> Card:
    subtitle = row.get(board.subtitle_field) if board.subtitle_field else None
    return Card(
        id=row["id"], version=row["version"], stage=row[board.stage_field],
        title=str(row.get(board.title_field) or ""), subtitle="" if subtitle is None else str(subtitle),
        badges=_badges(board, row), url=board.card_url.format(**row) if board.card_url else "", row=row,
    )


async def columns(board: Board, registry: Registry, user: CurrentUser) -> list[Column]:
    """The board's columns with the cards the user may see, in sequence order (at most
    `column_limit` cards each, so years of closed deals do not make the page heavy)."""
    table = board.table
    stage_col = table._meta.get_column_by_name(board.stage_field)
    order = [table._meta.get_column_by_name(board.sequence_field)] if board.sequence_field else []
    found: list[tuple[Stage, list[Row], int]] = []
    for stage in board.stages:
        query = table.select().where(stage_col == stage.value).order_by(*order, table._meta.primary_key)
        rows: list[Row] = await restrict(query.limit(board.column_limit), registry, table, user).run()
        count = len(rows)
        if count == board.column_limit:
            count = await restrict(table.count().where(stage_col == stage.value), registry, table, user).run()
        found.append((stage, rows, count))
    if board.enrich is not None:
        await board.enrich([row for _stage, rows, _count in found for row in rows])
    return [Column(stage, tuple(_card(board, r) for r in rows), count) for stage, rows, count in found]


async def _next_sequence(board: Board, stage: str) -> int:
    assert board.sequence_field is not None
    table = board.table
    seq = table._meta.get_column_by_name(board.sequence_field)
    stage_col = table._meta.get_column_by_name(board.stage_field)
    last = await table.select(seq).where(stage_col == stage).order_by(seq, ascending=False).first().run()
    return (last[board.sequence_field] or 0) + 1 if last else 1


async def move(board: Board, registry: Registry, user: CurrentUser, record_id: int, stage: str,
               version: int) -> Row:
    """Move one card to `stage` (at the end of its column) and return the saved row.

    Raises MoveForbidden, CardNotFound, MoveRefused or StaleRecordError; nothing is
    written unless every check passes."""
    if not user.can(board.write_permission):
        raise MoveForbidden(board.write_permission)
    table = board.table
    if not await visible(registry, table, user, record_id):
        raise CardNotFound(record_id)
    target = board.stage(stage)
    if target is None:
        raise MoveRefused(_("Unknown stage “%(stage)s”.", stage=stage))
    row = await table.select().where(table._meta.primary_key == record_id).first().run()
    if row is None:
        raise CardNotFound(record_id)
    if row[board.stage_field] == stage:
        if row["version"] != version:
            raise StaleRecordError(table, record_id, version, row["version"])
        return row
    if board.check_move is not None:
        verdict = board.check_move(row, stage)
        message = await verdict if inspect.isawaitable(verdict) else verdict
        if message:
            raise MoveRefused(message)
    changes: Row = {board.stage_field: stage}
    if board.sequence_field:
        changes[board.sequence_field] = await _next_sequence(board, stage)
    try:
        return await records.update(table, record_id, changes, version=version)
    except RecordNotFound:
        raise CardNotFound(record_id) from None


# -- web ----------------------------------------------------------------------

def _user(request: Request) -> CurrentUser:
    user = current_user(request)
    if user is None:  # the guard already refused anonymous requests
        raise PermissionDeniedException()
    return user


def _wants_fragment(request: Request) -> bool:
    """htmx asks for the fragment, except when it restores a page from history (back
    button after hx-push-url), where it needs the whole page."""
    headers = request.headers
    return bool(headers.get("hx-request")) and not headers.get("hx-boosted") \
        and not headers.get("hx-history-restore-request")


async def board_page(request: Request, board: Board, *, template: str = TEMPLATE,
                     message: str = "", tone: str = "error", status_code: int = 200,
                     **context: Any) -> Template:
    """The board page; for htmx requests only its `board` block (of the kit's template,
    so a module page extending it gets the same fragment)."""
    user = _user(request)
    registry = await request.app.state.registry.get()
    htmx = _wants_fragment(request)
    return await page(
        request, TEMPLATE if htmx else template, block="board" if htmx else None, status_code=status_code,
        board=board, columns=await columns(board, registry, user), can_move=user.can(board.write_permission),
        message=message, message_tone=tone, **context,
    )


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


async def board_move(request: Request, board: Board, record_id: int, form: Mapping[str, Any],
                     *, template: str = TEMPLATE, **context: Any) -> Template | Redirect:
    """Handle a card's move form: 303 back to the board (or the board fragment for htmx);
    403/404 as errors; a refused move 400 and a stale one 409, with the message on the board."""
    user = _user(request)
    registry = await request.app.state.registry.get()
    version = _int(form.get("version", ""))
    stage = str(form.get("stage", ""))
    try:
        if version is None:
            raise MoveRefused(_("The card’s version is missing; reload the board."))
        row = await move(board, registry, user, record_id, stage, version)
    except MoveForbidden:
        raise PermissionDeniedException(f"you lack the permission {board.write_permission}") from None
    except CardNotFound:
        raise NotFoundException() from None
    except MoveRefused as refused:
        return await board_page(request, board, template=template, message=refused.message,
                                status_code=400, **context)
    except StaleRecordError:
        message = _("Someone else changed this card in the meantime; the board has been reloaded.")
        return await board_page(request, board, template=template, message=message,
                                status_code=409, **context)
    target = board.stage(row[board.stage_field])
    done = _("Moved “%(title)s” to %(stage)s.", title=str(row.get(board.title_field) or ""),
             stage=_(target.label) if target else row[board.stage_field])
    if request.headers.get("hx-request"):
        return await board_page(request, board, template=template, message=done, tone="success",
                                **context)
    flash(request, done)
    return Redirect(board.url, status_code=303)
