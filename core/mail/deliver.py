"""Delivering one stored message: the `core.deliver_mail` job.

Idempotent: a sent (or permanently refused) message is left alone, and a message
another delivery is working on is skipped until that delivery's claim expires.
A server that is down or answers with a temporary error raises, so the job is
retried with backoff; the message stays queued with its attempts and last error.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from core.db import records
from core.mail.models import MailAttachment, MailMessage
from core.settings import MailSettings, Settings

log = logging.getLogger("steward.mail")
# A delivery that has not finished after this long is presumed dead (crashed worker).
CLAIM_SECONDS = 600


class MailDeliveryError(Exception):
    """The message could not be handed over now; the job will try again."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _claim(message_id: int) -> dict[str, Any] | None:
    """Mark the message as being delivered; None if there is nothing to do."""
    row = await MailMessage.select().where(MailMessage._meta.primary_key == message_id).first().run()
    if row is None or row["state"] in ("sent", "failed"):
        return None
    claimed = row["claimed_at"]
    if row["state"] == "sending" and claimed and _now() - claimed < dt.timedelta(seconds=CLAIM_SECONDS):
        return None
    try:
        return await records.update(MailMessage, message_id, {"state": "sending", "claimed_at": _now()},
                                    version=row["version"])
    except records.StaleRecordError:
        return None  # another delivery claimed it between our read and our write


async def build(row: dict[str, Any], sender: str) -> EmailMessage:
    """The MIME message: text and HTML alternatives, then the attachments."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row["recipients"]
    if row["cc"]:
        msg["Cc"] = row["cc"]
    msg["Subject"] = row["subject"]
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    # Stable per message, so a receiving system can spot a redelivery.
    msg["Message-ID"] = f"<steward-mail-{row['id']}@{domain}>"
    msg.set_content(row["body_text"])
    if row["body_html"]:
        msg.add_alternative(row["body_html"], subtype="html")
    for att in await MailAttachment.select().where(MailAttachment.message == row["id"]).order_by(MailAttachment._meta.primary_key).run():
        maintype, _, subtype = att["content_type"].partition("/")
        msg.add_attachment(bytes(att["data"]), maintype=maintype, subtype=subtype or "octet-stream",
                           filename=att["filename"])
    return msg


def write_outbox(var_dir: Path, message_id: int, msg: EmailMessage) -> Path:
    """`var/outbox/<id>.eml`, written whole (temp file, then rename) or not at all."""
    folder = var_dir / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{message_id}.eml"
    tmp = folder / f".{message_id}.eml.tmp"
    tmp.write_bytes(msg.as_bytes())
    os.replace(tmp, target)
    return target


async def smtp_send(mail: MailSettings, msg: EmailMessage) -> None:
    url = urlsplit(mail.url)
    default_port = 465 if mail.ssl else 587 if mail.starttls else 25
    await aiosmtplib.send(
        msg, hostname=url.hostname or "localhost", port=url.port or default_port,
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        use_tls=mail.ssl, start_tls=mail.starttls, timeout=mail.timeout_seconds,
    )


def _permanent(exc: Exception) -> bool:
    """A 5xx answer (unknown mailbox, message refused) will not change on a retry."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(r.code >= 500 for r in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500 and not isinstance(
        exc, aiosmtplib.SMTPAuthenticationError)


async def _finish(row: dict[str, Any], state: str, error: str = "") -> None:
    changes: dict[str, Any] = {"state": state, "attempts": row["attempts"] + 1, "last_error": error[:2000],
                               "claimed_at": None}
    if state == "sent":
        changes["sent_at"] = _now()
    await records.update(MailMessage, row["id"], changes, version=row["version"])


def _process_settings() -> Settings:
    from core.jobs.broker import current

    return current().settings


async def deliver_mail(message_id: int, settings: Settings | None = None) -> None:
    """Hand message `message_id` to the SMTP server (or the outbox folder), once."""
    settings = settings or _process_settings()
    row = await _claim(message_id)
    if row is None:
        return
    try:
        msg = await build(row, settings.mail.sender)
        if settings.mail.url == "outbox":
            write_outbox(settings.var_dir, message_id, msg)
        else:
            await smtp_send(settings.mail, msg)
    except Exception as exc:
        if _permanent(exc):
            log.warning("mail #%s refused for good: %s", message_id, exc)
            await _finish(row, "failed", str(exc))
            return
        await _finish(row, "queued", f"{type(exc).__name__}: {exc}")
        raise MailDeliveryError(f"mail #{message_id} not delivered: {exc}") from exc
    await _finish(row, "sent")
