"""Error responses: HTML pages for people, JSON for the API, a sign-in redirect when needed."""

from __future__ import annotations

import logging
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template

from core.db.records import DuplicateValue, StaleRecordError, duplicate_message
from core.i18n import _

log = logging.getLogger("steward.web")

TITLES = {
    400: "Bad request", 401: "Sign in required", 403: "No access", 404: "Page not found",
    405: "Method not allowed", 409: "Conflict", 413: "File too large", 429: "Too many requests", 500: "Something went wrong",
}


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "text/html")


def http_error(request: Request, exc: Exception) -> Response:
    # Races a page did not handle itself: refused writes are conflicts, not server errors.
    if isinstance(exc, DuplicateValue):
        exc = HTTPException(status_code=409, detail=duplicate_message(exc))
    elif isinstance(exc, StaleRecordError):
        exc = HTTPException(status_code=409, detail=_(
            "Someone else saved this record while you were editing it, so your changes were not saved."))
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status >= 500:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    if status == 401 and wants_html(request):
        target = "/login?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if request.headers.get("hx-request"):
            return Response("", status_code=401, headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)
    detail = exc.detail if isinstance(exc, HTTPException) and status < 500 else ""
    if not wants_html(request):
        if status == 401 and request.url.path.startswith("/api/"):
            headers.setdefault("WWW-Authenticate", 'Bearer realm="steward"')
        return Response({"status_code": status, "detail": detail or TITLES.get(status, "")},
                        status_code=status, headers=headers)
    return Template(
        "core/error.html",
        context={"status": status, "title": _(TITLES.get(status, "Error")), "detail": detail},
        status_code=status,
        headers=headers,
    )
