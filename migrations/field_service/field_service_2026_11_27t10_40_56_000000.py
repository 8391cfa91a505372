"""Field service constraints the database enforces itself: known states, kinds and
priorities, percentages within 0-100, sane periods and tolerances, one holiday per
calendar day, one equipment per product serial, one assignment per technician and work
order, one work order per maintenance plan due date, one finding per leak. Added through
core.db.constraints (SQLite cannot ALTER TABLE ADD CONSTRAINT), after the tables exist."""

import functools

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-27T10:40:56:000000"
VERSION = "1.38.0"
DESCRIPTION = "field service constraints"

PRIORITY = """CHECK ("priority" IN ('low', 'normal', 'high', 'urgent'))"""
WO_KIND = """CHECK ("kind" IN ('repair', 'preventive', 'installation', 'inspection', 'demonstration', 'recall'))"""
CHECK_KIND = """CHECK ("kind" IN ('passfail', 'measure', 'text', 'photo'))"""
COVERAGE = """CHECK ("coverage" IN ('covered', 'partly', 'chargeable'))"""
PERCENT = 'CHECK ("covered_percent" >= 0 AND "covered_percent" <= 100)'

CONSTRAINTS = (
    ('field_service_calendar', 'check_day', 'CHECK ("day_start" < "day_end")'),
    ('field_service_holiday', 'unique_calendar_day', 'UNIQUE ("calendar", "day")'),
    ('field_service_contract', 'check_state',
     """CHECK ("state" IN ('draft', 'active', 'expired', 'cancelled'))"""),
    ('field_service_contract', 'check_parts_coverage',
     'CHECK ("parts_coverage" >= 0 AND "parts_coverage" <= 100)'),
    ('field_service_contract', 'check_labour_coverage',
     'CHECK ("labour_coverage" >= 0 AND "labour_coverage" <= 100)'),
    ('field_service_contract', 'check_period', 'CHECK ("end_date" >= "start_date")'),
    ('field_service_contract', 'check_visits', 'CHECK ("visits_per_year" >= 0)'),
    ('field_service_contract', 'check_price', 'CHECK ("yearly_price" >= 0)'),
    ('field_service_sla_policy', 'check_priority', PRIORITY),
    ('field_service_sla_policy', 'check_hours',
     'CHECK ("response_hours" > 0 AND "resolution_hours" >= "response_hours")'),
    ('field_service_sla_policy', 'check_warn_percent', 'CHECK ("warn_percent" > 0 AND "warn_percent" < 100)'),
    ('field_service_equipment', 'unique_product_serial', 'UNIQUE ("product", "serial")'),
    ('field_service_equipment', 'check_condition',
     """CHECK ("condition" IN ('good', 'attention', 'critical'))"""),
    ('field_service_technician', 'check_day', 'CHECK ("day_start" < "day_end")'),
    ('field_service_technician', 'check_cost', 'CHECK ("hourly_cost" >= 0)'),
    ('field_service_absence', 'check_period', 'CHECK ("end_date" >= "start_date")'),
    ('field_service_job_type', 'check_kind', WO_KIND),
    ('field_service_job_type', 'check_duration', 'CHECK ("duration_minutes" > 0)'),
    ('field_service_job_type', 'check_rate', 'CHECK ("hourly_rate" >= 0)'),
    ('field_service_check_template', 'check_kind', CHECK_KIND),
    ('field_service_check_template', 'check_tolerance',
     'CHECK ("minimum" IS NULL OR "maximum" IS NULL OR "minimum" <= "maximum")'),
    ('field_service_request', 'check_kind',
     """CHECK ("kind" IN ('repair', 'maintenance', 'installation', 'demonstration', 'complaint', 'warranty'))"""),
    ('field_service_request', 'check_priority', PRIORITY),
    ('field_service_request', 'check_channel',
     """CHECK ("channel" IN ('phone', 'email', 'web', 'visit', 'portal'))"""),
    ('field_service_request', 'check_state',
     """CHECK ("state" IN ('new', 'assigned', 'waiting_customer', 'waiting_parts', 'converted', 'closed'))"""),
    ('field_service_request', 'check_sla_state', """CHECK ("sla_state" IN ('ok', 'warning', 'breached'))"""),
    ('field_service_routing_rule', 'check_method',
     """CHECK ("method" IN ('manual', 'round_robin', 'least_loaded'))"""),
    ('field_service_maintenance_plan', 'check_interval',
     'CHECK (("interval_days" > 0 AND "interval_months" IS NULL) '
     'OR ("interval_months" > 0 AND "interval_days" IS NULL))'),
    ('field_service_maintenance_plan', 'check_lead_days', 'CHECK ("lead_days" >= 0)'),
    ('field_service_maintenance_plan', 'check_target',
     'CHECK ("equipment" IS NOT NULL OR "contract" IS NOT NULL)'),
    ('field_service_plan_kit_line', 'check_quantity', 'CHECK ("quantity" > 0)'),
    ('field_service_work_order', 'unique_plan_due', 'UNIQUE ("plan", "plan_due")'),
    ('field_service_work_order', 'check_kind', WO_KIND),
    ('field_service_work_order', 'check_priority', PRIORITY),
    ('field_service_work_order', 'check_state',
     """CHECK ("state" IN ('new', 'scheduled', 'in_progress', 'on_hold', 'done', 'closed', 'cancelled'))"""),
    ('field_service_work_order', 'check_billing_state',
     """CHECK ("billing_state" IN ('to_bill', 'billed', 'not_billable'))"""),
    ('field_service_work_order', 'check_not_billable_reason',
     """CHECK ("billing_state" <> 'not_billable' OR "not_billable_reason" <> '')"""),
    ('field_service_work_order', 'check_billed', """CHECK ("billing_state" <> 'billed' OR "invoice" IS NOT NULL)"""),
    ('field_service_work_order', 'check_schedule',
     'CHECK ("scheduled_start" IS NULL OR "scheduled_end" IS NULL OR "scheduled_end" > "scheduled_start")'),
    ('field_service_assignment', 'unique_work_order_user', 'UNIQUE ("work_order", "user")'),
    ('field_service_assignment', 'check_planned',
     'CHECK ("planned_start" IS NULL OR "planned_end" IS NULL OR "planned_end" > "planned_start")'),
    ('field_service_assignment', 'check_actual',
     'CHECK ("actual_start" IS NULL OR "actual_end" IS NULL OR "actual_end" >= "actual_start")'),
    ('field_service_check_line', 'check_kind', CHECK_KIND),
    ('field_service_part_line', 'check_quantities',
     'CHECK ("planned" >= 0 AND "used" >= 0 AND "reserved" >= 0)'),
    ('field_service_part_line', 'check_coverage', COVERAGE),
    ('field_service_part_line', 'check_covered_percent', PERCENT),
    ('field_service_time_entry', 'check_kind', """CHECK ("kind" IN ('work', 'travel'))"""),
    ('field_service_time_entry', 'check_minutes', 'CHECK ("minutes" > 0)'),
    ('field_service_time_entry', 'check_coverage', COVERAGE),
    ('field_service_time_entry', 'check_covered_percent', PERCENT),
    ('field_service_leak', 'unique_kind_ref', 'UNIQUE ("kind", "ref")'),
    ('field_service_leak', 'check_kind',
     """CHECK ("kind" IN ('unbilled_work', 'unbilled_parts', 'labour_gap', 'expired_cover'))"""),
)


async def forwards():
    from core.db.constraints import add_constraint, drop_constraint

    manager = MigrationManager(migration_id=ID, app_name="field_service", description=DESCRIPTION)
    for table, name, clause in CONSTRAINTS:
        manager.add_raw(functools.partial(add_constraint, table, name, clause))
        manager.add_raw_backwards(functools.partial(drop_constraint, table, name))
    return manager
