"""Indexes for the dispatch board at 200 technicians and half a million work orders (bench/
field_service.py): a technician's assignments by (user, planned_end), so a week's board reads
the window and what follows it instead of two years of history; and work orders by (state,
scheduled_start), which finds (and counts, from the index alone) the unscheduled open work.
Piccolo tables cannot declare a composite index, so this migration adds them by hand."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T11:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "field service indexes: assignment (user, planned_end), work_order (state, scheduled_start)"

INDEXES = (
    ("field_service_assignment_user_planned_end", "field_service_assignment", '"user", "planned_end"'),
    ("field_service_work_order_state_scheduled_start", "field_service_work_order", '"state", "scheduled_start"'),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="field_service", description=DESCRIPTION)

    async def create_indexes():
        from core.db.engine import current

        for name, table, columns in INDEXES:
            await current().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")

    async def drop_indexes():
        from core.db.engine import current

        for name, _table, _columns in INDEXES:
            await current().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
