"""core_setting: one value per (module, key); Piccolo tables cannot declare a
composite unique constraint, so this migration adds the index by hand."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T03:54:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "core_setting unique (module, key)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def create_index():
        from core.db.engine import current

        await current().run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS core_setting_module_key ON core_setting ("module", "key")'
        )

    async def drop_index():
        from core.db.engine import current

        await current().run_ddl("DROP INDEX IF EXISTS core_setting_module_key")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
