"""Outbound messages and their attachments, kept until (and after) delivery."""

from __future__ import annotations

from piccolo.columns import Bytea, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.db.mixins import Audited

STATES = ("queued", "sending", "sent", "failed")


class MailMessage(Audited, Table, tablename="core_mail_message"):
    # Comma-separated addresses, as they appear in the To: and Cc: headers.
    recipients = Text()
    cc = Text(default="")
    subject = Varchar(length=300)
    body_text = Text()
    body_html = Text(default="")
    language = Varchar(length=5, default="en")
    state = Varchar(length=10, default="queued", index=True)
    attempts = Integer(default=0)
    last_error = Text(default="")
    # Set while a delivery holds the message; an expired claim (a crashed worker) may be taken over.
    claimed_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    # The record the message is about (e.g. core_partner #12), for its page's history.
    table_name = Varchar(length=100, default="", index=True)
    record_id = Integer(null=True, default=None)


class MailAttachment(Table, tablename="core_mail_attachment"):
    """The bytes live in the database so any worker on any machine can deliver the message."""

    message = ForeignKey(MailMessage, on_delete=OnDelete.cascade)
    filename = Varchar(length=255)
    content_type = Varchar(length=100)
    data = Bytea()
