"""Attachment routes, generic over records: `/records/{table}/{record_id}/attachments`.

Each route declares `signed-in`; `record_access` then derives the real permission
from the table (`.read` to list and download, `.write` to upload and delete) and
applies record rules. htmx requests get the panel fragment back; without
JavaScript, forms redirect to `next` (the detail page) or show the attachments page.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.response import File, Redirect, Template

from core.attachments import kinds, service
from core.auth.current import SIGNED_IN
from core.db.records import RecordNotFound
from core.i18n import _
from core.settings import MAX_ATTACHMENT_MB
from core.web.flash import flash
from core.web.kit.records import RecordRef, record_access, signed_in
from core.web.pages import page
from core.web.return_to import safe_next

BASE = "/records/{table_name:str}/{record_id:int}/attachments"
FRAGMENT = "core/kit/_attachments.html"


@dataclass(frozen=True)
class Panel:
    """What the attachments fragment shows for one record."""

    url: str
    rows: list[dict[str, Any]]
    can_write: bool
    next: str
    limit_mb: int
    allowed: str = kinds.ALLOWED
    errors: dict[str, str] = field(default_factory=dict)


def attachments_url(table_name: str, record_id: int) -> str:
    return f"/records/{table_name}/{record_id}/attachments"


def _root(request: Request) -> Path:
    return service.storage_root(request.app.state.settings.var_dir)


def _limit_mb(request: Request) -> int:
    return int(request.app.state.settings.attachments.max_mb)


async def panel(request: Request, ref: RecordRef, record_id: int, *, next_url: str,
                errors: dict[str, str] | None = None) -> Panel:
    return Panel(
        url=attachments_url(ref.table_name, record_id),
        rows=await service.for_record(ref.table_name, record_id),
        can_write=signed_in(request).can(ref.permission("write")),
        next=next_url, limit_mb=_limit_mb(request), errors=errors or {},
    )


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback plus the exact name, percent-encoded UTF-8."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(ch if ch.isprintable() and ch not in '"\\;' else "_" for ch in ascii_name)
    return f"attachment; filename=\"{fallback or 'attachment'}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")


async def _show(request: Request, ref: RecordRef, record_id: int, next_url: str,
                errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    box = await panel(request, ref, record_id, next_url=next_url, errors=errors)
    if _is_htmx(request):
        # htmx swaps only 2xx answers, and a refused upload must show its field error.
        return await page(request, FRAGMENT, attachments=box)
    title = _("Attachments")
    return await page(request, "core/attachments/page.html", status_code=status_code, title=title,
                      breadcrumbs=[(title, box.url)], attachments=box)


async def _changed(request: Request, ref: RecordRef, record_id: int, next_url: str) -> Template | Response:
    """After an htmx upload or delete: reload the detail page's tabs (their counts
    changed) when the panel sits on one, else answer with the panel itself."""
    if next_url.split("?")[0] == attachments_url(ref.table_name, record_id):
        return await _show(request, ref, record_id, next_url)
    target = {"path": next_url, "target": "#detail-tabs", "select": "#detail-tabs", "swap": "outerHTML"}
    return Response(b"", status_code=200, headers={"HX-Location": json.dumps(target)})


async def _upload(request: Request) -> tuple[str, bytes, str]:
    """(filename, bytes, next) of the posted form; refuses oversized bodies unread."""
    limit = _limit_mb(request) * service.MB
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise service.AttachmentRefused(_("The file is larger than %(limit)s MB.", limit=_limit_mb(request)))
    form = await request.form()
    upload = form.get("file")
    next_url = str(form.get("next") or "")
    if not isinstance(upload, UploadFile):
        return "", b"", next_url
    return upload.filename or "", await upload.read(), next_url


class AttachmentController(Controller):
    path = BASE

    @get("", permission=SIGNED_IN)
    async def index(self, request: Request, table_name: str, record_id: int, next: str = "") -> Template:
        ref = await record_access(request, table_name, record_id, "read")
        return await _show(request, ref, record_id, safe_next(next or attachments_url(table_name, record_id)))

    @post("", permission=SIGNED_IN, status_code=303,
          request_max_body_size=(MAX_ATTACHMENT_MB + 1) * 1024 * 1024)
    async def upload(self, request: Request, table_name: str, record_id: int) -> Template | Response | Redirect:
        ref = await record_access(request, table_name, record_id, "write")
        next_url = attachments_url(table_name, record_id)
        try:
            filename, data, given_next = await _upload(request)
            next_url = safe_next(given_next or next_url)
            row = await service.add(_root(request), table_name, record_id, filename, data,
                                    max_bytes=_limit_mb(request) * service.MB)
        except service.AttachmentRefused as exc:
            return await _show(request, ref, record_id, next_url, exc.errors, status_code=400)
        if _is_htmx(request):
            return await _changed(request, ref, record_id, next_url)
        flash(request, _("%(file)s attached.", file=row["filename"]))
        return Redirect(next_url, status_code=303)

    @get("/{attachment_id:int}", permission=SIGNED_IN)
    async def download(self, request: Request, table_name: str, record_id: int, attachment_id: int) -> File:
        await record_access(request, table_name, record_id, "read")
        row = await service.get(table_name, record_id, attachment_id)
        if row is None:
            raise NotFoundException()
        try:
            path = service.stored_file(_root(request), row)
        except service.AttachmentMissing:
            raise NotFoundException(_("The file of this attachment is missing.")) from None
        # Litestar appends "; charset=<encoding>" to text types itself.
        media_type, _sep, charset = row["content_type"].partition("; charset=")
        return File(path, filename=row["filename"], media_type=media_type, encoding=charset or "utf-8",
                    content_disposition_type="attachment",
                    headers={"content-disposition": content_disposition(row["filename"]),
                             "x-content-type-options": "nosniff", "cache-control": "private, no-cache"})

    @post("/{attachment_id:int}/delete", permission=SIGNED_IN, status_code=303)
    async def delete(self, request: Request, table_name: str, record_id: int,
                     attachment_id: int) -> Template | Response | Redirect:
        ref = await record_access(request, table_name, record_id, "write")
        row = await service.get(table_name, record_id, attachment_id)
        if row is None:
            raise NotFoundException()
        form = await request.form()
        next_url = safe_next(str(form.get("next") or attachments_url(table_name, record_id)))
        try:
            await service.delete(_root(request), row)
        except RecordNotFound:  # removed by someone else a moment ago
            raise NotFoundException() from None
        if _is_htmx(request):
            return await _changed(request, ref, record_id, next_url)
        flash(request, _("%(file)s removed.", file=row["filename"]))
        return Redirect(next_url, status_code=303)
