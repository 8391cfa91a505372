"""The dispatch board's cache reads core's per-table revisions (core.db.revisions) instead of
a revision counter of its own: the tables the board reads get their counters and triggers
(TableRevisions), and the board's own triggers, their function and its counter row go.
Both ways the work on the board's triggers is the migration of 2026-11-27T14:00's: its
backwards steps here, its forwards steps when this one is undone."""

import importlib.util
from pathlib import Path

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "field service: table revision counters on the tables the dispatch board reads"

TABLES = ("field_service_work_order", "field_service_assignment", "field_service_technician",
          "field_service_absence", "field_service_team", "field_service_job_type", "field_service_request",
          "field_service_equipment")


async def _board_triggers_migration() -> MigrationManager:
    path = Path(__file__).with_name("field_service_2026_11_27t14_00_00_000000.py")
    spec = importlib.util.spec_from_file_location("field_service_board_revision", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return await module.forwards()


async def forwards():
    from core.db.revisions import TableRevisions

    manager = MigrationManager(migration_id=ID, app_name="field_service", description=DESCRIPTION)
    revisions = TableRevisions(TABLES)

    async def replace_board_triggers():
        old = await _board_triggers_migration()
        for step in old.raw_backwards:  # drops the board's triggers, function and counter
            await step()
        await revisions.create()

    async def restore_board_triggers():
        await revisions.drop()
        old = await _board_triggers_migration()
        for step in old.raw:
            await step()

    manager.add_raw(replace_board_triggers)
    manager.add_raw_backwards(restore_board_triggers)
    return manager
