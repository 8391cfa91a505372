"""Records a module ships (`data`, `demo`), loaded so that upgrades never clobber users' edits.

Each shipped record has a key (`<module>.<key>`). We remember a checksum of the
values we last wrote; on reload we update the record only if its current
values still match that checksum, i.e. no user has changed it since.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from piccolo.columns import Integer, Varchar
from piccolo.table import Table

from core.db import records


class DataRecord(Table, tablename="core_data_record"):
    module = Varchar(length=100, index=True)
    key = Varchar(length=200)
    table_name = Varchar(length=100)
    record_id = Integer()
    checksum = Varchar(length=64)  # of the values shipped
    row_checksum = Varchar(length=64)  # of the same fields as stored, read back


def _checksum(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _plain(row: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    return {k: row.get(k) for k in keys}


async def ensure(module: str, key: str, table: type[Table], values: dict[str, Any]) -> int:
    """Create or refresh the shipped record `module.key`; return its id."""
    tracked = await DataRecord.select().where(
        (DataRecord.module == module) & (DataRecord.key == key)
    ).first().run()
    audited = hasattr(table, "version")
    new_sum = _checksum(values)
    if tracked is None:
        if audited:
            row = await records.create(table, values)
        else:
            row = (await table.insert(table(**values)).returning(*table._meta.columns).run())[0]
        await DataRecord.insert(
            DataRecord(module=module, key=key, table_name=table._meta.tablename,
                       record_id=row["id"], checksum=new_sum,
                       row_checksum=_checksum(_plain(row, list(values))))
        ).run()
        return row["id"]
    if new_sum == tracked["checksum"]:
        return tracked["record_id"]
    current = await table.select().where(table._meta.primary_key == tracked["record_id"]).first().run()
    if current is None:
        return tracked["record_id"]  # a user deleted it: respect that
    if _checksum(_plain(current, list(values))) != tracked["row_checksum"]:
        return tracked["record_id"]  # a user changed it: their edit wins
    if audited:
        row = await records.update(table, current["id"], values, version=current["version"])
    else:
        row = (
            await table.update(dict(values))  # type: ignore[arg-type]
            .where(table._meta.primary_key == current["id"])
            .returning(*table._meta.columns).run()
        )[0]
    await DataRecord.update({
        DataRecord.checksum: new_sum,
        DataRecord.row_checksum: _checksum(_plain(row, list(values))),
    }).where(DataRecord._meta.primary_key == tracked["id"]).run()
    return tracked["record_id"]


async def ref(module: str, key: str) -> int:
    """The id of shipped record `module.key` (raises KeyError if it was never loaded)."""
    row = await DataRecord.select(DataRecord.record_id).where(
        (DataRecord.module == module) & (DataRecord.key == key)
    ).first().run()
    if row is None:
        raise KeyError(f"{module}.{key}")
    return row["record_id"]


async def forget(module: str) -> None:
    await DataRecord.delete().where(DataRecord.module == module).run()
