"""warehouse_move_open: a partial index of the open moves (draft or reserved) by product.
The stock list sums each listed product's open moves for its forecast; open moves are a
handful among millions of done ones, so this index is tiny and finds them per product
in one step on both engines. Piccolo tables cannot declare a partial index, so this
migration adds it by hand."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T14:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "warehouse_move partial index of open moves (product)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="warehouse", description=DESCRIPTION)

    async def create_index():
        from core.db.engine import current

        await current().run_ddl(
            "CREATE INDEX IF NOT EXISTS warehouse_move_open ON warehouse_move (\"product\") "
            "WHERE \"state\" IN ('draft', 'reserved')"
        )

    async def drop_index():
        from core.db.engine import current

        await current().run_ddl("DROP INDEX IF EXISTS warehouse_move_open")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
