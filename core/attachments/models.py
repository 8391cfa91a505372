"""Attachment metadata; the bytes live under var/attachments/<sha256 prefix>/."""

from __future__ import annotations

from piccolo.columns import Integer, Varchar
from piccolo.table import Table

from core.db.mixins import Audited


class Attachment(Audited, Table, tablename="core_attachment"):
    table_name = Varchar(length=100, index=True)
    record_id = Integer(index=True)
    filename = Varchar(length=255)
    content_type = Varchar(length=100)
    size = Integer()
    sha256 = Varchar(length=64)
