"""Sending mail: store the message (and its attachments), then enqueue its delivery.

The message row and the delivery job commit together, so a message is never lost
and never sent for a rolled-back transaction; the job retries while the mail
server is down.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses
from typing import Any

from core.db import records
from core.db.engine import transaction
from core.jobs.enqueue import enqueue, enqueue_many
from core.mail.compose import compose, recipient_language
from core.mail.models import MailAttachment, MailMessage
from core.modules.discovery import Catalog

DELIVERY_JOB = "core.deliver_mail"


class InvalidAddress(ValueError):
    """A recipient address cannot be used."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def _addresses(value: str | Sequence[str]) -> str:
    """Check every address and return them as one header value."""
    return _checked((value,) if isinstance(value, str) else tuple(value))


@functools.lru_cache(maxsize=1024)  # a job mails the same few people again and again
def _checked(given: tuple[str, ...]) -> str:
    parsed = getaddresses(given)
    if not parsed and given:
        raise InvalidAddress(f"cannot read an address in {', '.join(given)!r}")
    out = []
    for name, addr in parsed:
        local, at, domain = addr.rpartition("@")
        if not at or not local or "." not in domain or any(c in addr for c in " \r\n<>"):
            raise InvalidAddress(f"{addr or name!r} is not an email address")
        out.append(str(Address(display_name=name, addr_spec=addr)))
    return ", ".join(out)


@dataclass(frozen=True)
class Outgoing:
    """One message for `send_many` (the arguments of `send`, less attachments and cc)."""

    to: str | Sequence[str]
    template: str
    context: Mapping[str, Any]
    partner_id: int | None = None
    user_id: int | None = None
    language: str | None = None
    related: tuple[str, int] | None = None


async def _composed(to: str | Sequence[str], template: str, context: Mapping[str, Any], cc: str | Sequence[str],
                    partner_id: int | None, user_id: int | None, language: str | None,
                    related: tuple[str, int] | None, catalog: Catalog | None) -> dict[str, Any]:
    """The core_mail_message row of a message: addresses checked, bodies composed in the
    recipient's language."""
    recipients = _addresses(to)
    if not recipients:
        raise InvalidAddress("a message needs at least one recipient")
    lang = language or await recipient_language(partner_id, user_id)
    composed = compose(template, lang, context, catalog)
    return {"recipients": recipients, "cc": _addresses(cc) if cc else "", "subject": composed.subject,
            "body_text": composed.text, "body_html": composed.html, "language": composed.language,
            "table_name": related[0] if related else "", "record_id": related[1] if related else None}


async def send(
    to: str | Sequence[str],
    template: str,
    context: Mapping[str, Any],
    *,
    cc: str | Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
    partner_id: int | None = None,
    user_id: int | None = None,
    language: str | None = None,
    related: tuple[str, int] | None = None,
    catalog: Catalog | None = None,
) -> int:
    """Compose `template` for the recipient and queue it; returns the message id.

    The language is `language`, else the recipient partner's (`partner_id`) or
    user's (`user_id`), else the company's.
    """
    values = await _composed(to, template, context, cc, partner_id, user_id, language, related, catalog)
    async with transaction():
        row = await records.create(MailMessage, values, log_fields=False)
        if attachments:
            await MailAttachment.insert(*[
                MailAttachment(message=row["id"], filename=a.filename, content_type=a.content_type, data=a.data)
                for a in attachments
            ]).run()
        await enqueue(DELIVERY_JOB, row["id"])
    return int(row["id"])


async def send_many(messages: Sequence[Outgoing], catalog: Catalog | None = None) -> list[int]:
    """`send` for many messages at once (a job mailing hundreds of people): every address
    is checked and every message composed before anything is stored, then the messages
    and their deliveries are written by a few multi-row INSERTs in one transaction.
    Returns the message ids in order."""
    rows = [await _composed(m.to, m.template, m.context, (), m.partner_id, m.user_id, m.language, m.related, catalog)
            for m in messages]
    if not rows:
        return []
    async with transaction():
        ids = await records.create_many(MailMessage, rows, log_fields=False)
        await enqueue_many(DELIVERY_JOB, [(message_id,) for message_id in ids])
    return ids
