"""Columns every business table carries."""

from piccolo.columns import Integer, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow


class Audited:
    """Audit columns plus `version`, the optimistic-locking counter.

    Use as a Piccolo mixin: `class Partner(Audited, Table, tablename="core_partner")`.
    Write through `core.db.records` so the version check and audit log happen.
    `created_by`/`updated_by` hold a user id without a foreign key, so every
    module can carry them without depending on the users table's lifecycle.
    """

    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Integer(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = Integer(null=True, default=None)
    version = Integer(default=1)
