"""Revision counters and triggers (core.db.revisions) on the tables the partner and product
lists read: a list page's rows can then be kept per process and served again while the
counters say none of those tables changed (core.web.kit.lists, `ListSpec(cache=True)`).
The tables are written out here so this migration keeps doing the same thing when the
list specs change later."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "table revision counters on core_partner, core_territory, core_product, core_product_category"

TABLES = ("core_partner", "core_territory", "core_product", "core_product_category")


async def forwards():
    from core.db.revisions import TableRevisions

    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)
    revisions = TableRevisions(TABLES)
    manager.add_raw(revisions.create)
    manager.add_raw_backwards(revisions.drop)
    return manager
