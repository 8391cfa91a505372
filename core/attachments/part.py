"""What the attachments area contributes to core's manifest."""

from core.attachments.controllers import AttachmentController
from core.attachments.models import Attachment
from core.modules.manifest import Part

PART = Part(tables=(Attachment,), controllers=(AttachmentController,))
