"""Outbound mail: stored and queued by `send`, delivered once by the `core.deliver_mail`
job to the outbox folder or a real (local) SMTP server, retried while the server is down."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fixture_modules.jobs_support import in_process_worker, jobs_settings, wait_until
from jinja2 import ChoiceLoader, DictLoader

from core.db import engine as db
from core.db import records
from core.mail import service
from core.mail.compose import MailTemplateError, compose
from core.mail.deliver import MailDeliveryError, deliver_mail
from core.mail.models import MailMessage
from core.mail.service import Attachment, InvalidAddress, send
from core.partners.models import Partner
from core.registry import load
from core.settings import Settings

CONTEXT = {"recipient_name": "Marieke", "title": "Contact sheet C0042", "company_name": "Koffiepunt Service",
           "sender_name": "Eva de Vries", "note": ""}
PDF = b"%PDF-1.7\n% a tiny stand-in document\n%%EOF\n"


class Inbox:
    """An aiosmtpd handler that keeps what it receives (or refuses every recipient)."""

    def __init__(self, refuse: bool = False) -> None:
        self.received: list[EmailMessage] = []
        self.refuse = refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, tuple[Any, ...], bool]]:
    """Delivery jobs `send` enqueued, and whether it did so inside its transaction."""
    calls: list[tuple[str, tuple[Any, ...], bool]] = []

    async def enqueue(job: str, *args: Any, delay: float | None = None) -> None:
        calls.append((job, args, db.in_transaction()))

    monkeypatch.setattr(service, "enqueue", enqueue)
    return calls


@pytest.fixture
def settings(core_db: str, settings_for) -> Settings:
    return settings_for(core_db)


def smtp_settings(settings: Settings, port: int) -> Settings:
    return replace(settings, mail=replace(settings.mail, url=f"smtp://127.0.0.1:{port}", sender="Koffiepunt <info@koffiepunt.example>"))


async def stored(message_id: int) -> dict[str, Any]:
    return await MailMessage.select().where(MailMessage.id == message_id).first().run()


async def customer(language: str) -> dict[str, Any]:
    return await records.create(Partner, {"name": "Café De Zwaan", "email": "info@zwaan.example", "language": language})


def attachments_of(msg: EmailMessage) -> list[tuple[str | None, bytes]]:
    return [(part.get_filename(), part.get_content()) for part in msg.iter_attachments()]


async def test_sending_stores_the_message_and_queues_its_delivery_in_one_transaction(settings, queued) -> None:
    message_id = await send("Marieke <marieke@zwaan.example>", "document", CONTEXT, language="en",
                            attachments=[Attachment("C0042.pdf", "application/pdf", PDF)], related=("core_partner", 7))
    row = await stored(message_id)
    assert row["state"] == "queued" and row["attempts"] == 0
    assert row["recipients"] == "Marieke <marieke@zwaan.example>"
    assert row["subject"] == "Contact sheet C0042 from Koffiepunt Service"
    assert (row["table_name"], row["record_id"]) == ("core_partner", 7)
    assert queued == [("core.deliver_mail", (message_id,), True)]
    # The message is its own record of what was sent: the audit log only says it was queued.
    from core.db.audit import AuditEntry

    logged = await AuditEntry.select(AuditEntry.action, AuditEntry.field, AuditEntry.new).where(
        (AuditEntry.table_name == "core_mail_message") & (AuditEntry.record_id == message_id)).run()
    assert logged == [{"action": "create", "field": "", "new": None}]


async def test_many_messages_are_composed_each_in_its_language_and_queued_in_one_go(settings, monkeypatch) -> None:
    batches: list[tuple[str, list[tuple[Any, ...]], bool]] = []

    async def enqueue_many(job: str, calls: list[tuple[Any, ...]]) -> None:
        batches.append((job, list(calls), db.in_transaction()))

    monkeypatch.setattr(service, "enqueue_many", enqueue_many)
    dutch = await customer("nl")
    ids = await service.send_many([
        service.Outgoing("marieke@zwaan.example", "document", CONTEXT, language="en", related=("core_partner", 7)),
        service.Outgoing("info@zwaan.example", "document", CONTEXT, partner_id=dutch["id"]),
        service.Outgoing("Sem <sem@kade.example>", "document", {**CONTEXT, "recipient_name": "Sem"}, language="en"),
    ])
    rows = [await stored(i) for i in ids]
    assert [r["recipients"] for r in rows] == ["marieke@zwaan.example", "info@zwaan.example", "Sem <sem@kade.example>"]
    assert [r["language"] for r in rows] == ["en", "nl", "en"]
    assert rows[1]["subject"] == "Contact sheet C0042 van Koffiepunt Service"
    assert {(r["state"], r["attempts"], r["cc"], r["last_error"]) for r in rows} == {("queued", 0, "", "")}
    assert (rows[0]["table_name"], rows[0]["record_id"], rows[2]["record_id"]) == ("core_partner", 7, None)
    assert batches == [("core.deliver_mail", [(i,) for i in ids], True)]
    # One bad address: nothing is stored, nothing queued.
    before = await MailMessage.count().run()
    with pytest.raises(InvalidAddress):
        await service.send_many([service.Outgoing("a@zwaan.example", "document", CONTEXT, language="en"),
                                 service.Outgoing("not an address", "document", CONTEXT, language="en")])
    assert await MailMessage.count().run() == before and len(batches) == 1
    assert await service.send_many([]) == []


async def test_the_outbox_gets_a_parseable_eml_with_the_pdf_attached(settings, queued) -> None:
    message_id = await send(["marieke@zwaan.example"], "document", CONTEXT, language="en", cc="boss@zwaan.example",
                            attachments=[Attachment("C0042.pdf", "application/pdf", PDF)])
    await deliver_mail(message_id, settings)
    path = settings.var_dir / "outbox" / f"{message_id}.eml"
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["Subject"] == "Contact sheet C0042 from Koffiepunt Service"
    assert msg["To"] == "marieke@zwaan.example" and msg["Cc"] == "boss@zwaan.example"
    assert msg.get_content_type() == "multipart/mixed"
    body = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert body is not None and "Dear Marieke" in body.get_content()
    assert html is not None and "<strong>Contact sheet C0042</strong>" in html.get_content()
    assert attachments_of(msg) == [("C0042.pdf", PDF)]
    row = await stored(message_id)
    assert (row["state"], row["attempts"], row["sent_at"] is not None) == ("sent", 1, True)


async def test_a_dutch_recipient_gets_the_dutch_template(settings, queued) -> None:
    dutch, english = await customer("nl"), await customer("en")
    nl_id = await send("info@zwaan.example", "document", CONTEXT, partner_id=dutch["id"])
    en_id = await send("info@zwaan.example", "document", CONTEXT, partner_id=english["id"])
    nl, en = await stored(nl_id), await stored(en_id)
    assert nl["language"] == "nl" and nl["subject"] == "Contact sheet C0042 van Koffiepunt Service"
    assert nl["body_text"].startswith("Beste Marieke,") and "Met vriendelijke groet" in nl["body_text"]
    assert "Beste Marieke" in nl["body_html"]
    assert en["language"] == "en" and en["body_text"].startswith("Dear Marieke,")


async def test_text_bodies_are_not_html_escaped_but_html_bodies_are(settings, queued) -> None:
    composed = compose("document", "en", {**CONTEXT, "company_name": "Koffie & Co <BV>"})
    assert "Koffie & Co <BV>" in composed.text
    assert "Koffie &amp; Co &lt;BV&gt;" in composed.html


async def test_a_local_smtp_server_receives_the_message_with_the_attachment(settings, queued, smtp) -> None:
    inbox, port = smtp
    message_id = await send("marieke@zwaan.example", "document", CONTEXT, language="nl",
                            attachments=[Attachment("Contactblad C0042.pdf", "application/pdf", PDF)])
    await deliver_mail(message_id, smtp_settings(settings, port))
    assert len(inbox.received) == 1
    msg = inbox.received[0]
    assert msg["From"] == "Koffiepunt <info@koffiepunt.example>"
    assert msg["Message-ID"] == f"<steward-mail-{message_id}@koffiepunt.example>"
    assert msg["Subject"] == "Contact sheet C0042 van Koffiepunt Service"
    assert attachments_of(msg) == [("Contactblad C0042.pdf", PDF)]
    assert (await stored(message_id))["state"] == "sent"


async def test_smtp_down_raises_and_the_message_stays_queued_until_it_is_up(settings, queued) -> None:
    port = free_port()  # nothing listens here yet
    message_id = await send("marieke@zwaan.example", "document", CONTEXT, language="en")
    for attempt in (1, 2):
        with pytest.raises(MailDeliveryError):
            await deliver_mail(message_id, smtp_settings(settings, port))
        row = await stored(message_id)
        assert (row["state"], row["attempts"], row["sent_at"]) == ("queued", attempt, None)
        assert "Connect" in row["last_error"] or "connect" in row["last_error"]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await deliver_mail(message_id, smtp_settings(settings, port))
    finally:
        controller.stop()
    assert len(inbox.received) == 1
    assert (await stored(message_id))["state"] == "sent"


async def test_delivering_twice_sends_once(settings, queued, smtp) -> None:
    inbox, port = smtp
    message_id = await send("marieke@zwaan.example", "document", CONTEXT, language="en")
    await deliver_mail(message_id, smtp_settings(settings, port))
    await deliver_mail(message_id, smtp_settings(settings, port))
    assert len(inbox.received) == 1
    assert (await stored(message_id))["attempts"] == 1


async def test_a_mailbox_the_server_refuses_for_good_is_marked_failed_not_retried(settings, queued) -> None:
    inbox, port = Inbox(refuse=True), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message_id = await send("nobody@zwaan.example", "document", CONTEXT, language="en")
        await deliver_mail(message_id, smtp_settings(settings, port))
    finally:
        controller.stop()
    row = await stored(message_id)
    assert row["state"] == "failed" and "no such mailbox" in row["last_error"]


async def test_bad_addresses_and_templates_are_refused_before_anything_is_stored(settings, queued) -> None:
    for bad in ("not-an-address", "someone@localhost", "", "not-an-address"):  # refused again, not cached
        with pytest.raises(InvalidAddress):
            await send(bad, "document", CONTEXT, language="en")
    with pytest.raises(MailTemplateError):
        await send("marieke@zwaan.example", "no_such_template", CONTEXT, language="en")
    assert await MailMessage.count().run() == 0 and queued == []


async def test_delivery_is_declared_as_the_core_deliver_mail_job(core_db, catalog) -> None:
    assert "core.deliver_mail" in (await load(catalog)).jobs


async def test_the_worker_delivers_a_committed_message_and_retries_while_smtp_is_down(
        core_db: str, catalog, settings_for) -> None:
    """End to end on the embedded broker: `send` in a transaction, the `core.deliver_mail`
    job in a worker; a rolled-back send is never delivered, a down server delays delivery."""
    port = free_port()
    # Backoff long enough that the 20 retries outlast starting the server below.
    settings = jobs_settings(smtp_settings(settings_for(core_db), port), "embedded",
                             min_backoff_seconds=0.2, max_backoff_seconds=0.5)
    async with in_process_worker(settings, catalog):
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await send("ghost@zwaan.example", "document", CONTEXT, language="en")
                raise RuntimeError("the caller's change failed")
        message_id = await send("marieke@zwaan.example", "document", CONTEXT, language="en",
                                attachments=[Attachment("C0042.pdf", "application/pdf", PDF)])

        async def tried_twice() -> bool:
            return (await stored(message_id))["attempts"] >= 2

        await wait_until(tried_twice)
        assert (await stored(message_id))["state"] == "queued"
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            async def sent() -> bool:
                return (await stored(message_id))["state"] == "sent"

            await wait_until(sent)
        finally:
            controller.stop()
    assert [m["To"] for m in inbox.received] == ["marieke@zwaan.example"]
    assert attachments_of(inbox.received[0]) == [("C0042.pdf", PDF)]
    assert await MailMessage.count().run() == 1  # the rolled-back message left nothing behind


async def test_a_template_without_a_dutch_version_is_sent_in_english(settings, queued, monkeypatch) -> None:
    from core.mail import compose as composing

    shipped = DictLoader({"example/mail/reminder.en.txt": "Subject: Reminder\n\nYour test is due."})
    for env in composing._environments():
        monkeypatch.setattr(env, "loader", ChoiceLoader([shipped, env.loader]))
    message_id = await send("marieke@zwaan.example", "example.reminder", {}, language="nl")
    row = await stored(message_id)
    assert (row["language"], row["subject"], row["body_text"], row["body_html"]) == (
        "en", "Reminder", "Your test is due.", "")


def test_the_mail_section_of_the_config_file_is_read_and_checked(tmp_path) -> None:
    from core.settings import SettingsError, load_settings

    cfg = tmp_path / "config.toml"
    cfg.write_text('[mail]\nurl = "smtp://mailer:s3cret@mail.example:587"\nstarttls = true\n'
                   'sender = "Koffiepunt <info@koffiepunt.example>"\n')
    mail = load_settings(cfg, env={}).mail
    assert (mail.url, mail.starttls, mail.ssl, mail.sender) == (
        "smtp://mailer:s3cret@mail.example:587", True, False, "Koffiepunt <info@koffiepunt.example>")
    empty = tmp_path / "empty.toml"
    empty.touch()
    assert load_settings(empty, env={}).mail.url == "outbox"
    cfg.write_text('[mail]\nurl = "smpt://mailer:s3cret@mail.example"\n')
    with pytest.raises(SettingsError) as error:
        load_settings(cfg, env={})
    assert "mail.url" in str(error.value) and "s3cret" not in str(error.value)
