"""Substring-search indexes for the partner and product lists (FTS5 trigram on
SQLite, pg_trgm GIN on PostgreSQL; see core.db.search)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T05:13:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "search indexes on core_partner and core_product"


async def forwards():
    from core.db.search import SearchIndex

    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)
    # The columns are written out here (not read from the list specs) so this
    # migration keeps doing the same thing when the specs change later.
    for index in (
        SearchIndex("core_partner", ("name", "reference", "city", "email")),
        SearchIndex("core_product", ("code", "name")),
    ):
        manager.add_raw(index.create)
        manager.add_raw_backwards(index.drop)
    return manager
