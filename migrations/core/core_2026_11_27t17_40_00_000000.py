"""PostgreSQL: the partner and product search indexes become one trigram index each, on the
searched columns' text as one lowercased expression (core.db.search.searchable), instead
of one per column; searches test that expression once per row instead of an ILIKE per
column. SQLite's FTS indexes are unchanged. The columns are written out here so this
migration keeps doing the same thing when the list specs change later."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T17:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "PostgreSQL search indexes: one trigram index on the lowercased searched text per table"


def _indexes():
    from core.db.search import SearchIndex

    return (SearchIndex("core_partner", ("name", "reference", "city", "email")),
            SearchIndex("core_product", ("code", "name")))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def one_index_each():
        from core.db.engine import current, is_sqlite

        if is_sqlite():
            return
        for index in _indexes():
            for name in index.legacy_postgres_names():
                await current().run_ddl(f'DROP INDEX IF EXISTS "{name}"')
            for sql in index.postgres_ddl():
                await current().run_ddl(sql)
            # Statistics of the new expression: without them the planner guesses how many
            # rows a word matches, and walks the whole list for a rare one.
            await current().run_ddl(f'ANALYZE "{index.tablename}"')

    async def one_index_per_column():
        from core.db.engine import current, is_sqlite

        if is_sqlite():
            return
        for index in _indexes():
            await current().run_ddl(f'DROP INDEX IF EXISTS "{index.postgres_name}"')
            for column in index.columns:
                await current().run_ddl(
                    f'CREATE INDEX IF NOT EXISTS "{index.tablename}_{column}_trgm" ON "{index.tablename}" '
                    f'USING gin ("{column}" gin_trgm_ops)')

    manager.add_raw(one_index_each)
    manager.add_raw_backwards(one_index_per_column)
    return manager
