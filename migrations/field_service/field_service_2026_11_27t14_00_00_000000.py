"""A revision counter for the dispatch board's render cache (controllers/dispatch.py): every
insert, update or delete of a table the board reads bumps the core_sequence_counter row
'field_service.board@revision', by a trigger, in the writing transaction itself; so a
process serving the board from its own cache sees any change, made by any process or by
plain SQL, with one read of that row. (The customer names the board shows live in
core_partner, which gets no trigger of this module: a trigger would outlive an uninstall;
the cache compares those rows' versions instead.)

PostgreSQL: deferred constraint triggers, so a transaction bumps the counter once, when it
commits: the counter row's lock is the last one it takes, and two writers can never
deadlock over it (an immediate trigger would lock it at the first write and hold it while
waiting for other rows). TRUNCATE gets a plain statement trigger. SQLite, whose writers
are serialized anyway, has only row triggers: three per table (insert, update, delete).
The counter wraps before PostgreSQL's integer overflows."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "field service: dispatch board revision counter and its triggers"

KEY = "field_service.board@revision"
TABLES = ("field_service_work_order", "field_service_assignment", "field_service_technician",
          "field_service_absence", "field_service_team", "field_service_job_type", "field_service_request",
          "field_service_equipment")
BUMP = (f"UPDATE core_sequence_counter SET last = CASE WHEN last >= 2000000000 THEN 1 ELSE last + 1 END "
        f"WHERE key = '{KEY}'")
FUNCTION = "field_service_board_bump"
FLAG = "field_service.board_bumped"  # a transaction-local setting


def _name(table: str, op: str = "") -> str:
    return f"{table}_board{'_' + op if op else ''}"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="field_service", description=DESCRIPTION)

    async def create():
        from core.db.engine import current, is_sqlite

        db = current()
        await db.run_ddl(f"INSERT INTO core_sequence_counter (key, last) VALUES ('{KEY}', 1) "
                         "ON CONFLICT (key) DO NOTHING")
        if is_sqlite():
            for table in TABLES:
                for op in ("insert", "update", "delete"):
                    await db.run_ddl(f"CREATE TRIGGER IF NOT EXISTS {_name(table, op)} AFTER {op.upper()} ON {table} "
                                     f"BEGIN {BUMP}; END")
            return
        # Once per transaction: the first row's trigger bumps, the others see the local flag.
        await db.run_ddl(f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                         f"IF coalesce(current_setting('{FLAG}', true), '') <> 'on' THEN "
                         f"PERFORM set_config('{FLAG}', 'on', true); {BUMP}; END IF; RETURN NULL; END $$")
        for table in TABLES:
            await db.run_ddl(f"DROP TRIGGER IF EXISTS {_name(table)} ON {table}")
            await db.run_ddl(f"DROP TRIGGER IF EXISTS {_name(table, 'truncate')} ON {table}")
            await db.run_ddl(f"CREATE CONSTRAINT TRIGGER {_name(table)} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                             f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()")
            await db.run_ddl(f"CREATE TRIGGER {_name(table, 'truncate')} AFTER TRUNCATE ON {table} "
                             f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")

    async def drop():
        from core.db.engine import current, is_sqlite

        db = current()
        for table in TABLES:
            if is_sqlite():
                for op in ("insert", "update", "delete"):
                    await db.run_ddl(f"DROP TRIGGER IF EXISTS {_name(table, op)}")
            else:
                await db.run_ddl(f"DROP TRIGGER IF EXISTS {_name(table)} ON {table}")
                await db.run_ddl(f"DROP TRIGGER IF EXISTS {_name(table, 'truncate')} ON {table}")
        if not is_sqlite():
            await db.run_ddl(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
        await db.run_ddl(f"DELETE FROM core_sequence_counter WHERE key = '{KEY}'")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
