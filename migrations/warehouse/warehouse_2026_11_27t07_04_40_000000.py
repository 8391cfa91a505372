"""Stock constraints the database enforces itself: non-negative quantities, reservations
within what is on hand, one quant per product/location/lot, unique serial numbers.
Added through core.db.constraints (SQLite cannot ALTER TABLE ADD CONSTRAINT), after the
tables exist (raw steps of a migration run before its table steps)."""

import functools

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T07:04:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "stock constraints"


async def forwards():
    from core.db.constraints import add_constraint, drop_constraint

    manager = MigrationManager(migration_id=ID, app_name="warehouse", description=DESCRIPTION)
    for table, name, clause in (
        ('warehouse_purchase_line', 'check_positive', 'CHECK ("quantity" > 0)'),
        ('warehouse_lot', 'unique_product_name', 'UNIQUE ("product", "name")'),
        ('warehouse_quant', 'unique_place', 'UNIQUE ("product", "location", "lot_key")'),
        ('warehouse_quant', 'check_quantity', 'CHECK ("quantity" >= 0)'),
        ('warehouse_quant', 'check_reserved', 'CHECK ("reserved" >= 0)'),
        ('warehouse_quant', 'check_reserved_on_hand', 'CHECK ("reserved" <= "quantity")'),
        ('warehouse_move', 'check_positive', 'CHECK ("quantity" > 0)'),
    ):
        manager.add_raw(functools.partial(add_constraint, table, name, clause))
        manager.add_raw_backwards(functools.partial(drop_constraint, table, name))
    return manager
