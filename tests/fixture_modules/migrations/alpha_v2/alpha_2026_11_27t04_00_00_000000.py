from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-11-27T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "add colour"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="alpha", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Note",
        tablename="alpha_note",
        column_name="colour",
        db_column_name="colour",
        column_class_name="Varchar",
        column_class=Varchar,
        params={"length": 20, "default": "red", "null": False},
    )
    return manager
