"""Table constraints (CHECK, composite UNIQUE) added by a migration, on both engines.

Piccolo's auto-migrations add constraints with `ALTER TABLE ... ADD CONSTRAINT`,
which SQLite does not have. `add_constraint` does that on PostgreSQL and, on
SQLite, rebuilds the table with the constraint in its CREATE statement (copying
its rows and recreating its indexes and triggers), as SQLite's documentation prescribes.
Use it from a migration with `manager.add_raw(...)`:

    manager.add_raw(lambda: add_constraint("warehouse_quant", "check_quantity", "CHECK (quantity >= 0)"))
"""

from __future__ import annotations

import re
from typing import Any

from core.db.engine import current, is_sqlite

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


async def add_constraint(table: str, name: str, clause: str) -> None:
    """Add `CONSTRAINT name <clause>` to `table`. Rows already in the table must satisfy it."""
    if not (_NAME.match(table) and _NAME.match(name)):
        raise ValueError(f"bad table or constraint name: {table!r}, {name!r}")
    if not is_sqlite():
        await _run(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {clause}')
        return
    rows = await _run("SELECT type, sql FROM sqlite_master WHERE tbl_name = {} AND sql IS NOT NULL", table)
    create = next(r["sql"] for r in rows if r["type"] == "table")
    # Indexes and triggers go with the dropped table: both are made again on the new one.
    indexes = [r["sql"] for r in rows if r["type"] in ("index", "trigger")]
    body = create.rstrip()
    if not body.endswith(")"):
        raise ValueError(f"cannot read the definition of {table}: {create!r}")
    new = f'{body[:-1]}, CONSTRAINT "{name}" {clause})'
    new = re.sub(r'^CREATE TABLE\s+"?' + table + r'"?', f'CREATE TABLE "{table}__new"', new, count=1)
    await _run(new)
    await _run(f'INSERT INTO "{table}__new" SELECT * FROM "{table}"')
    await _run(f'DROP TABLE "{table}"')
    await _run(f'ALTER TABLE "{table}__new" RENAME TO "{table}"')
    for sql in indexes:
        await _run(sql)


async def drop_constraint(table: str, name: str) -> None:
    """Backwards of `add_constraint` on PostgreSQL; on SQLite the table is dropped by the
    migration that created it, so nothing is left to do."""
    if not is_sqlite():
        await _run(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')


async def _run(sql: str, *args: Any) -> list[dict[str, Any]]:
    from piccolo.querystring import QueryString

    return await current().run_querystring(QueryString(sql, *args))
