"""Reordering rules: the main warehouse's shelves are bought up to max, the vans
are refilled from those shelves every week.

Refs: `reorder_rule.<location key>.<product code>` (e.g. `reorder_rule.db_shelf_a.sp-ghg-85`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from core.db.data import ensure, ref
from modules.warehouse.demo.supplier_price import product_key
from modules.warehouse.demo.timeline import today
from modules.warehouse.demo.warehouse import VANS
from modules.warehouse.models.reorder_rule import ReorderRule

# (product code, shelf key, min, max, multiple, supplier key, lead days)
# fmt: off
SHELF_RULES: tuple[tuple[str, str, int, int, int, str, int], ...] = (
    ("SP-GHG-85", "db_shelf_a", 30, 100, 10, "horeca_onderdelen", 1),
    ("SP-SHS-58", "db_shelf_a", 15, 40, 5, "horeca_onderdelen", 1),
    ("SP-DSP-58", "db_shelf_a", 5, 15, 5, "horeca_onderdelen", 1),
    ("SP-SWT-4", "db_shelf_a", 10, 30, 5, "horeca_onderdelen", 1),
    ("SP-BSK-18", "db_shelf_a", 10, 30, 5, "horeca_onderdelen", 1),
    ("SP-ORK", "db_shelf_a", 10, 25, 5, "horeca_onderdelen", 1),
    ("SP-PMP-VIB", "db_shelf_a", 4, 10, 1, "horeca_onderdelen", 1),
    ("SP-PMP-ROT", "db_shelf_a", 2, 4, 1, "horeca_onderdelen", 2),
    ("SP-SOL-3W", "db_shelf_a", 4, 10, 1, "horeca_onderdelen", 1),
    ("SP-SOL-2W", "db_shelf_a", 2, 6, 1, "horeca_onderdelen", 1),
    ("SP-HTR-3K", "db_shelf_a", 2, 4, 1, "horeca_onderdelen", 2),
    ("SP-HTR-5K", "db_shelf_a", 1, 3, 1, "horeca_onderdelen", 2),
    ("SP-FLM", "db_shelf_a", 4, 10, 1, "horeca_onderdelen", 1),
    ("SP-PST", "db_shelf_a", 2, 5, 1, "horeca_onderdelen", 1),
    ("SP-NTC", "db_shelf_a", 5, 15, 5, "horeca_onderdelen", 1),
    ("SP-BRR-64", "db_shelf_a", 2, 6, 2, "macinatura_precisa", 10),
    ("SP-BRU-V", "db_shelf_a", 1, 3, 1, "suter_kaffeetechnik", 7),
    ("SP-MLK-PMP", "db_shelf_a", 2, 5, 1, "suter_kaffeetechnik", 7),
    ("WT-CART-M", "db_shelf_b", 12, 36, 6, "aquapura", 2),
    ("WT-CART-L", "db_shelf_b", 6, 18, 6, "aquapura", 2),
    ("WT-HEAD", "db_shelf_b", 3, 8, 1, "aquapura", 2),
)

# What every van carries: (product code, min, max, shelf it is refilled from).
VAN_KIT: tuple[tuple[str, int, int, str], ...] = (
    ("SP-GHG-85", 6, 12, "db_shelf_a"),
    ("SP-SHS-58", 3, 6, "db_shelf_a"),
    ("SP-SWT-4", 2, 4, "db_shelf_a"),
    ("SP-BSK-18", 2, 4, "db_shelf_a"),
    ("SP-ORK", 2, 4, "db_shelf_a"),
    ("SP-SOL-3W", 1, 2, "db_shelf_a"),
    ("SP-PMP-VIB", 1, 2, "db_shelf_a"),
    ("SP-NTC", 1, 2, "db_shelf_a"),
    ("SP-FLM", 1, 2, "db_shelf_a"),
    ("WT-CART-M", 2, 4, "db_shelf_b"),
)
# fmt: on

# The pressure switch is being replaced by a new model: its rule waits two weeks.
SNOOZED = {"SP-PST": 14}


async def load_reorder_rules() -> None:
    for code, shelf, low, high, multiple, supplier, lead in SHELF_RULES:
        snooze = today() + dt.timedelta(days=SNOOZED[code]) if code in SNOOZED else None
        await ensure("warehouse", f"reorder_rule.{shelf}.{code.lower()}", ReorderRule, {
            "product": await ref("core", product_key(code)), "location": await ref("warehouse", f"location.{shelf}"),
            "min_qty": D(low), "max_qty": D(high), "multiple": D(multiple),
            "supplier": await ref("core", f"partner.{supplier}"), "lead_days": lead, "snooze_until": snooze})
    for user_key, _name in VANS:
        van = await ref("warehouse", f"location.van_{user_key}")
        for code, low, high, shelf in VAN_KIT:
            await ensure("warehouse", f"reorder_rule.van_{user_key}.{code.lower()}", ReorderRule, {
                "product": await ref("core", product_key(code)), "location": van,
                "min_qty": D(low), "max_qty": D(high), "multiple": D(1),
                "refill_from": await ref("warehouse", f"location.{shelf}")})
