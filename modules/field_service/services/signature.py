"""The customer's signature: a PNG drawn on a canvas, posted as a data URL, stored as an
attachment of the work order."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import struct
from pathlib import Path
from typing import Any

from core.attachments import service as attachments
from core.db import records
from core.db.engine import transaction
from core.i18n import _
from modules.field_service.models.work_order import WorkOrder
from modules.field_service.services.errors import FieldServiceError, InvalidValues, SignatureRefused
from modules.field_service.services.lifecycle import at_version, get, label

PREFIX = "data:image/png;base64,"
PNG = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 512 * 1024
MAX_SIDE = 4000
SIGNABLE = ("in_progress", "on_hold", "done")


def decode(data_url: str) -> bytes:
    """The PNG bytes of a signature data URL; SignatureRefused when it is anything else."""
    text = (data_url or "").strip()
    if not text.startswith(PREFIX):
        raise SignatureRefused(_("The signature must be a PNG image drawn on the screen."))
    if len(text) > len(PREFIX) + (MAX_BYTES * 4) // 3 + 4:
        raise SignatureRefused(_("The signature image is too large."))
    try:
        data = base64.b64decode(text[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise SignatureRefused(_("The signature could not be read.")) from None
    if len(data) < 33 or not data.startswith(PNG) or data[12:16] != b"IHDR":
        raise SignatureRefused(_("The signature must be a PNG image drawn on the screen."))
    width, height = struct.unpack(">II", data[16:24])
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise SignatureRefused(_("The signature image has an impossible size."))
    return data


async def sign(work_order: int, data_url: str, signed_by: str, root: Path, *, version: int | None = None,
               at: dt.datetime | None = None) -> dict[str, Any]:
    """Store the customer's signature and who signed (a name), while the work is in progress,
    on hold or done. Signing again replaces the signature (the old image stays attached)."""
    name = (signed_by or "").strip()
    if not name or len(name) > 200:
        raise InvalidValues({"signed_by": _("Enter the name of the person who signs (at most 200 characters).")})
    data = decode(data_url)
    row = await get(work_order)
    if row["state"] not in SIGNABLE:
        raise FieldServiceError(_("%(order)s cannot be signed before the work has started.", order=label(row)))
    at_version(row, version)
    stored = await attachments.add(root, "field_service_work_order", work_order,
                                   f"signature-{label(row).replace('/', '-')}.png", data, max_bytes=MAX_BYTES)
    async with transaction():
        fresh = await get(work_order)
        return await records.update(WorkOrder, work_order, {
            "signature_attachment": int(stored["id"]), "signed_by": name, "signed_at": at or dt.datetime.now(dt.UTC),
        }, version=at_version(fresh, version))
