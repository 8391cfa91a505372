"""What the mail area contributes to core's manifest: the message tables and the delivery job."""

from core.mail.deliver import deliver_mail
from core.mail.models import MailAttachment, MailMessage
from core.modules.manifest import Job, Part

PART = Part(
    tables=(MailMessage, MailAttachment),
    # With the default backoff (15 s doubling to 1 h) 20 retries span about half a day
    # before the job is dead-lettered; the message itself stays queued either way.
    jobs=(Job(fn=deliver_mail, name="deliver_mail", max_retries=20),),
)
