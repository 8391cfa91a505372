"""warehouse_move (product, done_at, id): a product's moves in the order the stock card
shows them (open ones, whose done_at is NULL, then done ones newest first) without
sorting every move of a busy product, and its open moves without reading its done
ones. Piccolo tables cannot declare a composite index, so this migration adds it by hand."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T10:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "warehouse_move index (product, done_at, id)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="warehouse", description=DESCRIPTION)

    async def create_index():
        from core.db.engine import current

        await current().run_ddl(
            'CREATE INDEX IF NOT EXISTS warehouse_move_product_done_at ON warehouse_move ("product", "done_at", "id")'
        )

    async def drop_index():
        from core.db.engine import current

        await current().run_ddl("DROP INDEX IF EXISTS warehouse_move_product_done_at")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
