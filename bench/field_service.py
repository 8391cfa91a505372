"""Field service benchmark (run by hand: `.venv/bin/python bench/field_service.py [--backend sqlite|postgres|both] [--quick]`).

For each backend: a temporary var dir and config, `steward init` (no demo data), a
signed-in manager, then a bulk seed in a child process (multi-row inserts: SQLite
`executemany`, PostgreSQL `COPY`, reusing bench/warehouse.py's Writer): 200 technicians in
10 teams with working hours and skills, 5k customers, 50k machines, 500k work orders over
two years (most done, this fortnight's scheduled on the technicians with their
assignments, a few thousand unscheduled and open), 5k open service requests on SLA
policies with an office-hours calendar and the Dutch holidays, and 10k maintenance plans
of which ~1.5% are due for their next visit.

Then, on `steward serve --workers 2` with 10 concurrent clients (wrk, else asyncio+httpx),
in the same run: `/livez` (plain text, the baseline), the dispatch board's week view of
this week (all 200 technicians) and the work order list, p50 and p95. Then, in a child
process with its own engine: the SLA job's service (`services.sla.check`) over the open
requests, and the maintenance generator (`services.plan.generate`) creating the due visits'
work orders with their parts kits reserved, each timed twice (the second run finds
nothing left to do).

Targets: pages p95 < 60 ms; each job < 10 s. Prints the figures beside the baseline, then
one JSON line with the figures, target_* and "pass". `--quick` is a small smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
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

import pages  # sibling benchmarks: Site, free_port, wait_until_up, pg_admin
import warehouse  # Writer, load, sign_in, status_of

ROOT = pages.ROOT
PYTHON, STEWARD = pages.PYTHON, pages.STEWARD
LOGIN, PASSWORD = warehouse.LOGIN, warehouse.PASSWORD
TARGET_PAGE_P95_MS = 60
TARGET_JOB_S = 10
JOB_LIMIT_S = 300

FULL = {"technicians": 200, "customers": 5_000, "equipment": 50_000, "work_orders": 500_000, "requests": 5_000,
        "plans": 10_000, "seconds": 8, "warmup": 2}
QUICK = {"technicians": 20, "customers": 200, "equipment": 2_000, "work_orders": 20_000, "requests": 300,
         "plans": 500, "seconds": 3, "warmup": 1}
MACHINES = (("BFS-ESP2", "Bench espresso 2-group", "espresso"), ("BFS-ESP3", "Bench espresso 3-group", "espresso"),
            ("BFS-BTC", "Bench bean-to-cup", "bean_to_cup"), ("BFS-GRD", "Bench grinder", "grinder"))
KINDS = ("repair", "preventive", "installation", "inspection", "repair", "preventive")
AUDIT = warehouse.AUDIT
ZONE = "Europe/Amsterdam"


def _at(day: dt.date, minutes: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), ZoneInfo(ZONE)).astimezone(dt.UTC)


async def seed(url: str, size: dict[str, int]) -> dict[str, Any]:
    """Bulk-load the benchmark's data; returns what was made and how long it took."""
    started = time.perf_counter()
    rng = random.Random(6)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    today = now.date()
    stamp = (now, now, 1)
    async with warehouse.Writer(url) as w:
        roles = dict(await w.rows("SELECT name, id FROM core_role"))
        await w.insert("core_user", (*AUDIT, "login", "name", "email", "password_hash", "language", "theme", "active"),
                       [(*stamp, f"bt{i:04d}", f"Bench Technician {i:04d}", f"bt{i}@bench.example", "!", "en", "", True)
                        for i in range(size["technicians"])])
        techs = [r[0] for r in await w.rows("SELECT id FROM core_user WHERE login LIKE 'bt%' ORDER BY id")]
        await w.insert("core_user_role", ("user", "role"), [(u, roles["technician"]) for u in techs])
        await w.insert("field_service_team", (*AUDIT, "name"), [(*stamp, f"Bench team {t:02d}") for t in range(10)])
        teams = [r[0] for r in await w.rows("SELECT id FROM field_service_team WHERE name LIKE 'Bench team%' ORDER BY id")]
        await w.insert("field_service_technician", (*AUDIT, "user", "team", "skills", "day_start", "day_end", "weekdays",
                                                    "hourly_cost", "active"),
                       [(*stamp, u, teams[i % len(teams)], rng.choice(("espresso", "espresso,grinder", "bean_to_cup")),
                         "08:00", "17:00", "12345", Decimal("40.00"), True) for i, u in enumerate(techs)])
        await w.insert("core_partner", (*AUDIT, "kind", "name", "reference", "is_customer", "email", "city", "country"),
                       [(*stamp, "organisation", f"Bench customer {i:05d}", f"BFC{i:05d}", True,
                         f"c{i}@customer.example", "Utrecht", "NL") for i in range(size["customers"])])
        customers = [r[0] for r in await w.rows("SELECT id FROM core_partner WHERE reference LIKE 'BFC%' ORDER BY id")]
        await w.insert("core_product", (*AUDIT, "code", "name", "kind", "unit", "sale_price", "cost", "tracking",
                                        "active"),
                       [(*stamp, code, name, "stockable", "unit", Decimal("4000"), Decimal("2500"), "serial", True)
                        for code, name, _skill in MACHINES])
        products = [r[0] for r in await w.rows("SELECT id FROM core_product WHERE code LIKE 'BFS-%' ORDER BY id")]
        equipment_rows = []
        for i in range(size["equipment"]):
            installed = today - dt.timedelta(days=rng.randrange(30, 2500))
            equipment_rows.append((*stamp, products[i % len(products)], f"BS-{i:06d}", customers[i % len(customers)],
                                   "Bar", "Street 1", "3511 AA", "Utrecht", installed,
                                   installed + dt.timedelta(days=730), installed + dt.timedelta(days=365), "good", True))
        await w.insert("field_service_equipment", (*AUDIT, "product", "serial", "partner", "site_name", "street",
                                                   "postcode", "city", "install_date", "parts_warranty_end",
                                                   "labour_warranty_end", "condition", "active"), equipment_rows)
        equipment = [(r[0], r[1]) for r in await w.rows(
            "SELECT id, partner FROM field_service_equipment WHERE serial LIKE 'BS-%' ORDER BY id")]
        del equipment_rows
        orders, upcoming = await _work_orders(w, rng, size, equipment, techs, today, stamp)
        await _requests(w, rng, size, equipment, techs, now, stamp)
        await _plans(w, rng, size, equipment, techs, today, stamp)
    return {**{k: size[k] for k in ("technicians", "customers", "equipment", "requests", "plans")},
            "work_orders": orders, "this_fortnight": upcoming, "seconds": round(time.perf_counter() - started, 1)}


async def _work_orders(w: Any, rng: random.Random, size: dict[str, int], equipment: list[tuple[int, int]],
                       techs: list[int], today: dt.date, stamp: tuple) -> tuple[int, int]:
    """Two years of work orders, numbered per year; the last and next week's are scheduled."""
    total, upcoming, number = size["work_orders"], 0, {}
    columns = (*AUDIT, "number", "partner", "equipment", "kind", "priority", "state", "description",
               "scheduled_start", "scheduled_end", "started_at", "done_at", "billing_state", "not_billable_reason",
               "team")
    assignment_cols = (*AUDIT, "work_order", "user", "planned_start", "planned_end", "lead")
    batch_size = 20_000
    for first in range(0, total, batch_size):
        rows, plans = [], []
        last = (await w.rows("SELECT coalesce(max(id), 0) FROM field_service_work_order"))[0][0]
        for n in range(first, min(total, first + batch_size)):
            # Spread over 730 days back to 14 days ahead; the newest share lands around today.
            offset = 14 - int(744 * (1 - (n / total)) ** 1.0)
            day = today + dt.timedelta(days=offset)
            if day.weekday() > 4:
                day -= dt.timedelta(days=day.weekday() - 4)
            number[day.year] = number.get(day.year, 0) + 1
            eq, partner = equipment[n % len(equipment)]
            tech = techs[(n * 7) % len(techs)]
            start = _at(day, 8 * 60 + 30 * rng.randrange(0, 16))
            end = start + dt.timedelta(minutes=rng.choice((60, 90, 120)))
            if offset < -1:
                # (Billing is not measured here: no invoices, so nothing is "billed".)
                state, billing = rng.choice((("closed", "to_bill"), ("done", "to_bill"), ("closed", "not_billable")))
                done = end
            elif rng.random() < 0.15:
                state, billing, done = "new", "to_bill", None
                start = end = None
            else:
                state, billing, done = ("in_progress" if offset == 0 else "scheduled"), "to_bill", None
                upcoming += 1
            rows.append((*stamp, f"WO/{day.year}/{number[day.year]:06d}", partner, eq, KINDS[n % len(KINDS)],
                         rng.choice(("low", "normal", "normal", "high")), state, f"Bench job {n}", start, end,
                         start if done else None, done, billing,
                         "Covered by the service contract" if billing == "not_billable" else "", None))
            plans.append((tech, start, end))
        await w.insert("field_service_work_order", columns, rows)
        ids = [r[0] for r in await w.rows(f"SELECT id FROM field_service_work_order WHERE id > {last} ORDER BY id")]
        await w.insert("field_service_assignment", assignment_cols,
                       [(*stamp, wo, tech, start, end, True) for wo, (tech, start, end) in zip(ids, plans, strict=True)
                        if start is not None])
    return total, upcoming


async def _requests(w: Any, rng: random.Random, size: dict[str, int], equipment: list[tuple[int, int]],
                    techs: list[int], now: dt.datetime, stamp: tuple) -> None:
    from modules.field_service.demo.setup import dutch_holidays  # the demo's holiday list

    await w.insert("field_service_calendar", (*AUDIT, "name", "weekdays", "day_start", "day_end"),
                   [(*stamp, "Bench office hours", "12345", "08:00", "17:00")])
    cal = (await w.rows("SELECT id FROM field_service_calendar WHERE name = 'Bench office hours'"))[0][0]
    await w.insert("field_service_holiday", (*AUDIT, "calendar", "day", "name"),
                   [(*stamp, cal, day, name) for year in (now.year - 1, now.year, now.year + 1)
                    for day, name in dutch_holidays(year)])
    policies = {}
    for priority, response, resolution in (("low", 16, 80), ("normal", 8, 40), ("high", 4, 16), ("urgent", 2, 8)):
        await w.insert("field_service_sla_policy", (*AUDIT, "name", "priority", "response_hours", "resolution_hours",
                                                    "warn_percent", "calendar", "active"),
                       [(*stamp, f"Bench {priority}", priority, Decimal(response), Decimal(resolution), 80, cal, True)])
        policies[priority] = ((await w.rows(
            f"SELECT id FROM field_service_sla_policy WHERE name = 'Bench {priority}'"))[0][0], response, resolution)
    rows = []
    for n in range(size["requests"]):
        priority = rng.choice(("low", "normal", "normal", "high", "urgent"))
        policy, response, resolution = policies[priority]
        created = now - dt.timedelta(hours=rng.uniform(0, 8))
        eq, partner = equipment[(n * 13) % len(equipment)]
        # Rough deadlines (calendar hours x 3); most were answered already. A few warn or breach
        # on the first run (each sends its mails); the job's business-hour test decides.
        responded = created + dt.timedelta(minutes=20) if rng.random() < 0.8 else None
        rows.append((*stamp, f"SR/B/{n:06d}", partner, eq, "repair", priority, "phone", f"Bench request {n}",
                     rng.choice(("new", "assigned", "assigned")), techs[n % len(techs)], policy,
                     created + dt.timedelta(hours=response * 3), created + dt.timedelta(hours=resolution * 3),
                     responded, "ok"))
    await w.insert("field_service_request", (*AUDIT, "number", "partner", "equipment", "kind", "priority", "channel",
                                             "description", "state", "assignee", "sla", "response_due",
                                             "resolution_due", "responded_at", "sla_state"), rows)


async def _plans(w: Any, rng: random.Random, size: dict[str, int], equipment: list[tuple[int, int]],
                 techs: list[int], today: dt.date, stamp: tuple) -> None:
    await w.insert("field_service_job_type", (*AUDIT, "name", "kind", "duration_minutes", "skills", "hourly_rate",
                                              "active"),
                   [(*stamp, "Bench yearly service", "preventive", 90, "", Decimal("89.50"), True)])
    job_type = (await w.rows("SELECT id FROM field_service_job_type WHERE name = 'Bench yearly service'"))[0][0]
    await w.insert("field_service_check_template", (*AUDIT, "job_type", "sequence", "label", "kind", "unit", "required"),
                   [(*stamp, job_type, 10 * i, label, "passfail", "", True)
                    for i, label in enumerate(("Descaled", "Gaskets replaced", "Leak test"), 1)])
    rows = []
    for n in range(size["plans"]):
        due = today + dt.timedelta(days=10 if rng.random() < 0.015 else rng.randrange(30, 365))
        eq = equipment[(n * 5) % len(equipment)][0]
        rows.append((*stamp, f"Bench plan {n}", eq, job_type, 12, 14, techs[n % len(techs)], due, False, True))
    await w.insert("field_service_maintenance_plan", (*AUDIT, "name", "equipment", "job_type", "interval_months",
                                                      "lead_days", "preferred", "next_due", "overdue", "active"), rows)


def seed_in_process(site: pages.Site, size: dict[str, int]) -> dict[str, Any]:
    return in_child(site, f"seed({site.url!r}, {size!r})", timeout=900)


# -- jobs, in a child process ---------------------------------------------------------------

async def jobs(url: str) -> dict[str, Any]:
    """The SLA job and the maintenance generator, each twice; seconds and what they did."""
    from core.db import engine as db
    from modules.field_service.services import plan, sla

    await warehouse._engine(url, 5)
    try:
        out: dict[str, Any] = {}
        for name, run in (("sla", lambda: sla.check()), ("plans", lambda: plan.generate())):
            timings, did = [], []
            for _n in range(2):
                started = time.perf_counter()
                result = await run()
                timings.append(round(time.perf_counter() - started, 2))
                did.append(result if isinstance(result, dict) else {"created": len(result.created),
                                                                    "unreserved": len(result.unreserved),
                                                                    "overdue": result.overdue})
            out[name] = {"seconds": timings[0], "second_run_s": timings[1], "first": did[0], "second": did[1]}
        return out
    finally:
        await db.stop()


def in_child(site: pages.Site, call: str, timeout: float = 900) -> dict[str, Any]:
    code = (f"import asyncio, json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import field_service; "
            f"print('RESULT ' + json.dumps(asyncio.run(field_service.{call}), default=str))")
    out = subprocess.run([PYTHON, "-c", code], env=site.env, cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"{call[:40]} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(line[7:]))


# -- pages ----------------------------------------------------------------------------------

def measure_pages(name: str, site: pages.Site, size: dict[str, int], tmp: Path) -> dict[str, Any]:
    port = pages.free_port()
    base = f"http://127.0.0.1:{port}"
    log = site.dir / "serve.log"
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    figures: dict[str, Any] = {}
    with log.open("w") as out:
        proc = subprocess.Popen([STEWARD, "--config", str(site.config), "serve", "--port", str(port),
                                 "--workers", str(warehouse.WORKERS)], env=site.env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        pages.wait_until_up(base, proc, log)
        cookie = warehouse.sign_in(base)
        routes = (("plain", ["/livez"]), ("dispatch_week", [f"/field-service/dispatch?view=week&date={monday}"]),
                  ("work_order_list", ["/field-service/work-orders"]))
        for key, paths in routes:
            code = warehouse.status_of(base, paths[0], cookie)
            if code != 200:
                figures[key] = {"missing": f"GET {paths[0]} answered {code}"}
                print(f"[{name}] {key:16s} {paths[0]:44s} missing (answered {code})")
                continue
            warehouse.load(base, paths, cookie, size["warmup"], tmp)
            f = figures[key] = warehouse.load(base, paths, cookie, size["seconds"], tmp)
            print(f"[{name}] {key:16s} {paths[0]:44s} {f['rps']:8.1f} req/s  p50 {f['p50_ms']:7.2f} ms  "
                  f"p95 {f['p95_ms']:7.2f} ms")
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    plain = figures["plain"]["rps"]
    for key in ("dispatch_week", "work_order_list"):
        if "rps" in figures.get(key, {}):
            figures[f"{key}_ratio"] = round(figures[key]["rps"] / plain, 4)
    return figures


def bench_backend(name: str, site: pages.Site, size: dict[str, int], tmp: Path) -> dict[str, Any]:
    site.run("init")
    site.run("users", "create", LOGIN, "--password", PASSWORD, "--role", "manager")
    seeded = seed_in_process(site, size)
    print(f"[{name}] seeded {seeded['technicians']} technicians, {seeded['equipment']} machines, "
          f"{seeded['work_orders']} work orders ({seeded['this_fortnight']} planned around today), "
          f"{seeded['requests']} requests, {seeded['plans']} plans in {seeded['seconds']} s")
    figures: dict[str, Any] = {"seed": seeded}
    figures.update(measure_pages(name, site, size, tmp))
    for key in ("dispatch_week", "work_order_list"):
        if f"{key}_ratio" in figures:
            print(f"[{name}] {key}/plain {figures[f'{key}_ratio']:.3f}")
    try:
        done = in_child(site, f"jobs({site.url!r})", timeout=JOB_LIMIT_S)
    except subprocess.TimeoutExpired:
        done = {"aborted_after_s": JOB_LIMIT_S}
    figures["jobs"] = done
    if "aborted_after_s" in done:
        print(f"[{name}] jobs still running after {JOB_LIMIT_S} s, stopped")
    else:
        for key, label in (("sla", "SLA job"), ("plans", "maintenance generator")):
            j = done[key]
            print(f"[{name}] {label:22s} {j['seconds']:6.2f} s {j['first']}; second run {j['second_run_s']:.2f} s "
                  f"{j['second']}")
    return figures


def passes(f: dict[str, Any]) -> bool:
    pages_ok = all("p95_ms" in f.get(k, {}) and f[k]["p95_ms"] < TARGET_PAGE_P95_MS
                   for k in ("dispatch_week", "work_order_list"))
    jobs = f.get("jobs", {})
    jobs_ok = all("seconds" in jobs.get(k, {}) and jobs[k]["seconds"] < TARGET_JOB_S for k in ("sla", "plans"))
    return pages_ok and jobs_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="small data and short runs (a smoke test)")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    generator = "wrk" if shutil.which("wrk") else "asyncio+httpx"
    print(f"load generator: {generator}, {warehouse.CLIENTS} clients, {size['seconds']} s per route (after "
          f"{size['warmup']} s warm-up); steward serve --workers {warehouse.WORKERS}\n")
    started = time.perf_counter()
    results: dict[str, Any] = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="steward-field-service-") as tmpname:
        tmp = Path(tmpname)
        if args.backend in ("sqlite", "both"):
            try:
                site = pages.Site(tmp, "sqlite", f"sqlite:///{tmp / 'sqlite' / 'steward.db'}")
                results["sqlite"] = bench_backend("sqlite", site, size, tmp)
            except Exception as exc:
                errors.append(f"sqlite: {exc}")
        if args.backend in ("postgres", "both"):
            pg_name = f"steward_fs_{uuid.uuid4().hex[:10]}"
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
    print(f"\ntargets: dispatch week and work order list p95 < {TARGET_PAGE_P95_MS} ms, SLA job and maintenance "
          f"generator < {TARGET_JOB_S} s: {'PASS' if passed else 'FAIL'}  ({time.perf_counter() - started:.0f} s)")
    for err in errors:
        print(f"error: {err}")
    print(json.dumps({"bench": "field_service", "generator": generator, "clients": warehouse.CLIENTS,
                      "workers": warehouse.WORKERS, "quick": args.quick, **{k: size[k] for k in (
                          "technicians", "equipment", "work_orders", "requests", "plans")},
                      "results": results, "errors": errors, "target_page_p95_ms": TARGET_PAGE_P95_MS,
                      "target_job_s": TARGET_JOB_S, "pass": passed}, default=str))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
