"""What Koffiepunt pays its suppliers (core's demo partners), with price breaks.

Spare parts come next-day from the wholesaler (Horeca Onderdelen Centrale), or
cheaper in bulk but slower from the machine makers; water treatment from AquaPura.
Refs: `supplier_price.<product code>.<supplier>.<min qty>` (codes as in core's refs).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from core.db.data import ensure, ref
from modules.warehouse.demo.timeline import today
from modules.warehouse.models.purchase import SupplierPrice

# Price breaks: (minimum quantity, share of the one-off price).
Breaks = tuple[tuple[int, str], ...]
SMALL: Breaks = ((1, "1"), (10, "0.90"), (50, "0.80"))  # gaskets, screens, tips: bought by the bag
MEDIUM: Breaks = ((1, "1"), (5, "0.94"), (20, "0.88"))  # valves, sensors, pumps
LARGE: Breaks = ((1, "1"), (3, "0.95"), (10, "0.90"))  # heating elements, brewing units
BOXES: Breaks = ((1, "1"), (6, "0.92"), (24, "0.85"))  # filter cartridges come six to a box
MACHINE: Breaks = ((1, "1"), (3, "0.96"))

# (product code, supplier key (core ref `partner.<key>`), supplier's code, one-off price, lead days, breaks)
# fmt: off
PRICES: tuple[tuple[str, str, str, str, int, Breaks], ...] = (
    # The wholesaler: next-day delivery, every common part.
    ("SP-GHG-85", "horeca_onderdelen", "HOC-40185", "1.95", 1, SMALL),
    ("SP-SHS-58", "horeca_onderdelen", "HOC-40258", "3.40", 1, SMALL),
    ("SP-DSP-58", "horeca_onderdelen", "HOC-40259", "5.30", 1, SMALL),
    ("SP-SWT-4", "horeca_onderdelen", "HOC-41104", "6.60", 1, SMALL),
    ("SP-BSK-18", "horeca_onderdelen", "HOC-40318", "4.30", 1, SMALL),
    ("SP-ORK", "horeca_onderdelen", "HOC-49001", "8.40", 1, SMALL),
    ("SP-PF-2", "horeca_onderdelen", "HOC-40502", "39.50", 1, MEDIUM),
    ("SP-PMP-VIB", "horeca_onderdelen", "HOC-62048", "21.90", 1, MEDIUM),
    ("SP-PMP-ROT", "horeca_onderdelen", "HOC-62200", "138.00", 2, LARGE),
    ("SP-SOL-3W", "horeca_onderdelen", "HOC-55303", "35.50", 1, MEDIUM),
    ("SP-SOL-2W", "horeca_onderdelen", "HOC-55202", "28.70", 1, MEDIUM),
    ("SP-HTR-3K", "horeca_onderdelen", "HOC-71300", "85.00", 2, LARGE),
    ("SP-HTR-5K", "horeca_onderdelen", "HOC-71500", "112.00", 2, LARGE),
    ("SP-FLM", "horeca_onderdelen", "HOC-58010", "30.20", 1, MEDIUM),
    ("SP-PST", "horeca_onderdelen", "HOC-58120", "45.90", 1, MEDIUM),
    ("SP-GAU", "horeca_onderdelen", "HOC-58200", "15.60", 1, MEDIUM),
    ("SP-NTC", "horeca_onderdelen", "HOC-58330", "13.10", 1, MEDIUM),
    ("SP-BRR-64", "horeca_onderdelen", "HOC-80640", "62.00", 2, MEDIUM),
    # The makers: original parts, cheaper in quantity, slower.
    ("SP-GHG-85", "macchine_lombarde", "ML-GU-085", "1.70", 14, ((50, "1"), (200, "0.88"))),
    ("SP-PMP-ROT", "macchine_lombarde", "ML-PO-200", "128.00", 14, LARGE),
    ("SP-PF-2", "macchine_lombarde", "ML-PF-2B", "36.00", 14, MEDIUM),
    ("SP-BRU-V", "suter_kaffeetechnik", "SKT-19.204.711", "215.00", 7, LARGE),
    ("SP-BRR-CON", "suter_kaffeetechnik", "SKT-19.118.530", "71.00", 7, LARGE),
    ("SP-MLK-PMP", "suter_kaffeetechnik", "SKT-19.305.122", "61.00", 7, MEDIUM),
    ("SP-BRR-64", "macinatura_precisa", "MP-M64-STD", "56.00", 10, MEDIUM),
    # Water treatment.
    ("WT-CART-L", "aquapura", "AP-SC-5000", "72.00", 2, BOXES),
    ("WT-HEAD", "aquapura", "AP-FH-BP", "31.00", 2, MEDIUM),
    ("WT-RO-150", "aquapura", "AP-RO-150", "980.00", 5, MACHINE),
    # Machines, ordered for a customer or a few at a time.
    ("ESP-1G", "macchine_lombarde", "ML-COMPATTA-1", "2450.00", 21, MACHINE),
    ("ESP-2G", "macchine_lombarde", "ML-CLASSICA-2", "5900.00", 21, MACHINE),
    ("ESP-3G", "macchine_lombarde", "ML-CLASSICA-3", "7800.00", 21, MACHINE),
    ("ESP-2G-MB", "macchine_lombarde", "ML-SENSA-2", "9200.00", 28, ((1, "1"),)),
    ("BTC-10", "suter_kaffeetechnik", "SKT-OFFICE-10", "1480.00", 10, MACHINE),
    ("BTC-20", "suter_kaffeetechnik", "SKT-VISTA-20", "4200.00", 10, MACHINE),
    ("BTC-60", "suter_kaffeetechnik", "SKT-VISTA-60", "8500.00", 14, ((1, "1"),)),
    ("GRD-E65", "macinatura_precisa", "MP-E65", "1150.00", 10, MACHINE),
    ("GRD-K30", "macinatura_precisa", "MP-K30", "1900.00", 10, MACHINE),
)
# fmt: on

# AquaPura raised the M cartridge's price two months ago: the old tiers ended then.
CARTRIDGE_M_OLD, CARTRIDGE_M_NEW = "44.00", "46.00"
PRICE_CHANGE_DAYS_AGO = 60


def product_key(code: str) -> str:
    return "product." + code.lower().replace("-", "_")


async def load_supplier_prices() -> None:
    year_start = dt.date(today().year, 1, 1)
    changed = today() - dt.timedelta(days=PRICE_CHANGE_DAYS_AGO)
    rows: list[tuple[str, str, str, str, int, Breaks, dt.date, dt.date | None]]
    rows = [(code, supplier, sup_code, price, lead, breaks, year_start, None)
            for code, supplier, sup_code, price, lead, breaks in PRICES]
    rows += [("WT-CART-M", "aquapura", "AP-SC-2500", CARTRIDGE_M_OLD, 2, BOXES, year_start,
              changed - dt.timedelta(days=1)),
             ("WT-CART-M", "aquapura", "AP-SC-2500", CARTRIDGE_M_NEW, 2, BOXES, changed, None)]
    for code, supplier, sup_code, price, lead, breaks, valid_from, valid_to in rows:
        product, partner = await ref("core", product_key(code)), await ref("core", f"partner.{supplier}")
        for min_qty, share in breaks:
            key = f"supplier_price.{code.lower()}.{supplier}.{min_qty}" + (".old" if valid_to else "")
            await ensure("warehouse", key, SupplierPrice, {
                "product": product, "supplier": partner, "supplier_code": sup_code, "min_qty": D(min_qty),
                "price": (D(price) * D(share)).quantize(D("0.01")), "lead_days": lead,
                "valid_from": valid_from, "valid_to": valid_to})


def price_for(code: str, supplier: str, qty: int | D, *, before_price_change: bool = False) -> D:
    """The unit price `supplier` charges for `qty` of `code`: the best tier reached."""
    breaks: Breaks
    if code == "WT-CART-M":
        price, breaks = (CARTRIDGE_M_OLD if before_price_change else CARTRIDGE_M_NEW), BOXES
    else:
        price, breaks = next((p[3], p[5]) for p in PRICES if (p[0], p[1]) == (code, supplier))
    share = max((b for b in breaks if b[0] <= qty), default=breaks[0])[1]
    return (D(price) * D(share)).quantize(D("0.01"))
