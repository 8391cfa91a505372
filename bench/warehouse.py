"""Warehouse benchmark (run by hand: `.venv/bin/python bench/warehouse.py [--backend sqlite|postgres|both] [--quick]`).

For each backend: a temporary var dir and config, `steward init` (no demo data), a
manager and three technicians, then a fast bulk seed in a child process: 10k products,
20 suppliers with two price tiers each, 20 stocked locations (two warehouses' shelves,
a workshop, three vans) and 1M done moves (receipts, internal transfers, parts used on
work orders), generated per product so no location ever goes negative, written with
multi-row inserts (SQLite `executemany`, PostgreSQL `COPY`); the quants are computed
in SQL from those moves, so they equal the sum of the done moves by construction;
then 10k reordering rules (9k shelf rules, 1k van rules), ~15% of them below minimum.

Then, on `steward serve --workers 2` with one signed-in session and 10 concurrent
clients (wrk, else asyncio+httpx in a separate process), in the same run:

(a) `/livez`: plain text, no database and no session (the baseline);
(b) `/warehouse/stock`: the stock list page (by product), p50 and p95;
(c) `/warehouse/products/{id}`: the product stock card, cycling over 50 products of
    every popularity, p95.

Then, in a child process with its own engine and pool: reserve+consume operations per
second through `modules.warehouse.services.stock` (reserve then consume, one unit, a
fresh origin per operation) with 20 concurrent clients, beside a raw baseline (one
conditional atomic UPDATE of a quant per operation, same clients, same transactions);
and the reordering job's service (`services.reorder.run`, without its mail) over the
10k rules, timed twice (the second run finds its own drafts and adds nothing).

Prints the figures with ratios against the baselines, then one JSON line with the
figures, the targets and "pass". `--quick` seeds 500 products and 20k moves and
measures for less time (a smoke run). A page that does not answer 200 is reported
as missing (and fails the run) instead of crashing it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pages  # the sibling benchmark: Site, free_port, wait_until_up, pg_admin, PG_SERVER

ROOT = pages.ROOT
PYTHON, STEWARD = pages.PYTHON, pages.STEWARD
WORKERS = 2
CLIENTS = 10  # page load, as bench/pages.py
OP_CLIENTS = 20  # reserve+consume
LOGIN, PASSWORD = "bench", "bench-password-1"
TECHNICIANS = ("tech1", "tech2", "tech3")
TARGET_PAGE_P95_MS = 50
TARGET_REORDER_S = 10
# Keeps a run of both backends under 15 minutes when the reordering job is far off its target.
REORDER_LIMIT_S = 150

FULL = {"products": 10_000, "moves": 1_000_000, "rules": 10_000, "seconds": 8, "warmup": 2, "op_seconds": 10,
        "cards": 50}
QUICK = {"products": 500, "moves": 20_000, "rules": 500, "seconds": 3, "warmup": 1, "op_seconds": 3, "cards": 20}

NOUNS = ("Gasket", "Shower screen", "Solenoid valve", "Pump", "Heating element", "Flow meter", "Pressure switch",
         "Sensor", "Burr set", "Brewing unit", "Milk pump", "Steam tap", "Filter basket", "Portafilter", "Seal kit",
         "Hose", "Nozzle", "Thermostat", "Circuit board", "Motor", "Fan", "Display", "Switch", "Spring", "Screw set")
KINDS_OF = ("8 mm", "58 mm", "230 V", "400 V", "48 W", "3000 W", "compact", "heavy duty", "type A", "type B",
            "for 2 groups", "for 3 groups", "brass", "steel", "silicone", "rev. 2", "OEM", "long", "short", "M6")

# Stocked locations: (key, name, warehouse code, parent key, kind).
LOCATIONS = (
    [("w1", "Stock", "W1", "", "internal")]
    + [(f"w1_{c}", f"Shelf {c.upper()}", "W1", "w1", "internal") for c in "abcdefghij"]
    + [("workshop", "Workshop", "W1", "", "internal"), ("w2", "Stock", "W2", "", "internal")]
    + [(f"w2_{c}", f"Shelf {c.upper()}", "W2", "w2", "internal") for c in "abcd"]
    + [(f"van{i}", f"Van {i}", "W1", "", "van") for i in (1, 2, 3)]
)
SHELVES = [k for k, *_ in LOCATIONS if k.startswith("w1_")]
BRANCH_SHELVES = [k for k, *_ in LOCATIONS if k.startswith("w2_")]
VANS = ["van1", "van2", "van3"]
VAN_PRODUCTS = 334  # the most used parts ride in every van: ~1k van rules


# -- seeding: generation ---------------------------------------------------------------

def plan_products(rng: random.Random, count: int, moves: int) -> list[dict[str, Any]]:
    """Products with a popularity (moves over the period, square-root Zipf) and their places."""
    weights = [1 / math.sqrt(rank + 1) for rank in range(count)]
    total = sum(weights)
    ranks = list(range(count))
    rng.shuffle(ranks)
    out = []
    for i in range(count):
        rank = ranks[i]
        out.append({
            "code": f"BN-{i + 1:05d}", "name": f"{rng.choice(NOUNS)} {rng.choice(KINDS_OF)} {i + 1:05d}",
            "cost": Decimal(rng.randrange(50, 50_000)) / 100, "rank": rank,
            "moves": max(4, round(moves * weights[rank] / total)),
            "home": SHELVES[i % len(SHELVES)],
            "branch": BRANCH_SHELVES[i % len(BRANCH_SHELVES)] if rng.random() < 0.3 else None,
            "workshop": rng.random() < 0.1, "vans": rank < VAN_PRODUCTS,
        })
    return out


def product_moves(rng: random.Random, p: dict[str, Any], start: float, span: float) -> list[tuple]:
    """One product's done moves over the period, in time order, never taking more than is there:
    (time, source key, destination key, quantity, kind). "suppliers"/"customers" are virtual."""
    home = p["home"]
    others = [loc for loc in ([p["branch"]] if p["branch"] else []) + (["workshop"] if p["workshop"] else [])
              + (VANS if p["vans"] else [])]
    users = [home, *others]
    stock = dict.fromkeys(users, 0)
    times = sorted(start + rng.random() * span for _ in range(p["moves"]))
    out = []
    for t in times:
        roll = rng.random()
        if roll < 0.22 or (roll < 0.40 and not others):
            qty = rng.randrange(10, 60)
            out.append((t, "suppliers", home, qty, "receipt"))
            stock[home] += qty
            continue
        if roll < 0.40:
            dest = rng.choice(others)
            qty = rng.randrange(2, 12)
            if stock[home] < qty:
                out.append((t, "suppliers", home, qty * 3, "receipt"))
                stock[home] += qty * 3
            else:
                out.append((t, home, dest, qty, "internal"))
                stock[home] -= qty
                stock[dest] += qty
            continue
        where = rng.choice(users)
        qty = rng.randrange(1, 4)
        if stock[where] < qty:  # not there: it comes in instead
            if where == home:
                out.append((t, "suppliers", home, qty * 10, "receipt"))
                stock[home] += qty * 10
            elif stock[home] >= qty * 3:
                out.append((t, home, where, qty * 3, "internal"))
                stock[home] -= qty * 3
                stock[where] += qty * 3
            else:
                out.append((t, "suppliers", home, qty * 10, "receipt"))
                stock[home] += qty * 10
            continue
        out.append((t, where, "customers", qty, "consume"))
        stock[where] -= qty
    return out


# -- seeding: writing ------------------------------------------------------------------

class Writer:
    """Bulk inserts for one backend: sqlite3 `executemany` or asyncpg `COPY`, in one transaction."""

    def __init__(self, url: str) -> None:
        self.url, self.sqlite = url, url.startswith("sqlite")
        self.conn: Any = None

    async def __aenter__(self) -> Writer:
        if self.sqlite:
            import sqlite3

            self.conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA cache_size=-200000")
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            import asyncpg

            self.conn = await asyncpg.connect(self.url)
            self.tx = self.conn.transaction()
            await self.tx.start()
        return self

    async def __aexit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if self.sqlite:
            self.conn.execute("ROLLBACK" if exc else "COMMIT")
            if not exc:
                self.conn.execute("ANALYZE")
            self.conn.close()
        else:
            await (self.tx.rollback() if exc else self.tx.commit())
            if not exc:
                # What autovacuum does after a bulk insert (PostgreSQL >= 13 vacuums insert-only
                # tables too), done now rather than while the pages are measured: statistics
                # and the visibility map (index-only scans), as on a database that has run a while.
                await self.conn.execute("VACUUM (ANALYZE)")
            await self.conn.close()

    def _value(self, v: Any) -> Any:
        if not self.sqlite:
            return v
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, dt.datetime):
            return str(v)
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, bool):
            return int(v)
        return v

    async def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.sqlite:
            cols = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            self.conn.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',
                                  ([self._value(v) for v in row] for row in rows))
        else:
            await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def execute(self, sql: str, *args: Any) -> None:
        if self.sqlite:
            self.conn.execute(sql.replace("$1", "?"), [self._value(a) for a in args])
        else:
            await self.conn.execute(sql, *args)

    async def rows(self, sql: str) -> list[tuple]:
        if self.sqlite:
            return list(self.conn.execute(sql).fetchall())
        return [tuple(r) for r in await self.conn.fetch(sql)]


AUDIT = ("created_at", "updated_at", "version")


async def seed(url: str, products: int, moves: int, rules: int) -> dict[str, Any]:
    """Bulk-load the benchmark's data; returns what was made and how long it took."""
    started = time.perf_counter()
    rng = random.Random(5)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = (now, now, 1)
    async with Writer(url) as w:
        await w.insert("core_partner", (*AUDIT, "kind", "name", "is_supplier", "reference", "email", "country"),
                       [(*stamp, "organisation", f"Bench supplier {i:02d} B.V.", True, f"BS{i:03d}",
                         f"orders{i}@supplier.example", "NL") for i in range(1, 21)])
        suppliers = [r[0] for r in await w.rows("SELECT id FROM core_partner WHERE reference LIKE 'BS%' ORDER BY id")]
        await w.insert("warehouse_warehouse", (*AUDIT, "code", "name", "city", "active"),
                       [(*stamp, "W1", "Bench main warehouse", "'s-Hertogenbosch", True),
                        (*stamp, "W2", "Bench branch", "Utrecht", True)])
        houses = dict(await w.rows("SELECT code, id FROM warehouse_warehouse"))
        techs = [r[0] for r in await w.rows(
            "SELECT id FROM core_user WHERE login IN ('tech1', 'tech2', 'tech3') ORDER BY login")]
        loc: dict[str, int] = {}
        names = {key: name for key, name, *_ in LOCATIONS}
        for key, name, house, parent, kind in LOCATIONS:  # parents first, so one row at a time
            full = f"{house}/{names[parent]}/{name}" if parent else f"{house}/{name}"
            user = techs[int(key[-1]) - 1] if kind == "van" and len(techs) == 3 else None
            await w.insert("warehouse_location", (*AUDIT, "name", "full_name", "kind", "warehouse", "parent", "user",
                                                  "count_interval_days", "active"),
                           [(*stamp, name, full, kind, houses[house], loc.get(parent), user, 0, True)])
            loc[key] = (await w.rows(f"SELECT max(id) FROM warehouse_location WHERE full_name = '{full}'"))[0][0]
        virtual = dict(await w.rows("SELECT kind, id FROM warehouse_location WHERE warehouse IS NULL "
                                    "AND partner IS NULL AND kind IN ('supplier', 'customer') ORDER BY id DESC"))
        loc["suppliers"], loc["customers"] = virtual["supplier"], virtual["customer"]

        plan = plan_products(rng, products, moves)
        await w.insert("core_product", (*AUDIT, "code", "name", "kind", "unit", "sale_price", "cost", "tracking",
                                        "active"),
                       [(*stamp, p["code"], p["name"], "stockable", "unit", (p["cost"] * 2).quantize(Decimal("0.01")),
                         p["cost"], "none", True) for p in plan])
        ids = dict(await w.rows("SELECT code, id FROM core_product WHERE code LIKE 'BN-%'"))
        for i, p in enumerate(plan):
            p["id"], p["supplier"] = ids[p["code"]], suppliers[i % len(suppliers)]
        await w.insert("warehouse_supplier_price", (*AUDIT, "product", "supplier", "supplier_code", "min_qty", "price",
                                                    "lead_days"),
                       [(*stamp, p["id"], p["supplier"], f"S-{p['code']}", Decimal(q), (p["cost"] * f).quantize(
                           Decimal("0.0001")), 2) for p in plan for q, f in ((1, Decimal(1)), (20, Decimal("0.9")))])
        generated = time.perf_counter()
        start, span = (now - dt.timedelta(days=730)).timestamp(), 730 * 86400.0
        all_moves: list[tuple] = []
        for p in plan:
            all_moves += [(t, p["id"], p["cost"], *rest) for t, *rest in product_moves(rng, p, start, span)]
        all_moves.sort(key=lambda m: m[0])
        made = len(all_moves)
        columns = (*AUDIT, "product", "source", "destination", "quantity", "state", "origin", "unit_cost", "done_at")
        for i in range(0, made, 20_000):
            batch = []
            for t, product, cost, source, dest, qty, kind in all_moves[i:i + 20_000]:
                when = dt.datetime.fromtimestamp(int(t), dt.UTC)
                origin = (f"WO/{when.year}/{int(t) % 99_991:05d}" if kind == "consume" else
                          f"PO/{when.year}/{int(t) % 9_973:05d}" if kind == "receipt" else "Van refill")
                batch.append((when, when, 1, product, loc[source], loc[dest], Decimal(qty), "done", origin,
                              cost if kind == "receipt" else Decimal(0), when))
            await w.insert("warehouse_move", columns, batch)
        del all_moves
        written = time.perf_counter()
        stocked = ", ".join(str(loc[k]) for k, *_ in LOCATIONS)
        await w.execute(
            "INSERT INTO warehouse_quant (product, location, lot_key, quantity, reserved) "
            "SELECT product, place, 0, SUM(qty), 0 FROM ("
            f"  SELECT product, destination AS place, quantity AS qty FROM warehouse_move "
            f"  WHERE state = 'done' AND destination IN ({stocked})"
            f"  UNION ALL SELECT product, source, -quantity FROM warehouse_move "
            f"  WHERE state = 'done' AND source IN ({stocked})"
            ") m GROUP BY product, place")
        quants = {(r[0], r[1]): Decimal(str(r[2])) for r in await w.rows(
            "SELECT product, location, quantity FROM warehouse_quant")}
        await w.insert("warehouse_reorder_rule", (*AUDIT, "product", "location", "min_qty", "max_qty", "multiple",
                                                  "supplier", "refill_from", "lead_days", "active"),
                       reorder_rules(rng, plan, loc, quants, rules, stamp))
    return {"products": products, "moves": made, "rules": rules, "quants": len(quants),
            "generate_s": round(generated - started, 1), "moves_s": round(written - generated, 1),
            "total_s": round(time.perf_counter() - started, 1)}


def reorder_rules(rng: random.Random, plan: list[dict[str, Any]], loc: dict[str, int],
                  quants: dict[tuple[int, int], Decimal], count: int, stamp: tuple) -> list[tuple]:
    """Van rules for the parts in the vans, shelf rules for the rest, ~15% below minimum now."""
    out: list[tuple] = []
    for p in sorted(plan, key=lambda p: p["rank"]):
        places = [(v, loc[p["home"]]) for v in VANS] if p["vans"] else []
        places.append(("", None))
        for van, refill in places:
            if len(out) >= count:
                return out
            where = loc[van] if van else loc[p["home"]]
            have = quants.get((p["id"], where), Decimal(0))
            low = max(Decimal(2), (have * Decimal("1.5")).to_integral_value()) if rng.random() < 0.15 else \
                max(Decimal(1), (have / 2).to_integral_value())
            high = max(low * 3, have)
            out.append((*stamp, p["id"], where, low, high, Decimal(1) if van else Decimal(5),
                        None if van else p["supplier"], refill, 2, True))
    return out


def seed_in_process(site: pages.Site, size: dict[str, int]) -> dict[str, Any]:
    code = (f"import asyncio, json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import warehouse; "
            f"print(json.dumps(asyncio.run(warehouse.seed({site.url!r}, {size['products']}, {size['moves']}, "
            f"{size['rules']}))))")
    out = subprocess.run([PYTHON, "-c", code], env=site.env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# -- services, in a child process ------------------------------------------------------------

async def _engine(url: str, pool: int) -> None:
    from core.db import engine as db
    from core.db.migrations import register_apps
    from core.modules.discovery import discover

    register_apps(discover().manifests.values())
    db.configure(url)
    await db.start(pool_size=pool)


async def operations(url: str, seconds: float, clients: int) -> dict[str, Any]:
    """reserve+consume per second through the stock service, beside raw atomic quant updates."""
    from core.db import engine as db
    from modules.warehouse.models.quant import Quant

    await _engine(url, clients + 2)
    try:
        from modules.warehouse.services import stock

        hot = await Quant.select(Quant.id, Quant.product, Quant.location).where(
            (Quant.quantity >= 40) & (Quant.location.kind.is_in(["internal", "van"]))).run()
        rng = random.Random(7)
        rng.shuffle(hot)
        hot = hot[:2000]
        if not hot:
            return {"missing": "no quant with stock to take from"}

        async def run(op: Any) -> dict[str, Any]:
            done, failed, lat = [0], [0], []

            async def client(n: int, end: float) -> None:
                i = 0
                while time.perf_counter() < end:
                    q = hot[(n * 7919 + i) % len(hot)]
                    i += 1
                    t = time.perf_counter()
                    try:
                        await op(q, f"BENCH/{n}/{i}/{uuid.uuid4().hex[:6]}")
                        done[0] += 1
                    except Exception:  # noqa: BLE001 - counted: InsufficientStock when a quant runs dry
                        failed[0] += 1
                    lat.append(time.perf_counter() - t)

            start = time.perf_counter()
            await asyncio.gather(*(client(n, start + seconds) for n in range(clients)))
            took = time.perf_counter() - start
            lat.sort()
            return {"ops_s": round(done[0] / took, 1), "failed": failed[0],
                    "p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 2) if lat else 0.0}

        async def service_op(q: dict[str, Any], origin: str) -> None:
            await stock.reserve(origin, q["product"], q["location"], Decimal(1))
            await stock.consume(origin, q["product"], Decimal(1))

        async def raw_op(q: dict[str, Any], origin: str) -> None:
            async with db.transaction():
                await Quant.raw('UPDATE warehouse_quant SET quantity = quantity - 1 '
                                'WHERE id = {} AND quantity - reserved >= 1', q["id"]).run()

        raw = await run(raw_op)
        service = await run(service_op)
        return {"clients": clients, "raw": raw, "service": service,
                "ratio": round(service["ops_s"] / raw["ops_s"], 3) if raw["ops_s"] else 0.0}
    finally:
        await db.stop()


async def reordering(url: str) -> dict[str, Any]:
    """The reordering job's service over every rule, twice (the second run adds nothing)."""
    from core.db import engine as db
    from modules.warehouse.models.reorder_rule import ReorderRule

    await _engine(url, 5)
    try:
        from modules.warehouse.services.reorder import run as job

        rules = await ReorderRule.count().run()
        timings: list[float] = []
        made: list[dict[str, int]] = []
        while len(timings) < 2:
            started = time.perf_counter()
            summary = await job(notify=False)
            timings.append(round(time.perf_counter() - started, 2))
            made.append({"orders": len(summary.orders), "transfers": len(summary.transfers),
                         "unsourced": len(summary.unsourced)})
            if timings[0] > 3 * TARGET_REORDER_S:
                break  # far off the target: a second run would only cost time
        return {"rules": rules, "seconds": timings[0], "second_run_s": timings[-1] if len(timings) == 2 else None,
                "first": made[0], "second": made[-1] if len(made) == 2 else None}
    finally:
        await db.stop()


def in_child(site: pages.Site, call: str, timeout: float = 900) -> dict[str, Any]:
    code = (f"import asyncio, json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import warehouse; "
            f"print('RESULT ' + json.dumps(asyncio.run(warehouse.{call}))) ")
    out = subprocess.run([PYTHON, "-c", code], env=site.env, cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"{call} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(line[7:]))


# -- pages --------------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS"), "[^,]+") do paths[#paths + 1] = p end
local i = 0
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["Accept"] = "text/html"
wrk.headers["Accept-Encoding"] = "gzip"
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('BENCH {"requests": %d, "seconds": %f, "errors": %d, "non2xx": %d, '
    .. '"p50_ms": %f, "p95_ms": %f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""

HTTPX_LOADGEN = """
import asyncio, json, sys, time
import httpx

base, paths, cookie = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
clients, seconds = int(sys.argv[4]), float(sys.argv[5])
headers = {"cookie": cookie, "accept": "text/html", "accept-encoding": "gzip"}

async def client(n, end, lat, errs):
    i = n
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as c:
        while time.perf_counter() < end:
            path = paths[i % len(paths)]
            i += clients
            t = time.perf_counter()
            try:
                r = await c.get(path)
                if r.status_code != 200:
                    errs.append(r.status_code)
            except httpx.HTTPError:
                errs.append(0)
            lat.append(time.perf_counter() - t)

async def main():
    lat, errs = [], []
    start = time.perf_counter()
    await asyncio.gather(*[client(n, start + seconds, lat, errs) for n in range(clients)])
    took = time.perf_counter() - start
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0.0
    print("BENCH " + json.dumps({"requests": len(lat), "seconds": took, "errors": errs.count(0),
          "non2xx": len(errs) - errs.count(0), "p50_ms": pick(0.5), "p95_ms": pick(0.95)}))

asyncio.run(main())
"""


def load(base: str, paths: list[str], cookie: str, seconds: float, tmp: Path) -> dict[str, float]:
    env = {**os.environ, "BENCH_COOKIE": cookie, "BENCH_PATHS": ",".join(paths)}
    if shutil.which("wrk"):
        script = tmp / "warehouse.lua"
        script.write_text(WRK_SCRIPT)
        cmd = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base]
    else:
        cmd = [PYTHON, "-c", HTTPX_LOADGEN, base, ",".join(paths), cookie, str(CLIENTS), str(seconds)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 120)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"load generator failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    r = json.loads(line[6:])
    if r["errors"] or r["non2xx"]:
        raise RuntimeError(f"{paths[0]}: {r['errors']} socket errors, {r['non2xx']} non-2xx answers")
    return {"rps": round(r["requests"] / r["seconds"], 1), "p50_ms": round(r["p50_ms"], 2),
            "p95_ms": round(r["p95_ms"], 2)}


def sign_in(base: str) -> str:
    """The Cookie header of a signed-in manager's session (session + CSRF cookies)."""
    import httpx

    with httpx.Client(base_url=base, timeout=10) as client:
        client.get("/login")
        token = client.cookies.get("steward_csrf") or ""
        r = client.post("/login", data={"login": LOGIN, "password": PASSWORD, "_csrf_token": token})
        if r.status_code not in (302, 303) or "steward_session" not in client.cookies:
            raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:300]}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def status_of(base: str, path: str, cookie: str) -> int:
    import httpx

    return httpx.get(base + path, headers={"cookie": cookie, "accept": "text/html"}, timeout=30).status_code


def card_paths(site: pages.Site, count: int) -> list[str]:
    """Stock cards of `count` seeded products spread over every popularity (a fixed sample)."""
    out = in_child(site, f"product_sample({site.url!r}, {count})")
    return [f"/warehouse/products/{pid}" for pid in out["ids"]]


async def product_sample(url: str, count: int) -> dict[str, Any]:
    from core.db import engine as db
    from core.products.models import Product

    await _engine(url, 2)
    try:
        rows = await Product.select(Product.id).where(Product.code.like("BN-%")).order_by(Product.id).run()
    finally:
        await db.stop()
    rng = random.Random(11)
    return {"ids": sorted(rng.sample([r["id"] for r in rows], min(count, len(rows))))}


def measure_pages(name: str, site: pages.Site, size: dict[str, int], tmp: Path) -> dict[str, Any]:
    port = pages.free_port()
    base = f"http://127.0.0.1:{port}"
    log = site.dir / "serve.log"
    cards = card_paths(site, size["cards"])
    figures: dict[str, Any] = {}
    with log.open("w") as out:
        proc = subprocess.Popen([STEWARD, "--config", str(site.config), "serve", "--port", str(port),
                                 "--workers", str(WORKERS)], env=site.env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        pages.wait_until_up(base, proc, log)
        cookie = sign_in(base)
        routes = (("plain", ["/livez"]), ("stock_list", ["/warehouse/stock"]), ("stock_card", cards))
        for key, paths in routes:
            code = status_of(base, paths[0], cookie)
            if code != 200:
                figures[key] = {"missing": f"GET {paths[0]} answered {code}"}
                print(f"[{name}] {key:10s} {paths[0]:28s} missing (answered {code})")
                continue
            load(base, paths, cookie, size["warmup"], tmp)
            f = figures[key] = load(base, paths, cookie, size["seconds"], tmp)
            shown = paths[0] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1})"
            print(f"[{name}] {key:10s} {shown:34s} {f['rps']:8.1f} req/s  p50 {f['p50_ms']:7.2f} ms  "
                  f"p95 {f['p95_ms']:7.2f} ms")
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    plain = figures["plain"]["rps"]
    for key in ("stock_list", "stock_card"):
        if "rps" in figures[key]:
            figures[f"{key}_ratio"] = round(figures[key]["rps"] / plain, 4)
    return figures


# -- one backend ------------------------------------------------------------------------------

def bench_backend(name: str, site: pages.Site, size: dict[str, int], tmp: Path) -> dict[str, Any]:
    site.run("init")
    site.run("users", "create", LOGIN, "--password", PASSWORD, "--role", "manager")
    for tech in TECHNICIANS:
        site.run("users", "create", tech, "--password", PASSWORD, "--role", "technician")
    seeded = seed_in_process(site, size)
    print(f"[{name}] seeded {seeded['products']} products, {seeded['moves']} moves, {seeded['quants']} quants, "
          f"{seeded['rules']} rules in {seeded['total_s']} s (moves written in {seeded['moves_s']} s)")
    figures: dict[str, Any] = {"seed": seeded}
    figures.update(measure_pages(name, site, size, tmp))
    if "stock_list_ratio" in figures:
        print(f"[{name}] stock list/plain {figures['stock_list_ratio']:.3f}  "
              f"stock card/plain {figures.get('stock_card_ratio', 0):.3f}")
    ops = figures["operations"] = in_child(site, f"operations({site.url!r}, {size['op_seconds']}, {OP_CLIENTS})")
    if "missing" in ops:
        print(f"[{name}] reserve+consume: missing ({ops['missing']})")
    else:
        print(f"[{name}] reserve+consume {ops['service']['ops_s']:8.1f} ops/s (p95 {ops['service']['p95_ms']} ms, "
              f"{ops['service']['failed']} refused)  raw quant update {ops['raw']['ops_s']:8.1f} ops/s  "
              f"ratio {ops['ratio']:.3f}  [{OP_CLIENTS} clients]")
    try:
        job = in_child(site, f"reordering({site.url!r})", timeout=REORDER_LIMIT_S)
    except subprocess.TimeoutExpired:
        job = {"aborted_after_s": REORDER_LIMIT_S}
    figures["reorder"] = job
    if "aborted_after_s" in job:
        print(f"[{name}] reorder job over {size['rules']} rules: still running after {REORDER_LIMIT_S} s, stopped")
    else:
        second = (f"second run {job['second_run_s']:.2f} s ({job['second']['orders']} new orders)"
                  if job["second"] else "no second run")
        print(f"[{name}] reorder job over {job['rules']} rules {job['seconds']:6.2f} s "
              f"({job['first']['orders']} orders, {job['first']['transfers']} van refills); {second}")
    return figures


def passes(f: dict[str, Any]) -> bool:
    pages_ok = all("p95_ms" in f.get(k, {}) and f[k]["p95_ms"] < TARGET_PAGE_P95_MS
                   for k in ("stock_list", "stock_card"))
    reorder_ok = "seconds" in f.get("reorder", {}) and f["reorder"]["seconds"] < TARGET_REORDER_S
    ops_ok = "service" in f.get("operations", {})
    return pages_ok and reorder_ok and ops_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="small data and short runs (a smoke test)")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    generator = "wrk" if shutil.which("wrk") else "asyncio+httpx"
    print(f"load generator: {generator}, {CLIENTS} clients, {size['seconds']} s per route (after {size['warmup']} s "
          f"warm-up); steward serve --workers {WORKERS}; {OP_CLIENTS} clients for reserve+consume\n")
    started = time.perf_counter()
    results: dict[str, Any] = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="steward-warehouse-") as tmpname:
        tmp = Path(tmpname)
        if args.backend in ("sqlite", "both"):
            try:
                site = pages.Site(tmp, "sqlite", f"sqlite:///{tmp / 'sqlite' / 'steward.db'}")
                results["sqlite"] = bench_backend("sqlite", site, size, tmp)
            except Exception as exc:
                errors.append(f"sqlite: {exc}")
        if args.backend in ("postgres", "both"):
            pg_name = f"steward_wh_{uuid.uuid4().hex[:10]}"
            try:
                asyncio.run(pages.pg_admin(f'CREATE DATABASE "{pg_name}"'))
                try:
                    site = pages.Site(tmp, "postgres", f"{pages.PG_SERVER}/{pg_name}")
                    results["postgres"] = bench_backend("postgres", site, size, tmp)
                finally:
                    asyncio.run(pages.pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            except Exception as exc:
                errors.append(f"postgres: {exc}")
    wanted = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    passed = not errors and all(b in results and passes(results[b]) for b in wanted)
    missing = sorted({f"{b}: {k}" for b, f in results.items() for k, v in f.items()
                      if isinstance(v, dict) and "missing" in v})
    print(f"\ntargets: stock list and stock card p95 < {TARGET_PAGE_P95_MS} ms, reorder job < {TARGET_REORDER_S} s: "
          f"{'PASS' if passed else 'FAIL'}  ({time.perf_counter() - started:.0f} s)")
    for item in missing:
        print(f"missing: {item}")
    for err in errors:
        print(f"error: {err}")
    print(json.dumps({"bench": "warehouse", "generator": generator, "clients": CLIENTS, "op_clients": OP_CLIENTS,
                      "workers": WORKERS, "quick": args.quick, "products": size["products"], "moves": size["moves"],
                      "rules": size["rules"], "results": results, "errors": errors,
                      "target_page_p95_ms": TARGET_PAGE_P95_MS, "target_reorder_s": TARGET_REORDER_S,
                      "pass": passed}, default=str))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
