"""Invoice constraints the database enforces itself: known states, a number on every
issued, paid or cancelled-after-issue invoice, a payment date on paid ones, sane terms,
discounts and VAT rates. Added through core.db.constraints (SQLite cannot ALTER TABLE
ADD CONSTRAINT), after the tables exist (raw steps of a migration run before its table steps)."""

import functools

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T07:58:51:000000"
VERSION = "1.38.0"
DESCRIPTION = "invoice constraints"


async def forwards():
    from core.db.constraints import add_constraint, drop_constraint

    manager = MigrationManager(migration_id=ID, app_name="billing", description=DESCRIPTION)
    for table, name, clause in (
        ('billing_invoice', 'check_state',
         """CHECK ("state" IN ('draft', 'issued', 'paid', 'cancelled'))"""),
        ('billing_invoice', 'check_numbered',
         """CHECK ("number" IS NOT NULL OR "state" IN ('draft', 'cancelled'))"""),
        ('billing_invoice', 'check_paid_on', """CHECK ("state" <> 'paid' OR "paid_on" IS NOT NULL)"""),
        ('billing_invoice', 'check_terms', 'CHECK ("payment_terms" >= 0)'),
        ('billing_invoice_line', 'check_discount', 'CHECK ("discount" >= 0 AND "discount" <= 100)'),
        ('billing_invoice_line', 'check_vat_rate', 'CHECK ("vat_rate" >= 0)'),
    ):
        manager.add_raw(functools.partial(add_constraint, table, name, clause))
        manager.add_raw_backwards(functools.partial(drop_constraint, table, name))
    return manager
