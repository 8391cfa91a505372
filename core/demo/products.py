"""What Koffiepunt sells: machines, spare parts, water treatment, consumables and services."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal as D

from core.db.data import ensure, ref
from core.products.models import Product, ProductCategory

# fmt: off
# (key, name, parent key); ref `category.<key>`. Parents come before their children.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("machines", "Machines", ""),
    ("espresso", "Espresso machines", "machines"),
    ("bean_to_cup", "Bean-to-cup machines", "machines"),
    ("grinders", "Grinders", "machines"),
    ("spare_parts", "Spare parts", ""),
    ("water_treatment", "Water treatment", ""),
    ("consumables", "Consumables", ""),
    ("services", "Services", ""),
)


@dataclass(frozen=True)
class Item:
    code: str  # ref `product.<code in lower case, dashes as underscores>`
    name: str
    category: str
    sale_price: D
    cost: D
    kind: str = "stockable"
    unit: str = "unit"
    tracking: str = "none"
    warranty_months: int = 0
    description: str = ""

    @property
    def key(self) -> str:
        return "product." + self.code.lower().replace("-", "_")


def _machine(code: str, name: str, category: str, price: str, cost: str, warranty: int,
             description: str) -> Item:
    return Item(code, name, category, D(price), D(cost), tracking="serial",
                warranty_months=warranty, description=description)


def _part(code: str, name: str, price: str, cost: str) -> Item:
    return Item(code, name, "spare_parts", D(price), D(cost))


MACHINES: tuple[Item, ...] = (
    _machine("ESP-1G", "Lombarda Compatta 1-group espresso machine", "espresso", "3950.00", "2450.00", 12,
             "Compact heat-exchanger machine, 5 l boiler, for lunchrooms and small cafés."),
    _machine("ESP-2G", "Lombarda Classica 2-group espresso machine", "espresso", "8950.00", "5900.00", 24,
             "Heat-exchanger machine, 11 l boiler, volumetric dosing; the café workhorse."),
    _machine("ESP-3G", "Lombarda Classica 3-group espresso machine", "espresso", "11750.00", "7800.00", 24,
             "Heat-exchanger machine, 17 l boiler, two steam wands, for busy bars and hotels."),
    _machine("ESP-2G-MB", "Lombarda Sensa 2-group multi-boiler espresso machine", "espresso",
             "13900.00", "9200.00", 24,
             "Separate boiler per group with PID temperature control, for specialty coffee."),
    _machine("BTC-10", "Suter Office 10 bean-to-cup machine", "bean_to_cup", "2350.00", "1480.00", 12,
             "Plumbed-in office machine for up to 80 cups a day, powder milk."),
    _machine("BTC-20", "Suter Vista 20 bean-to-cup machine", "bean_to_cup", "6450.00", "4200.00", 24,
             "One grinder, fresh-milk system, up to 150 cups a day; breakfast buffets and canteens."),
    _machine("BTC-60", "Suter Vista 60 bean-to-cup machine", "bean_to_cup", "12800.00", "8500.00", 24,
             "Two grinders, fresh-milk system with cooler, up to 300 cups a day."),
    _machine("GRD-E65", "Precisa E65 on-demand grinder", "grinders", "1850.00", "1150.00", 12,
             "64 mm flat burrs, grind-by-weight display."),
    _machine("GRD-K30", "Precisa K30 twin-hopper grinder", "grinders", "2990.00", "1900.00", 12,
             "Two 64 mm burr sets, for a house blend and a decaf or single origin."),
)

SPARE_PARTS: tuple[Item, ...] = (
    _part("SP-GHG-85", "Group head gasket 8.5 mm", "6.50", "1.80"),
    _part("SP-SHS-58", "Shower screen 58 mm", "9.95", "3.20"),
    _part("SP-DSP-58", "Dispersion plate 58 mm", "14.50", "5.10"),
    _part("SP-SWT-4", "Steam wand tip, 4 holes", "18.50", "6.40"),
    _part("SP-PF-2", "Portafilter with double spout", "89.00", "38.00"),
    _part("SP-BSK-18", "Filter basket 18 g", "12.50", "4.10"),
    _part("SP-ORK", "O-ring and seal kit, group and valves", "24.50", "8.00"),
    _part("SP-PMP-ROT", "Rotary vane pump 200 l/h", "245.00", "132.00"),
    _part("SP-PMP-VIB", "Vibration pump 48 W", "49.00", "21.00"),
    _part("SP-SOL-3W", "Three-way solenoid valve 230 V", "78.00", "34.00"),
    _part("SP-SOL-2W", "Two-way solenoid valve 230 V (boiler fill)", "64.00", "27.50"),
    _part("SP-HTR-3K", "Heating element 3000 W, 230 V", "168.00", "82.00"),
    _part("SP-HTR-5K", "Heating element 5000 W, 400 V", "219.00", "108.00"),
    _part("SP-FLM", "Volumetric flow meter", "72.00", "29.00"),
    _part("SP-PST", "Pressure switch (pressostat)", "96.00", "44.00"),
    _part("SP-GAU", "Boiler and pump pressure gauge", "38.00", "15.00"),
    _part("SP-NTC", "NTC temperature sensor", "34.00", "12.50"),
    _part("SP-BRR-64", "Flat burr set 64 mm", "119.00", "58.00"),
    _part("SP-BRR-CON", "Conical burr set for Suter Vista", "149.00", "71.00"),
    _part("SP-BRU-V", "Brewing unit for Suter Vista", "395.00", "215.00"),
    _part("SP-MLK-PMP", "Peristaltic milk pump", "129.00", "61.00"),
)

WATER_TREATMENT: tuple[Item, ...] = (
    Item("WT-CART-M", "Water filter cartridge M (2,500 l)", "water_treatment", D("89.00"), D("46.00"),
         tracking="lot", description="Softening cartridge for one espresso or bean-to-cup machine."),
    Item("WT-CART-L", "Water filter cartridge L (5,000 l)", "water_treatment", D("139.00"), D("72.00"),
         tracking="lot", description="Softening cartridge for busy bars or hard-water areas."),
    Item("WT-HEAD", "Filter head with bypass valve", "water_treatment", D("69.00"), D("31.00")),
    Item("WT-RO-150", "Reverse osmosis unit 150 l/h", "water_treatment", D("1650.00"), D("980.00"),
         tracking="serial", warranty_months=12,
         description="For specialty bars that remineralise their own water."),
)

CONSUMABLES: tuple[Item, ...] = tuple(
    Item(code, name, "consumables", D(price), D(cost), kind="consumable", unit=unit)
    for code, name, unit, price, cost in (
        ("CON-DESC", "Descaler, 1 l bottle", "unit", "14.95", "5.80"),
        ("CON-TAB-100", "Cleaning tablets, box of 100", "box", "24.95", "9.50"),
        ("CON-MILK", "Milk-system cleaner, 1 l bottle", "unit", "17.50", "6.90"),
        ("CON-BRUSH", "Group head cleaning brush", "unit", "7.50", "2.40"),
        ("CON-BLIND", "Blind filter for backflushing", "unit", "4.95", "1.20"),
        ("CON-TEST", "Water hardness test strips, box of 50", "box", "19.50", "7.00"),
    )
)

SERVICES: tuple[Item, ...] = tuple(
    Item(code, name, "services", D(price), D(cost), kind="service", unit=unit, description=text)
    for code, name, unit, price, cost, text in (
        ("SRV-LAB", "Technician labour", "hour", "89.50", "42.00", "Per hour on site, billed per quarter hour."),
        ("SRV-EVE", "Evening and weekend surcharge", "hour", "45.00", "21.00", "On top of labour outside 8:00–18:00 on weekdays."),
        ("SRV-CALL", "Call-out fee", "unit", "65.00", "20.00", "Travel to the customer's site, once per visit."),
        ("SRV-PM", "Preventive maintenance visit", "unit", "195.00", "90.00", "Yearly service: gaskets, screens, descaling, calibration."),
        ("SRV-INST", "Installation and commissioning", "unit", "395.00", "180.00", "Placing, connecting water and power, setting the grind and doses."),
        ("SRV-TRAIN", "Barista training, half day", "unit", "450.00", "150.00", "Up to four people, at our training bar or on site."),
    )
)

PRODUCTS: tuple[Item, ...] = MACHINES + SPARE_PARTS + WATER_TREATMENT + CONSUMABLES + SERVICES
# fmt: on


async def load_products() -> None:
    for key, name, parent in CATEGORIES:
        await ensure(
            "core",
            f"category.{key}",
            ProductCategory,
            {
                "name": name,
                "parent": await ref("core", f"category.{parent}") if parent else None,
            },
        )
    for p in PRODUCTS:  # Item's fields are Product's columns
        category = await ref("core", f"category.{p.category}")
        await ensure("core", p.key, Product, asdict(p) | {"category": category})
