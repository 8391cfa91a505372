"""Attaching files to records: checks, content-addressed storage, metadata rows.

Bytes live under `<var_dir>/attachments/<sha[:2]>/<sha>`, outside the web root and
named by their hash, so identical files are stored once and the client's
filename never reaches the file system. Rows go through `core.db.records` (audit
log), and the record a file is attached to gets an `attach`/`detach` entry in
its own history, in the same transaction.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from core.attachments import kinds
from core.attachments.models import Attachment
from core.db import records
from core.db.audit import AuditEntry
from core.db.context import current_user_id
from core.db.engine import transaction
from core.i18n import _, fmt_number

MB = 1024 * 1024


class AttachmentRefused(Exception):
    """The upload breaks a rule; `errors` maps the form field to the message."""

    def __init__(self, message: str) -> None:
        self.errors = {"file": message}
        super().__init__(message)


class AttachmentMissing(Exception):
    """The row exists but its bytes are gone from the store (restored backup, manual cleanup)."""


def storage_root(var_dir: Path) -> Path:
    return var_dir / "attachments"


def blob_path(root: Path, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a sha256 digest: {sha256!r}")
    return root / sha256[:2] / sha256


def clean_filename(filename: str) -> str:
    """The name to show and offer on download: last path segment, no control characters."""
    name = re.split(r"[/\\]", unicodedata.normalize("NFC", filename))[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:250 - len(ext)]}.{ext}" if dot and len(ext) < 10 else name[:255]
    return name


def check(filename: str, data: bytes, max_bytes: int) -> str:
    """The content type to store, or AttachmentRefused saying what is wrong."""
    if not filename and not data:
        raise AttachmentRefused(_("Choose a file to attach."))
    if not data:
        raise AttachmentRefused(_("The file is empty."))
    if len(data) > max_bytes:
        raise AttachmentRefused(_("The file is %(size)s MB; files may be at most %(limit)s MB.",
                                  size=fmt_number(len(data) / MB, 1), limit=max_bytes // MB))
    if kinds.extension(filename) not in kinds.KINDS:
        raise AttachmentRefused(_("Files of this type cannot be attached. Allowed: %(allowed)s.",
                                  allowed=kinds.ALLOWED))
    content_type = kinds.detect(filename, data)
    if content_type is None:
        raise AttachmentRefused(_("The contents of this file do not match its extension .%(ext)s.",
                                  ext=kinds.extension(filename)))
    return content_type


def _store(root: Path, sha256: str, data: bytes) -> bool:
    """Write the bytes unless already stored; True when this call created the file."""
    target = blob_path(root, sha256)
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    # Temp file in the same folder, then an atomic rename: readers never see half a file.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


async def _unreferenced(sha256: str) -> bool:
    return not await Attachment.exists().where(Attachment.sha256 == sha256).run()


async def add(root: Path, table_name: str, record_id: int, filename: str, data: bytes,
              *, max_bytes: int) -> dict[str, Any]:
    """Attach `data` to a record (the caller checked that the record exists and may be written)."""
    name = clean_filename(filename)
    content_type = check(name, data, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    created = _store(root, sha256, data)
    try:
        async with transaction():
            row = await records.create(Attachment, {
                "table_name": table_name, "record_id": record_id, "filename": name,
                "content_type": content_type, "size": len(data), "sha256": sha256,
            })
            await _log(table_name, record_id, "attach", new=name)
    except BaseException:
        if created and await _unreferenced(sha256):
            blob_path(root, sha256).unlink(missing_ok=True)
        raise
    return row


async def for_record(table_name: str, record_id: int) -> list[dict[str, Any]]:
    """A record's attachments, newest first."""
    return await (
        Attachment.select()
        .where((Attachment.table_name == table_name) & (Attachment.record_id == record_id))
        .order_by(Attachment._meta.primary_key, ascending=False)
        .run()
    )


async def count(table_name: str, record_id: int) -> int:
    return await Attachment.count().where(
        (Attachment.table_name == table_name) & (Attachment.record_id == record_id)
    ).run()


async def get(table_name: str, record_id: int, attachment_id: int) -> dict[str, Any] | None:
    """One attachment, only if it belongs to that record (ids in URLs are not trusted)."""
    return await Attachment.select().where(
        (Attachment._meta.primary_key == attachment_id)
        & (Attachment.table_name == table_name) & (Attachment.record_id == record_id)
    ).first().run()


def stored_file(root: Path, row: dict[str, Any]) -> Path:
    """Where the bytes of `row` are; AttachmentMissing if the store lost them."""
    path = blob_path(root, row["sha256"])
    if not path.is_file():
        raise AttachmentMissing(f"{row['filename']} ({row['sha256']}) is missing from {root}")
    return path


async def delete(root: Path, row: dict[str, Any]) -> None:
    """Remove the attachment; its bytes go too once no other attachment shares them."""
    async with transaction():
        await records.delete(Attachment, row["id"], version=row["version"])
        await _log(row["table_name"], row["record_id"], "detach", old=row["filename"])
    # A concurrent upload of the very same bytes between this check and the unlink
    # would lose its file; the download then answers "missing" rather than wrong data.
    if await _unreferenced(row["sha256"]):
        blob_path(root, row["sha256"]).unlink(missing_ok=True)


async def _log(table_name: str, record_id: int, action: str, *, old: str | None = None,
               new: str | None = None) -> None:
    await AuditEntry.insert(AuditEntry(
        user_id=current_user_id.get(), table_name=table_name, record_id=record_id,
        action=action, field="", old=old, new=new,
    )).run()
