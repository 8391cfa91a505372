"""The JSON API's error answers: 422 with per-field messages, 409 for conflicts.

Every error body carries `status_code` and `detail` (as the app's other JSON
errors do); a 422 adds `errors`, one message per field.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import ClientException, ValidationException

from core.db.records import DuplicateValue, duplicate_message
from core.i18n import _

_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")


class ApiError(msgspec.Struct):
    """An error answer (401, 403, 404, 409)."""

    status_code: int
    detail: str


class ApiFieldErrors(msgspec.Struct):
    """A 422 answer: what is wrong, field by field."""

    status_code: int
    detail: str
    errors: dict[str, str]


class FieldErrors(ClientException):
    """Input the API refuses, with a message per field."""

    status_code = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(detail="invalid input")
        self.errors = errors


class Conflict(ClientException):
    """The request collides with the current state (stale version, record still in use)."""

    status_code = 409


def field_errors(request: Request, exc: FieldErrors) -> Response:
    body = ApiFieldErrors(status_code=422, detail=_("Some fields are not valid."), errors=exc.errors)
    return Response(body, status_code=422)


def validation_errors(request: Request, exc: ValidationException) -> Response:
    """Litestar's parsing errors (wrong type, unknown field, limit too high) as field errors."""
    errors: dict[str, str] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        message = str(item.get("message", ""))
        key = str(item.get("key", "") or "body")
        unknown, missing = _UNKNOWN_FIELD.search(message), _MISSING_FIELD.search(message)
        if unknown:
            key, message = unknown.group(1), _("Unknown field.")
        elif missing:
            key, message = missing.group(1), _("This field is required.")
        errors.setdefault(key, message)
    return field_errors(request, FieldErrors(errors or {"body": _("The request body is not valid JSON.")}))


EXCEPTION_HANDLERS = {FieldErrors: field_errors, ValidationException: validation_errors}


@contextmanager
def integrity_as_conflict() -> Iterator[None]:
    """A database constraint that refuses a write (unique value, row still referenced) is a 409."""
    try:
        yield
    except DuplicateValue as exc:
        raise Conflict(duplicate_message(exc)) from exc
    except (sqlite3.IntegrityError, asyncpg.exceptions.IntegrityConstraintViolationError) as exc:
        raise Conflict(_("The database refused the change: %(reason)s", reason=str(exc).splitlines()[0])) from exc
