"""The installed base: the customers' machines (serial numbers from the warehouse demo's
deliveries where the machine was sold there, older machines with their own), service
contracts and preventive maintenance plans.

Refs (module "field_service"): `equipment.<key>`, `contract.<key>`, `plan.<key>`.
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
from collections import defaultdict
from decimal import Decimal as D

from core.db.data import ref
from core.partners.models import Partner
from core.products.models import Product
from modules.field_service.demo.clock import MODULE, day, once, today
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.plan import MaintenancePlan
from modules.field_service.services import contract as contracts
from modules.field_service.services import equipment as machines
from modules.field_service.services import plan as plans
from modules.warehouse.models.move import Move
from modules.warehouse.services import location as locations

SOLD = -1  # install date: the day the warehouse demo delivered it

# (key, customer, name, start (days from today), parts %, labour %, travel, visits, yearly price, activate)
CONTRACTS = (
    ("zwaan", "cafe_de_zwaan", "Service Plus", -200, 100, 50, True, 1, "495.00", True),
    ("jheronimus", "stadshotel_jheronimus", "All-in hotel contract", -300, 100, 100, True, 2, "1450.00", True),
    ("hospital", "ziekenhuis_de_dommel", "Hospital care 24/7", -120, 100, 100, True, 2, "6200.00", True),
    ("brainport", "brainport_faculty", "Maintenance, parts at half price", -60, 50, 0, False, 1, "380.00", True),
    ("koffieenco_old", "koffie_en_co", "Service Plus (not renewed)", -500, 100, 50, True, 1, "495.00", True),
    ("sonsbeek_offer", "hotel_sonsbeek_park", "All-in proposal", 14, 100, 100, True, 2, "1650.00", False),
)

# (key, customer, product code, site, install (days ago, or SOLD), contract key, condition, notes)
MACHINES = (
    ("zwaan_esp", "cafe_de_zwaan", "ESP-2G", "Bar", 2600, "zwaan", "attention",
     "Boiler shows scale; to be replaced by the new Classica delivered this week."),
    ("zwaan_grd", "cafe_de_zwaan", "GRD-E65", "Bar", 1700, "zwaan", "good", ""),
    ("jheronimus_btc1", "stadshotel_jheronimus", "BTC-20", "Breakfast buffet, left", SOLD, "jheronimus", "good", ""),
    ("jheronimus_btc2", "stadshotel_jheronimus", "BTC-20", "Breakfast buffet, right", SOLD, "jheronimus", "good", ""),
    ("jheronimus_esp", "stadshotel_jheronimus", "ESP-3G", "Hotel bar", 1900, "jheronimus", "good", ""),
    ("dommel_w3", "ziekenhuis_de_dommel", "BTC-10", "Ward 3", SOLD, "hospital", "good", ""),
    ("dommel_w4", "ziekenhuis_de_dommel", "BTC-10", "Ward 4", SOLD, "hospital", "good", ""),
    ("dommel_w7", "ziekenhuis_de_dommel", "BTC-10", "Ward 7", SOLD, "hospital", "good", ""),
    ("dommel_restaurant", "ziekenhuis_de_dommel", "BTC-60", "Staff restaurant", 1350, "hospital", "good", ""),
    ("dommel_cafe", "ziekenhuis_de_dommel", "BTC-20", "Visitors' café", 1000, "hospital", "attention",
     "Milk pump noisy; replacement planned with the half-yearly service."),
    ("kade17_grd1", "espressobar_kade17", "GRD-E65", "Bar, espresso", SOLD, "", "good", ""),
    ("kade17_grd2", "espressobar_kade17", "GRD-E65", "Bar, filter", SOLD, "", "good", ""),
    ("kade17_esp", "espressobar_kade17", "ESP-2G-MB", "Bar", 900, "", "good", ""),
    ("oudegracht_esp", "koffiebar_oudegracht", "ESP-2G-MB", "Bar", SOLD, "", "good", ""),
    ("logistics_btc", "brabant_logistics", "BTC-60", "Canteen", SOLD, "", "good", ""),
    ("sonsbeek_btc", "hotel_sonsbeek_park", "BTC-20", "Meeting room Zuid", SOLD, "", "good", ""),
    ("stratum_grd", "restaurant_stratum", "GRD-K30", "Kitchen pass", SOLD, "", "good", ""),
    ("stratum_esp", "restaurant_stratum", "ESP-2G-MB", "Kitchen pass", 540, "", "good", ""),
    ("kasteelplein_esp", "grand_cafe_kasteelplein", "ESP-3G", "Bar", SOLD, "", "good", ""),
    ("delft_btc1", "delft_biotech_campus", "BTC-10", "Building B, ground floor", SOLD, "", "good", ""),
    ("delft_btc2", "delft_biotech_campus", "BTC-10", "Building B, second floor", SOLD, "", "good", ""),
    ("duinzicht_esp", "strandhotel_duinzicht", "ESP-2G", "Beach bar", SOLD, "", "good", ""),
    ("waalkade_esp", "waalkade_advocaten", "ESP-1G", "Client lounge", SOLD, "", "good", ""),
    ("bakhuys_esp", "lunchroom_bakhuys", "ESP-1G", "Counter", 1300, "", "attention", "Pump noisy at start-up."),
    ("brainport_btc1", "brainport_faculty", "BTC-20", "Floor 1, coffee corner", 1500, "brainport", "good", ""),
    ("brainport_btc2", "brainport_faculty", "BTC-20", "Floor 3, coffee corner", 1500, "brainport", "good", ""),
    ("lieshout_btc", "autobedrijf_van_lieshout", "BTC-10", "Showroom", 430, "", "good", ""),
    ("koffieenco_esp", "koffie_en_co", "ESP-2G", "Bar", 1800, "", "critical",
     "Heat exchanger leaking; quote for a replacement machine sent."),
)

# (key, name, equipment key, contract key, job type, months, lead days, preferred, next due (working days), kit)
PLANS = (
    ("zwaan_yearly", "Yearly service Café De Zwaan", "zwaan_esp", "", "espresso_yearly", 12, 14, "tech_jan", 8,
     (("SP-GHG-85", 2), ("SP-SHS-58", 2), ("CON-DESC", 1))),
    ("hospital_half", "Half-yearly service of the hospital's machines", "", "hospital", "btc_yearly", 6, 10,
     "tech_jan", 5, (("SP-MLK-PMP", 1), ("CON-MILK", 2))),
    ("jheronimus_bar", "Half-yearly service hotel bar", "jheronimus_esp", "jheronimus", "espresso_yearly", 6, 14,
     "tech_jan", 25, (("SP-GHG-85", 3), ("SP-SHS-58", 3))),
    ("brainport_yearly", "Yearly service Brainport coffee corners", "", "brainport", "btc_yearly", 12, 14,
     "tech_jan", -3, (("WT-CART-M", 2),)),
    ("stratum_yearly", "Yearly service Restaurant Stratum", "stratum_esp", "", "espresso_yearly", 12, 21, "tech_sem",
     60, (("SP-GHG-85", 2), ("SP-SHS-58", 2))),
)


def months_later(start: dt.date, months: int) -> dt.date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(start.day, cal.monthrange(year, month)[1]))


async def load_contracts() -> None:
    for key, customer, name, start, parts, labour, travel, visits, price, activate in CONTRACTS:
        async def make(customer: str = customer, name: str = name, start: int = start, parts: int = parts,
                       labour: int = labour, travel: bool = travel, visits: int = visits, price: str = price,
                       activate: bool = activate) -> int:
            first = today() + dt.timedelta(days=start)
            row = await contracts.create({
                "partner": await ref("core", f"partner.{customer}"), "name": name, "start_date": first,
                "end_date": months_later(first, 12) - dt.timedelta(days=1), "parts_coverage": D(parts),
                "labour_coverage": D(labour), "travel_covered": travel, "visits_per_year": visits,
                "yearly_price": D(price)})
            if activate:  # one whose end has passed becomes expired
                row = await contracts.change_state(row["id"], "active", version=row["version"])
            return int(row["id"])

        await once(f"contract.{key}", Contract, make)


async def sold_serials() -> dict[tuple[int, int], list[tuple[int, str, dt.date]]]:
    """(customer, product) -> [(lot id, serial, delivery day)] of machines the warehouse delivered."""
    customers = await locations.virtual("customer")
    found: dict[tuple[int, int], list[tuple[int, str, dt.date]]] = defaultdict(list)
    for m in await Move.select(Move.lot, Move.lot.name.as_alias("serial"), Move.product, Move.done_at,
                               Move.transfer.partner.as_alias("partner")).where(
            (Move.destination == customers) & (Move.state == "done") & Move.lot.is_not_null()
            & Move.transfer.partner.is_not_null()).order_by(Move.done_at).order_by(Move.id).run():
        found[(m["partner"], m["product"])].append((m["lot"], m["serial"], m["done_at"].date()))
    return found


async def load_equipment() -> None:
    sold = await sold_serials()
    taken: set[int] = set()
    for n, (key, customer, code, site, installed, contract, condition, notes) in enumerate(MACHINES):
        async def make(n: int = n, customer: str = customer, code: str = code, site: str = site,
                       installed: int = installed, contract: str = contract, condition: str = condition,
                       notes: str = notes) -> int:
            partner = await ref("core", f"partner.{customer}")
            product = await Product.select().where(Product.code == code).first().run()
            assert product is not None
            lot, on = None, today() - dt.timedelta(days=max(installed, 30))
            serial = f"{code.replace('-', '')}-{on:%y%m}-{7001 + n:04d}"
            if installed == SOLD:
                free = [s for s in sold.get((partner, product["id"]), []) if s[0] not in taken]
                if free:
                    lot, serial, on = free[0]
                    taken.add(lot)
                on = on or today()
            address = await Partner.select(Partner.street, Partner.postcode, Partner.city).where(
                Partner.id == partner).first().run()
            assert address is not None
            months = int(product["warranty_months"] or 12)
            row = await machines.create({
                "product": product["id"], "serial": serial, "lot": lot, "partner": partner, "site_name": site,
                **address, "install_date": on,
                "parts_warranty_end": months_later(on, months) - dt.timedelta(days=1),
                "labour_warranty_end": months_later(on, min(months, 12)) - dt.timedelta(days=1),
                "contract": await ref(MODULE, f"contract.{contract}") if contract else None,
                "condition": condition, "condition_checked": day(-12) if condition != "good" else None,
                "notes": notes})
            return int(row["id"])

        await once(f"equipment.{key}", Equipment, make)
        if installed == SOLD:  # remember which serials earlier machines took, on a second load too
            row = await Equipment.select(Equipment.lot).where(
                Equipment.id == await ref(MODULE, f"equipment.{key}")).first().run()
            if row and row["lot"]:
                taken.add(row["lot"])


async def load_plans() -> None:
    for key, name, machine, contract, job_type, months, lead, preferred, due, kit in PLANS:
        async def make(name: str = name, machine: str = machine, contract: str = contract, job_type: str = job_type,
                       months: int = months, lead: int = lead, preferred: str = preferred, due: int = due,
                       kit: tuple[tuple[str, int], ...] = kit) -> int:
            row = await plans.create({
                "name": name, "equipment": await ref(MODULE, f"equipment.{machine}") if machine else None,
                "contract": await ref(MODULE, f"contract.{contract}") if contract else None,
                "job_type": await ref(MODULE, f"job_type.{job_type}"), "interval_months": months,
                "lead_days": lead, "preferred": await ref("core", f"user.{preferred}"), "next_due": day(due),
                "active": True})
            for code, qty in kit:
                product = await Product.select(Product.id).where(Product.code == code).first().run()
                assert product is not None
                await plans.add_kit_line(row["id"], product["id"], D(qty))
            return int(row["id"])

        await once(f"plan.{key}", MaintenancePlan, make)
