"""The only resources WeasyPrint may load: the app's own static files and data: URLs.

Report HTML reaches WeasyPrint with the base URL `APP_URL`, so `/static/core/x.css`
becomes `http://steward.invalid/static/core/x.css`; the fetcher maps that to a file
in the static search path (modules, then core). Every other URL (another host,
file://, ftp://, a path outside the static folders) is refused and recorded.
"""

from __future__ import annotations

import mimetypes
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

# .invalid never resolves (RFC 2606), so nothing here can reach a network.
APP_URL = "http://steward.invalid/"
STATIC_PREFIX = APP_URL + "static/"


class RefusedURL(ValueError):
    """A report tried to load something other than the app's own static files."""


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Serves `/static/...` from `static_dirs` (first match wins) and data: URLs."""

    def __init__(self, static_dirs: Sequence[Path]) -> None:
        super().__init__(allowed_protocols=("http", "data"))
        self.static_dirs = [d.resolve() for d in static_dirs]
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            # Decoded in memory by urllib's data: handler; no I/O happens.
            with urllib.request.DataHandler().data_open(urllib.request.Request(url)) as resp:
                return URLFetcherResponse(url, resp.read(), {"Content-Type": resp.headers["Content-Type"]})
        path = self._static_file(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"reports may load only the app's static files, not {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.served.append(url)
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def _static_file(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if not url.startswith(STATIC_PREFIX) or parts.query or parts.username:
            return None
        relative = unquote(parts.path).removeprefix("/static/")
        for folder in self.static_dirs:
            candidate = (folder / relative).resolve()
            # resolve() folds "..", so a path that climbs out of the folder is caught here.
            if candidate.is_relative_to(folder) and candidate.is_file():
                return candidate
        return None
