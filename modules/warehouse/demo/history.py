"""Three months of Koffiepunt's stock, played forward day by day through the services.

The story: the period opens with deliveries of machines and parts; the wholesaler
replenishes the spare-parts shelf every eight working days as the reordering rules
ask, AquaPura the filter cartridges every sixteen; on Mondays Pieter refills what fell
below the van rules' minimum; technicians use parts on their work orders; machines
are sold and delivered; the Utrecht branch sells parts over the counter; two days
ago the hospital's fourteen machines had their yearly overhaul. Where it ends: a few
parts below their minimum; the Vista brewing unit and the 5 kW heating element out
of stock (the wholesaler's last delivery came short, the rest is on a backorder);
today's work prepared: a reserved van refill, parts reserved for a work order, a
machine reserved for tomorrow's installation.

Every event is remembered under a key (`history.<date>.<time>.<what>`), so loading
twice plays nothing twice. Randomness comes from a fixed seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from piccolo.table import Table

from core.db.context import acting_as
from modules.warehouse.demo import stock as use
from modules.warehouse.demo import transfer as make
from modules.warehouse.demo.refs import World, world
from modules.warehouse.demo.supplier_price import PRICE_CHANGE_DAYS_AGO, price_for
from modules.warehouse.demo.timeline import at, backdated, done_before, remember, today
from modules.warehouse.demo.transfer import Incoming, Sale
from modules.warehouse.demo.warehouse import VANS
from modules.warehouse.models.move import Move
from modules.warehouse.models.transfer import Transfer

DAYS = 91  # calendar days of history before today
SEED = 2026
STAFF = "warehouse_pieter"

# Serial number prefix per machine: maker's model code, then year+month and a running number.
SERIAL_PREFIX = {"ESP-1G": "LC1", "ESP-2G": "LC2", "ESP-3G": "LC3", "ESP-2G-MB": "LS2", "BTC-10": "SO10",
                 "BTC-20": "SV20", "BTC-60": "SV60", "GRD-E65": "PE65", "GRD-K30": "PK30", "WT-RO-150": "APRO"}

Items = tuple[tuple[str, int], ...]  # (product code, quantity)

# Machines sold: (working day of the period, customer, items, note).
SALES: tuple[tuple[int, str, Items, str], ...] = (
    (5, "stadshotel_jheronimus", (("BTC-20", 2),), "Breakfast buffet: replaces two Office 10s."),
    (8, "ziekenhuis_de_dommel", (("BTC-10", 3),), "Wards 3, 4 and 7."),
    (12, "espressobar_kade17", (("GRD-E65", 2),), ""),
    (18, "koffiebar_oudegracht", (("ESP-2G-MB", 1),), "Installed with the RO unit's remineralisation set."),
    (24, "brabant_logistics", (("BTC-60", 1),), "Canteen, night shift."),
    (30, "hotel_sonsbeek_park", (("BTC-20", 1),), "Meeting room Zuid."),
    (36, "restaurant_stratum", (("GRD-K30", 1),), ""),
    (42, "grand_cafe_kasteelplein", (("ESP-3G", 1),), "Trade-in of their old 3-group; collected on delivery."),
    (48, "delft_biotech_campus", (("BTC-10", 2),), "Coffee corners building B."),
    (55, "strandhotel_duinzicht", (("ESP-2G", 1),), ""),
    (61, "waalkade_advocaten", (("ESP-1G", 1),), "Client lounge."),
)

# Machines bought: (working day, supplier, items).
MACHINE_RECEIPTS: tuple[tuple[int, str, Items], ...] = (
    (0, "macchine_lombarde", (("ESP-1G", 3), ("ESP-2G", 3), ("ESP-3G", 1), ("ESP-2G-MB", 1))),
    (0, "suter_kaffeetechnik", (("BTC-10", 4), ("BTC-20", 3), ("BTC-60", 1))),
    (0, "macinatura_precisa", (("GRD-E65", 3), ("GRD-K30", 1))),
    (38, "suter_kaffeetechnik", (("BTC-10", 3), ("BTC-20", 2))),
    (52, "macchine_lombarde", (("ESP-1G", 2), ("ESP-2G", 2), ("ESP-3G", 1))),
)

# Parts on the shelves when the period opens (the summer deliveries): (supplier, shelf, items).
OPENING_PARTS: tuple[tuple[str, str, Items], ...] = (
    ("horeca_onderdelen", "db_shelf_a", (
        ("SP-GHG-85", 100), ("SP-SHS-58", 40), ("SP-DSP-58", 15), ("SP-SWT-4", 30), ("SP-BSK-18", 30),
        ("SP-ORK", 25), ("SP-PMP-VIB", 10), ("SP-PMP-ROT", 4), ("SP-SOL-3W", 10), ("SP-SOL-2W", 6),
        ("SP-HTR-3K", 4), ("SP-HTR-5K", 3), ("SP-FLM", 10), ("SP-PST", 5), ("SP-NTC", 15), ("SP-GAU", 6),
        ("SP-PF-2", 4))),
    ("suter_kaffeetechnik", "db_shelf_a", (("SP-BRU-V", 2), ("SP-MLK-PMP", 5), ("SP-BRR-CON", 2))),
    ("macinatura_precisa", "db_shelf_a", (("SP-BRR-64", 6),)),
    ("aquapura", "db_shelf_b", (("WT-CART-M", 18), ("WT-CART-M", 18), ("WT-CART-L", 18), ("WT-HEAD", 8),
                                ("WT-RO-150", 1))),
)

# Stocking the Utrecht branch in the first week: (shelf, items).
BRANCH_STOCK: tuple[tuple[str, Items], ...] = (
    ("db_shelf_a", (("SP-GHG-85", 20), ("SP-SHS-58", 10), ("SP-ORK", 5), ("SP-SOL-3W", 2), ("SP-NTC", 3),
                    ("SP-BSK-18", 6))),
    ("db_shelf_b", (("WT-CART-M", 6), ("WT-HEAD", 2))),
    ("db_shelf_c", (("ESP-1G", 1), ("BTC-10", 1))),
)
COUNTER_SALES: tuple[tuple[int, str, Items], ...] = (
    (10, "koffiebar_oudegracht", (("SP-GHG-85", 4), ("SP-SHS-58", 2))),
    (26, "hotel_sonsbeek_park", (("WT-CART-M", 2),)),
    (40, "waalkade_advocaten", (("SP-BSK-18", 2), ("SP-ORK", 1))),
    (52, "koffiebar_oudegracht", (("SP-GHG-85", 4), ("SP-SOL-3W", 1))),
)

SCRAPS: tuple[tuple[int, str, Items, str], ...] = (
    (32, "db_shelf_a", (("SP-SHS-58", 2),), "Bent in transport."),
    (50, "db_shelf_b", (("WT-CART-M", 1),), "Seal of the cartridge broken."),
)

# Workshop repairs with parts that must run out: (working day, part).
WORKSHOP_FIXED = ((16, "SP-BRU-V"), (44, "SP-BRU-V"), (28, "SP-HTR-5K"), (49, "SP-HTR-5K"), (58, "SP-HTR-5K"))
WORKSHOP_PARTS: Items = (("SP-MLK-PMP", 2), ("SP-BRR-CON", 1), ("SP-HTR-3K", 2), ("SP-PMP-ROT", 1), ("SP-SOL-2W", 2),
                  ("SP-PST", 2), ("SP-BRR-64", 2), ("SP-DSP-58", 2), ("SP-GAU", 1))
HOSPITAL_OVERHAUL: Items = (("SP-GHG-85", 28), ("SP-SHS-58", 14), ("SP-ORK", 7), ("SP-SWT-4", 4), ("SP-FLM", 2))
REPAIR_PARTS: Items = (("SP-SOL-3W", 3), ("SP-PMP-VIB", 2), ("SP-NTC", 3), ("SP-FLM", 2), ("SP-SWT-4", 4),
                ("SP-BSK-18", 3), ("SP-ORK", 3))

DELIVERY_NOTE = {"horeca_onderdelen": "HOC-DN-{n}", "aquapura": "AP-LB-{n}", "suter_kaffeetechnik": "SKT-LS-{n}",
                 "macchine_lombarde": "DDT {n}/{yy}", "macinatura_precisa": "MP-DDT-{n}"}


@dataclass(frozen=True)
class Event:
    day: dt.date
    minute: int  # of the day: orders the day's events
    what: str
    by: str  # core's user key of who did it
    run: Callable[[World], Awaitable[int]]
    table: type[Table] = Transfer

    @property
    def key(self) -> str:
        return f"history.{self.day:%Y%m%d}.{self.minute:04d}.{self.what}"


def working_days(until: dt.date) -> list[dt.date]:
    days = (until - dt.timedelta(days=n) for n in range(DAYS, 0, -1))
    return [d for d in days if d.weekday() < 5]


def note_number(supplier: str, day: dt.date) -> str:
    return DELIVERY_NOTE[supplier].format(n=day.toordinal() % 100_000 + len(supplier), yy=f"{day:%y}")


class Planner:
    """Builds the period's events from the tables above and a seeded random stream."""

    def __init__(self, now: dt.date) -> None:
        self.now, self.days = now, working_days(now)
        self.rng = random.Random(SEED)
        self.serials: dict[str, int] = {}
        self.price_changed = now - dt.timedelta(days=PRICE_CHANGE_DAYS_AGO)
        self.events: list[Event] = []

    def add(self, day: dt.date, minute: int, what: str, run: Callable[[World], Awaitable[int]], *,
            by: str = STAFF, table: type[Table] = Transfer) -> None:
        self.events.append(Event(day, minute, what, by, run, table))

    def serial_numbers(self, code: str, day: dt.date, qty: int) -> tuple[str, ...]:
        start = self.serials.get(code, 101 + self.rng.randrange(200))
        self.serials[code] = start + qty + self.rng.randrange(3)
        return tuple(f"{SERIAL_PREFIX[code]}-{day:%y%m}-{n:04d}" for n in range(start, start + qty))

    def incoming(self, supplier: str, code: str, qty: int, day: dt.date, batch: int = 0) -> Incoming:
        cost = price_for(code, supplier, qty, before_price_change=day < self.price_changed)
        if code in SERIAL_PREFIX:
            return Incoming(code, qty, cost, serials=self.serial_numbers(code, day, qty))
        if code.startswith("WT-CART"):
            return Incoming(code, qty, cost, lot=f"AP{day:%y%m}-{day.toordinal() % 9000 + batch:04d}",
                            expiry=day + dt.timedelta(days=3 * 365))
        return Incoming(code, qty, cost)

    def receipts(self) -> None:
        first = self.days[0]
        for supplier, shelf, items in OPENING_PARTS:
            lines = [self.incoming(supplier, code, qty, first, batch=i) for i, (code, qty) in enumerate(items)]
            self.add(first, 8 * 60, f"receipt.{supplier}.parts", partial(
                make.receive, supplier=supplier, dest=shelf, lines=lines, origin=note_number(supplier, first),
                day=first))
        for index, supplier, items in MACHINE_RECEIPTS:
            day = self.days[index]
            lines = [self.incoming(supplier, code, qty, day) for code, qty in items]
            self.add(day, 9 * 60, f"receipt.{supplier}.machines", partial(
                make.receive, supplier=supplier, dest="db_shelf_c", lines=lines,
                origin=note_number(supplier, day) + "-M", day=day))
        # Replenishment as the reordering rules ask, the last wholesaler delivery short.
        every = range(8, len(self.days) - 12, 8)
        last = every[-1]
        for index in every:
            day = self.days[index]
            short = {"SP-HTR-5K": 99, "SP-GHG-85": 40} if index == last else {}
            self.add(day, 8 * 60 + 15, "receipt.horeca_onderdelen.replenish", partial(
                make.replenish, supplier="horeca_onderdelen", shelf="db_shelf_a", origin=note_number(
                    "horeca_onderdelen", day), day=day, price_changed=self.price_changed,
                skip=frozenset({"SP-HTR-5K"}) if index != last else frozenset(), short=short))
        for index in range(16, len(self.days), 16):
            day = self.days[index]
            self.add(day, 8 * 60 + 30, "receipt.aquapura.replenish", partial(
                make.replenish, supplier="aquapura", shelf="db_shelf_b", origin=note_number("aquapura", day),
                day=day, price_changed=self.price_changed))
        day = self.days[32]
        self.add(day, 8 * 60 + 45, "receipt.suter_kaffeetechnik.replenish", partial(
            make.replenish, supplier="suter_kaffeetechnik", shelf="db_shelf_a",
            origin=note_number("suter_kaffeetechnik", day), day=day, price_changed=self.price_changed,
            skip=frozenset({"SP-BRU-V"})))  # Suter's own backorder: brewing units come next month

    def branch_and_sales(self) -> None:
        second = self.days[1]
        for shelf, items in BRANCH_STOCK:
            self.add(second, 8 * 60 + 30, f"branch.{shelf}", partial(
                make.move_internal, source=shelf, dest="utr_stock", items=items,
                origin="Utrecht branch opening stock", day=second))
        for index, customer, items, note in SALES:
            day = self.days[index]
            self.add(day, 10 * 60 + 30, f"sale.{customer}", partial(
                make.deliver, source="db_shelf_c", sale=Sale(customer, items, note), day=day))
        for index, customer, items in COUNTER_SALES:
            day = self.days[index]
            self.add(day, 11 * 60 + 15, f"counter.{customer}", partial(
                make.deliver, source="utr_stock", sale=Sale(customer, items, "Counter sale"), day=day))
        for index, source, items, note in SCRAPS:
            day = self.days[index]
            self.add(day, 16 * 60, f"scrap.{source}", partial(make.scrap, source=source, items=items, note=note,
                                                              day=day))

    def van_refills(self) -> None:
        for index, day in enumerate(self.days):
            if index == 1 or (index > 1 and day.weekday() == 0):
                for user_key, _name in VANS:
                    self.add(day, 7 * 60 + 30, f"refill.{user_key}", partial(
                        make.refill_van, user_key=user_key, day=day, to_max=index == 1))

    def jobs(self) -> list[tuple[dt.date, int, str, str, tuple[tuple[str, int], ...]]]:
        """(day, minute, technician, source location key, parts) of every work order that used parts."""
        rng, out = self.rng, []
        fixed = dict(WORKSHOP_FIXED)
        for index, day in enumerate(self.days[2:], start=2):
            for user_key, _name in VANS:
                for _n in range(rng.choices((0, 1, 2), (62, 30, 8))[0]):
                    out.append((day, rng.randrange(9 * 60, 17 * 60), user_key, f"van_{user_key}", self._field_job()))
            if rng.random() < 0.2:  # Tomasz has no van: he takes parts from the shelf
                out.append((day, rng.randrange(9 * 60, 17 * 60), "tech_tomasz", "db_shelf_a", self._field_job()))
            if index in fixed or rng.random() < 0.2:
                part = fixed.get(index) or _pick(rng, WORKSHOP_PARTS)
                extra = (("SP-GHG-85", 1),) if rng.random() < 0.3 else ()
                out.append((day, rng.randrange(9 * 60, 16 * 60), "tech_tomasz", "db_shelf_a", ((part, 1), *extra)))
        # The hospital's yearly overhaul of its 14 machines, two days ago: parts straight from the shelves.
        overhaul = self.days[-3]
        out.append((overhaul, 8 * 60, "tech_jan", "db_shelf_a", HOSPITAL_OVERHAUL))
        out.append((overhaul, 8 * 60 + 5, "tech_tomasz", "db_shelf_b", (("WT-CART-M", 14),)))
        return sorted(out)

    def _field_job(self) -> tuple[tuple[str, int], ...]:
        rng = self.rng
        if rng.random() < 0.45:  # preventive maintenance
            parts = [("SP-GHG-85", rng.choice((1, 2, 2, 3))), ("SP-SHS-58", rng.choice((1, 1, 2)))]
            if rng.random() < 0.25:
                parts.append(("SP-ORK", 1))
            if rng.random() < 0.35:
                parts.append(("WT-CART-M", 1))
            return tuple(parts)
        parts = [(_pick(rng, REPAIR_PARTS), 1)]
        if rng.random() < 0.3:
            parts.append(("SP-GHG-85", 1))
        return tuple(parts)

    def work_orders(self) -> None:
        number, year = 0, 0
        for day, minute, tech, source, parts in self.jobs():
            if day.year != year:  # work orders are numbered per year; this period starts mid-year
                year, number = day.year, int(day.timetuple().tm_yday * 1.6)
            number += 1
            origin = f"WO/{day.year}/{number:05d}"
            self.add(day, minute, f"job.{origin}", partial(_use_parts, tech=tech, origin=origin, source=source,
                                                           parts=parts), by=tech, table=Move)
        self.next_work_order = number + 1

    def today(self) -> list[Event]:
        """Work prepared for today: not back-dated, it is happening now."""
        now, events = self.now, []
        origin = f"WO/{now.year}/{self.next_work_order:05d}"
        events.append(Event(now, 7 * 60 + 30, "refill.tech_noor", STAFF,
                            partial(make.refill_van, user_key="tech_noor", day=now, validate=False, to_max=True)))
        events.append(Event(now, 7 * 60 + 45, f"reserve.{origin}", "tech_jan", partial(
            _reserve_parts, tech="tech_jan", origin=origin, parts=(("SP-SOL-3W", 1), ("SP-GHG-85", 2))), Move))
        events.append(Event(now, 8 * 60, "sale.cafe_de_zwaan", STAFF, partial(
            make.deliver, source="db_shelf_c", sale=Sale("cafe_de_zwaan", (("ESP-2G", 1),),
                                                         "Replaces the 2019 machine; installation tomorrow."),
            day=now + dt.timedelta(days=1), validate=False)))
        return events

    def plan(self) -> tuple[list[Event], list[Event]]:
        self.receipts()
        self.branch_and_sales()
        self.van_refills()
        self.work_orders()
        return sorted(self.events, key=lambda e: (e.day, e.minute)), self.today()


def _pick(rng: random.Random, weighted: Items) -> str:
    return rng.choices([code for code, _w in weighted], [w for _code, w in weighted])[0]


async def _use_parts(w: World, *, tech: str, origin: str, source: str, parts: tuple[tuple[str, int], ...]) -> int:
    return await use.use_parts(w, origin, w.location[source], parts)


async def _reserve_parts(w: World, *, tech: str, origin: str, parts: tuple[tuple[str, int], ...]) -> int:
    return await use.reserve_parts(w, origin, w.van(tech), parts)


async def load_history() -> None:
    w = await world()
    past, present = Planner(today()).plan()
    for event in past:
        if await done_before(event.key):
            continue
        with acting_as(w.user[event.by]):
            async with backdated(at(event.day, event.minute // 60, event.minute % 60)):
                made = await event.run(w)
        await remember(event.key, event.table, made)
    for event in present:
        if not await done_before(event.key):
            with acting_as(w.user[event.by]):
                await remember(event.key, event.table, await event.run(w))
