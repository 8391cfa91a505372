"""Where a form in the page frame (the language switch) leads back to.

The frame renders the page's own address as the form's `next`; the handler
redirects there. Two cases need more than `request.url`: a page rendered by a
POST (a form shown again with its errors) has no address a GET can reach, so it
leads back to the page that posted it; and a list filtered through htmx has
pushed a newer query into the address bar than the one it was rendered with,
which the browser sends as the Referer (policy `same-origin`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from jinja2 import pass_context
from litestar.connection import ASGIConnection


def _path_and_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def referer_path(connection: ASGIConnection) -> str:
    """The path and query of the Referer when it is this site, else ""."""
    referer = urlsplit(connection.headers.get("referer", ""))
    if not referer.path.startswith("/") or referer.netloc != connection.url.netloc:
        return ""
    return _path_and_query(referer.path, referer.query)


def here(connection: ASGIConnection) -> str:
    """This page's address for a GET; for a page a POST rendered, the page that posted."""
    if connection.scope.get("method", "GET") in ("GET", "HEAD"):
        return _path_and_query(connection.url.path, connection.url.query)
    return referer_path(connection) or "/"


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def back_to(connection: ASGIConnection, next_path: str | None) -> str:
    """`next_path`, or the Referer when it is the same page with a newer query."""
    current = referer_path(connection)
    if current and (not next_path or urlsplit(current).path == urlsplit(next_path).path):
        return current
    return next_path or "/"


@pass_context
def here_in_template(context: Any) -> str:
    return here(context["request"])
