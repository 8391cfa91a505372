"""Completing a work order queues the service report mail (in the same transaction); the job
mails the PDF once in the customer's language, even when it runs twice, and the .eml lands
in the outbox."""

from __future__ import annotations

import email
import json
from email import policy

import pytest

from core.jobs.models import JobRun
from core.mail.deliver import deliver_mail
from core.mail.models import MailMessage
from core.settings import Settings
from modules.field_service import jobs_report
from modules.field_service.services import service_report
from modules.field_service.services import work_order as work_orders
from modules.field_service.tests.report_fixtures import finished_job, settings  # noqa: F401

pytestmark = pytest.mark.usefixtures("fs_db")


async def queued_for(work_order: int) -> list[dict]:
    return [r for r in await JobRun.select().where(JobRun.job == service_report.JOB).run()
            if json.loads(r["args"]) == [work_order]]


async def test_completion_mails_the_report_once_even_when_the_job_runs_twice(settings: Settings) -> None:  # noqa: F811
    order = await finished_job(settings.var_dir)
    assert len(await queued_for(order["id"])) == 1  # queued by the completion itself
    await work_orders.complete(order["id"])  # a double submit: already done, nothing new
    assert len(await queued_for(order["id"])) == 1

    first = await jobs_report.send_service_report(order["id"])
    again = await jobs_report.send_service_report(order["id"])  # a redelivered message
    assert first is not None and again is None
    [message] = await MailMessage.select().run()
    assert message["recipients"] == "inkoop@dezwaan.example" and message["language"] == "nl"
    assert (await work_orders.get(order["id"]))["report_sent_at"] is not None

    await deliver_mail(message["id"], settings)
    sent = email.message_from_bytes((settings.var_dir / "outbox" / f"{message['id']}.eml").read_bytes(),
                                    policy=policy.default)
    assert sent["Subject"] == f"Servicerapport {order['number']} van My Company"
    body = sent.get_body(("plain",)).get_content()
    assert "Beste Café De Zwaan" in body and "2 punten van de checklist vragen aandacht" in body
    [pdf] = [p for p in sent.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"service-report-{order['number'].replace('/', '-')}.pdf"
    assert pdf.get_content().startswith(b"%PDF")


async def test_an_english_customer_gets_it_in_english(settings: Settings) -> None:  # noqa: F811
    order = await finished_job(settings.var_dir, language="en")
    await jobs_report.send_service_report(order["id"])
    [message] = await MailMessage.select().run()
    assert message["subject"] == f"Service report {order['number']} from My Company"
    assert "Our technician has finished the work" in message["body_text"]


async def test_without_an_address_or_before_done_nothing_is_sent(settings: Settings) -> None:  # noqa: F811
    order = await finished_job(settings.var_dir, email="")
    assert await jobs_report.send_service_report(order["id"]) is None
    assert await MailMessage.count().run() == 0
    assert (await work_orders.get(order["id"]))["report_sent_at"] is None
