"""Piccolo migrations, one Piccolo app per Steward module.

Piccolo finds apps through `APP_REGISTRY` in its configuration module; we fill
it from the discovered manifests, so `migrations/<module>/` (or a third-party
package's own `migrations/`) is that module's migration folder.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import types
from collections.abc import Iterable

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppConfig
from piccolo.table import Table

from core.db import piccolo_conf, search
from core.db.engine import is_sqlite
from core.modules.manifest import Manifest

log = logging.getLogger("steward.migrations")


class MigrationError(Exception):
    pass


def register_apps(manifests: Iterable[Manifest]) -> None:
    """Make every discovered module a Piccolo app (needed to run or generate migrations)."""
    # Piccolo imports each app's config module by dotted path and reads its
    # APP_CONFIG; we hand it synthetic modules placed in sys.modules.
    names = []
    for m in manifests:
        if m.migrations is None:
            continue
        module = types.ModuleType(f"_steward_app_{m.name}")
        module.APP_CONFIG = AppConfig(  # type: ignore[attr-defined]
            app_name=m.name,
            migrations_folder_path=m.migrations,
            table_classes=list(m.tables),
        )
        sys.modules[module.__name__] = module
        names.append(module.__name__)
    piccolo_conf.APP_REGISTRY.apps = names
    piccolo_conf.APP_REGISTRY.app_configs = {
        n.removeprefix("_steward_app_"): sys.modules[n].APP_CONFIG for n in names  # type: ignore[attr-defined]
    }


@contextlib.contextmanager
def _quiet():
    """Piccolo's migration commands print; route that to our log instead."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        yield
    for line in buf.getvalue().splitlines():
        if line.strip():
            log.debug(line)


def _has_migrations(module: str) -> bool:
    config = piccolo_conf.APP_REGISTRY.app_configs.get(module)
    return config is not None and os.path.isdir(config.resolved_migrations_folder_path)


async def pending(module: str) -> int:
    """How many of the module's migrations have not run yet (a module without a
    migrations folder has no tables to create and never has any)."""
    if not _has_migrations(module):
        return 0
    manager = ForwardsMigrationManager(app_name=module)
    config = piccolo_conf.APP_REGISTRY.app_configs[module]
    ran = set()
    if await Migration.table_exists().run():
        ran = set(await Migration.get_migrations_which_ran(app_name=module))
    ids = manager.get_migration_ids(manager.get_migration_modules(config.resolved_migrations_folder_path))
    return len(set(ids) - ran)


async def forwards(module: str) -> None:
    """Apply the module's pending migrations; raise MigrationError if one fails."""
    if not _has_migrations(module):
        return
    with _quiet():
        result = await ForwardsMigrationManager(app_name=module).run()
    if not result.success:
        raise MigrationError(f"migrations of module '{module}' failed: {result.message}")


async def forget(module: str) -> None:
    """Forget which migrations of the module ran (its tables are being dropped)."""
    if await Migration.table_exists().run():
        await Migration.delete().where(Migration.app_name == module).run()


async def drop_tables(tables: Iterable[type[Table]]) -> None:
    """Drop tables, last declared first (later tables reference earlier ones), with
    their search indexes (core.db.search)."""
    suffix = "" if is_sqlite() else " CASCADE"
    for table in reversed(list(tables)):
        await search.drop_for(table._meta.tablename)
        await table.raw(f'DROP TABLE IF EXISTS "{table._meta.tablename}"{suffix}').run()


async def existing_tables(tables: Iterable[type[Table]]) -> list[type[Table]]:
    return [t for t in tables if await t.table_exists().run()]


async def make_migration(module: str, description: str = "") -> None:
    """Generate an auto migration for the module from its current table classes."""
    from piccolo.apps.migrations.commands.new import new

    folder = piccolo_conf.APP_REGISTRY.app_configs[module].resolved_migrations_folder_path
    os.makedirs(folder, exist_ok=True)
    await new(app_name=module, auto=True, desc=description, auto_input="y")
