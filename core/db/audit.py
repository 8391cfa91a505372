"""The audit log: who changed which field of which record, when."""

from __future__ import annotations

from typing import Any

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEntry(Table, tablename="core_audit_log"):
    at = Timestamptz(default=TimestamptzNow())
    user_id = Integer(null=True, default=None)
    table_name = Varchar(length=100, index=True)
    record_id = Integer(index=True)
    action = Varchar(length=10)  # create | write | delete
    field = Varchar(length=100, default="")
    old = Text(null=True, default=None)
    new = Text(null=True, default=None)


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


async def history(table: type[Table], record_id: int) -> list[dict[str, Any]]:
    """Entries for one record, newest first."""
    return (
        await AuditEntry.select()
        .where(
            (AuditEntry.table_name == table._meta.tablename) & (AuditEntry.record_id == record_id)
        )
        .order_by(AuditEntry._meta.primary_key, ascending=False)
        .run()
    )
