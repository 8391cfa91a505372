"""Signed-in page throughput (run by hand: `.venv/bin/python bench/pages.py [--backend sqlite|postgres|both]`).

For each backend: a temporary var dir and config, `steward init` (no demo data),
100k partners seeded through Piccolo in batched transactions, a manager user,
then `steward serve --workers 2`. One signed-in session (GET /login for the CSRF
cookie, POST the form) is shared by 10 concurrent clients, which load-test for a
fixed duration each, in the same run on the same server:

(a) `/livez`: plain text, no database and no session (the baseline);
(b) `/contacts/partners`: the partner list page;
(c) `/contacts/partners?q=jan` with `HX-Request: true`: the live-search rows fragment.
    The partner list keeps pages per process while the partner and territory tables are
    unchanged (`ListSpec(cache=True)`), so after its first request this measures the
    kept page: one revision query, the rendering and the framework;
(d) the same fragment with `Cache-Control: no-cache`, which reads afresh: the search itself
    (printed with its ratio for information; the targets are those of the issue, on a-c).

The load generator is `wrk` (with a Lua script for the cookie and headers and a
p95 report) when installed, else an asyncio + httpx generator in a separate
process. Prints rps, p50, p95, the ratios (b)/(a) and (c)/(a) and the gzipped
weight of the first page (HTML + its CSS and JS), then one JSON line with the
figures, the targets and "pass".
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STEWARD = str(Path(sys.executable).parent / "steward")
PG_SERVER = os.environ.get("STEWARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
PARTNERS = 100_000
BATCH = 1_000
CLIENTS = 10
WORKERS = 2
DURATION_S = 8
WARMUP_S = 2
LOGIN, PASSWORD = "bench", "bench-password-1"
TARGET_LIST_P95_MS = 40
TARGET_PAGE_RATIO = 0.05
TARGET_FRAGMENT_RATIO = 0.10
TARGET_FIRST_PAGE_KB_GZ = 100

FIRST = ["Jan", "Anna", "Pieter", "Sanne", "Kees", "Eva", "Bram", "Lotte", "Daan", "Noor", "Sem",
         "Femke", "Tomasz", "Sophie", "Ruben", "Iris", "Jeroen", "Marieke", "Hans", "Fleur", "Janneke"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
        "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
        "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs", "Vermeulen", "van Dijk"]
TRADES = ["Koffie", "Horeca", "Lunchroom", "Bakkerij", "Hotel", "Brasserie", "Kantoor", "Catering",
          "Espressobar", "Zorggroep", "Sportcentrum", "Camping"]
FORMS = ["B.V.", "V.O.F.", "& Zn.", "Groep", "Holding B.V.", ""]
CITIES = [("Amsterdam", "10"), ("Rotterdam", "30"), ("Utrecht", "35"), ("Den Haag", "25"),
          ("Eindhoven", "56"), ("Groningen", "97"), ("Tilburg", "50"), ("Almere", "13"),
          ("Breda", "48"), ("Nijmegen", "65"), ("Arnhem", "68"), ("Haarlem", "20"),
          ("Zwolle", "80"), ("Maastricht", "62"), ("Leiden", "23"), ("Apeldoorn", "73")]
TERRITORIES = [("NORTH", "Noord", "97,80"), ("RANDSTAD", "Randstad", "10,13,20,23,25,30,35"),
               ("EAST", "Oost", "65,68,73"), ("SOUTH", "Zuid", "48,50,56,62")]

WRK_SCRIPT = """
wrk.method = "GET"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["Accept"] = "text/html"
wrk.headers["Accept-Encoding"] = "gzip"
if os.getenv("BENCH_HX") == "1" then wrk.headers["HX-Request"] = "true" end
if os.getenv("BENCH_FRESH") == "1" then wrk.headers["Cache-Control"] = "no-cache" end
done = function(summary, latency, requests)
  io.write(string.format('BENCH {"requests": %d, "seconds": %f, "errors": %d, "non2xx": %d, '
    .. '"p50_ms": %f, "p95_ms": %f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""

# The fallback generator, run as its own process so it does not share the bench's loop.
HTTPX_LOADGEN = """
import asyncio, json, sys, time
import httpx

url, cookie, hx, clients, seconds = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4]), float(sys.argv[5])
fresh = sys.argv[6] == "1"
headers = {"cookie": cookie, "accept": "text/html", "accept-encoding": "gzip"}
if hx:
    headers["hx-request"] = "true"
if fresh:
    headers["cache-control"] = "no-cache"

async def client(end, lat, errs):
    async with httpx.AsyncClient(headers=headers, timeout=30) as c:
        while time.perf_counter() < end:
            t = time.perf_counter()
            try:
                r = await c.get(url)
                if r.status_code != 200:
                    errs.append(r.status_code)
            except httpx.HTTPError:
                errs.append(0)
            lat.append(time.perf_counter() - t)

async def main():
    lat, errs = [], []
    start = time.perf_counter()
    await asyncio.gather(*[client(start + seconds, lat, errs) for _ in range(clients)])
    took = time.perf_counter() - start
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0.0
    print("BENCH " + json.dumps({"requests": len(lat), "seconds": took, "errors": errs.count(0),
          "non2xx": len(errs) - errs.count(0), "p50_ms": pick(0.5), "p95_ms": pick(0.95)}))

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    return {**env, **extra}


class Site:
    """A temporary config.toml + var/ pointing at one database."""

    def __init__(self, tmp: Path, name: str, db_url: str) -> None:
        self.dir = tmp / name
        self.dir.mkdir()
        self.url = db_url
        self.config = self.dir / "config.toml"
        self.config.write_text(f'[database]\nurl = "{db_url}"\n\n[log]\nlevel = "WARNING"\n\n'
                               '[jobs]\nembedded_worker = false\n')
        self.env = clean_env(STEWARD_VAR_DIR=str(self.dir / "var"), STEWARD_CONFIG=str(self.config))

    def run(self, *args: str) -> str:
        cmd = [STEWARD, "--config", str(self.config), *args]
        result = subprocess.run(cmd, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {result.returncode}:\n{result.stderr[-2000:]}")
        return result.stdout


# -- seeding --------------------------------------------------------------------------

def partner_values(rng: random.Random, territories: dict[str, int], n: int) -> dict[str, Any]:
    city, prefix = rng.choice(CITIES)
    territory = next((tid for code, tid in territories.items()
                      if prefix in dict((c, p) for c, _, p in TERRITORIES)[code].split(",")), None)
    if rng.random() < 0.4:
        name = f"{rng.choice(TRADES)} {rng.choice(LAST)} {rng.choice(FORMS)}".strip()
        kind, email = "organisation", f"info{n}@{name.split()[0].lower()}.example"
    else:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name, kind = f"{first} {last}", "person"
        email = f"{first.lower()}.{last.replace(' ', '').lower()}{n}@example.nl"
    return {
        "kind": kind, "name": name, "reference": f"P{n:06d}", "email": email,
        "phone": f"+31 6 {rng.randrange(10_000_000, 99_999_999)}", "street": f"{rng.choice(LAST)}straat {rng.randint(1, 300)}",
        "postcode": f"{prefix}{rng.randint(10, 99)} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}{rng.choice('ABDEFHKLNPRSTX')}",
        "city": city, "country": "NL", "territory": territory, "is_customer": rng.random() < 0.7,
        "is_supplier": rng.random() < 0.1, "language": "nl",
    }


async def seed(url: str, count: int) -> float:
    """Insert `count` partners (and the territories) in batches, each in one transaction."""
    from core.db import engine as db
    from core.db.migrations import register_apps
    from core.modules.discovery import discover
    from core.partners.models import Partner, Territory

    register_apps(discover().manifests.values())
    db.configure(url)
    await db.start(pool_size=2)
    started = time.perf_counter()
    try:
        async with db.transaction():
            await Territory.insert(*[Territory(code=c, name=n, postcodes=p) for c, n, p in TERRITORIES]).run()
        territories = {r["code"]: r["id"] for r in await Territory.select(Territory.id, Territory.code).run()}
        rng = random.Random(42)
        for start in range(0, count, BATCH):
            rows = [Partner(**partner_values(rng, territories, n)) for n in range(start, min(count, start + BATCH))]
            async with db.transaction():
                await Partner.insert(*rows).run()
        if not db.is_sqlite():
            # What autovacuum does to a table after a bulk insert (PostgreSQL >= 13 vacuums
            # insert-only tables too): statistics, and the visibility map that lets an
            # index-only scan skip the table, as on any database that has been running.
            await Partner.raw("VACUUM (ANALYZE) core_partner").run()
        else:
            await Partner.raw("ANALYZE").run()
    finally:
        await db.stop()
    return time.perf_counter() - started


def seed_in_process(site: Site) -> float:
    """Seed in a child process so the bench itself holds no engine or pool."""
    code = f"import asyncio, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import pages; " \
           f"print(asyncio.run(pages.seed({site.url!r}, {PARTNERS})))"
    out = subprocess.run([PYTHON, "-c", code], env=site.env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{out.stderr[-3000:]}")
    return float(out.stdout.strip().splitlines()[-1])


# -- serving and signing in --------------------------------------------------------------

def wait_until_up(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"steward serve exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/livez", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"steward serve did not answer within {timeout:.0f} s")


def sign_in(base: str) -> str:
    """The Cookie header of a signed-in session (session + CSRF cookies)."""
    import httpx

    with httpx.Client(base_url=base, timeout=10) as client:
        client.get("/login")
        token = client.cookies.get("steward_csrf") or ""
        r = client.post("/login", data={"login": LOGIN, "password": PASSWORD, "_csrf_token": token})
        if r.status_code not in (302, 303) or "steward_session" not in client.cookies:
            raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:300]}")
        check = client.get("/contacts/partners", headers={"accept": "text/html"})
        if check.status_code != 200 or "<table" not in check.text:
            raise RuntimeError(f"partner list not served after sign-in: {check.status_code}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def first_page_weight(base: str, cookie: str) -> dict[str, int]:
    """Gzipped bytes of /contacts/partners and every stylesheet and script it loads."""
    import httpx

    with httpx.Client(base_url=base, timeout=10, headers={"cookie": cookie, "accept": "text/html"}) as c:
        html = c.get("/contacts/partners").text
        assets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
        assets += re.findall(r'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', html)
        assets += re.findall(r'<script[^>]+src="([^"]+)"', html)
        sizes = {"/contacts/partners": len(gzip.compress(html.encode(), 9))}
        for url in dict.fromkeys(assets):
            r = c.get(urllib.parse.urljoin(base + "/contacts/partners", url))
            r.raise_for_status()
            sizes[url] = len(gzip.compress(r.content, 9))
    return sizes


# -- load --------------------------------------------------------------------------------

def load(url: str, cookie: str, hx: bool, fresh: bool, seconds: float, tmp: Path) -> dict[str, float]:
    env = {**os.environ, "BENCH_COOKIE": cookie, "BENCH_HX": "1" if hx else "0", "BENCH_FRESH": "1" if fresh else "0"}
    if shutil.which("wrk"):
        script = tmp / "bench.lua"
        script.write_text(WRK_SCRIPT)
        cmd = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    else:
        cmd = [PYTHON, "-c", HTTPX_LOADGEN, url, cookie, "1" if hx else "0", str(CLIENTS), str(seconds),
               "1" if fresh else "0"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"load generator failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    r = json.loads(line[6:])
    if r["errors"] or r["non2xx"]:
        raise RuntimeError(f"{url}: {r['errors']} socket errors, {r['non2xx']} non-2xx answers")
    return {"rps": round(r["requests"] / r["seconds"], 1), "p50_ms": round(r["p50_ms"], 2),
            "p95_ms": round(r["p95_ms"], 2)}


ROUTES = (("plain", "/livez", False, False), ("page", "/contacts/partners", False, False),
          ("fragment", "/contacts/partners?q=jan", True, False),
          ("fragment_fresh", "/contacts/partners?q=jan", True, True))


def bench_backend(name: str, site: Site, tmp: Path) -> dict[str, Any]:
    site.run("init")
    site.run("users", "create", LOGIN, "--password", PASSWORD, "--role", "manager")
    seeded = seed_in_process(site)
    print(f"[{name}] seeded {PARTNERS} partners in {seeded:.1f} s")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = site.dir / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([STEWARD, "--config", str(site.config), "serve", "--port", str(port),
                                 "--workers", str(WORKERS)], env=site.env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(base, proc, log)
        cookie = sign_in(base)
        figures: dict[str, Any] = {}
        for key, path, hx, fresh in ROUTES:
            load(base + path, cookie, hx, fresh, WARMUP_S, tmp)
            figures[key] = load(base + path, cookie, hx, fresh, DURATION_S, tmp)
            f = figures[key]
            print(f"[{name}] {key:14s} {path:28s} {f['rps']:9.1f} req/s  p50 {f['p50_ms']:6.2f} ms  "
                  f"p95 {f['p95_ms']:6.2f} ms")
        sizes = first_page_weight(base, cookie)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    plain = figures["plain"]["rps"]
    figures["page_ratio"] = round(figures["page"]["rps"] / plain, 4)
    figures["fragment_ratio"] = round(figures["fragment"]["rps"] / plain, 4)
    figures["fragment_fresh_ratio"] = round(figures["fragment_fresh"]["rps"] / plain, 4)
    figures["first_page_kb_gz"] = round(sum(sizes.values()) / 1024, 1)
    figures["first_page_parts_gz"] = sizes
    print(f"[{name}] page/plain {figures['page_ratio']:.3f}  fragment/plain {figures['fragment_ratio']:.3f}  "
          f"(read afresh {figures['fragment_fresh_ratio']:.3f})  "
          f"first page {figures['first_page_kb_gz']} KB gzipped ({len(sizes)} files)")
    return figures


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_SERVER + "/postgres", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def passes(f: dict[str, Any]) -> bool:
    return (f["page"]["p95_ms"] < TARGET_LIST_P95_MS and f["page_ratio"] >= TARGET_PAGE_RATIO
            and f["fragment_ratio"] >= TARGET_FRAGMENT_RATIO and f["first_page_kb_gz"] < TARGET_FIRST_PAGE_KB_GZ)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    generator = "wrk" if shutil.which("wrk") else "asyncio+httpx"
    print(f"load generator: {generator}, {CLIENTS} clients, {DURATION_S} s per route "
          f"(after {WARMUP_S} s warm-up); steward serve --workers {WORKERS}\n")
    results: dict[str, Any] = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="steward-pages-") as tmpname:
        tmp = Path(tmpname)
        if args.backend in ("sqlite", "both"):
            try:
                results["sqlite"] = bench_backend("sqlite", Site(tmp, "sqlite", f"sqlite:///{tmp / 'sqlite' / 'steward.db'}"), tmp)
            except Exception as exc:
                errors.append(f"sqlite: {exc}")
        if args.backend in ("postgres", "both"):
            pg_name = f"steward_pages_{uuid.uuid4().hex[:10]}"
            try:
                asyncio.run(pg_admin(f'CREATE DATABASE "{pg_name}"'))
                try:
                    results["postgres"] = bench_backend("postgres", Site(tmp, "postgres", f"{PG_SERVER}/{pg_name}"), tmp)
                finally:
                    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            except Exception as exc:
                errors.append(f"postgres: {exc}")
    wanted = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    passed = not errors and all(b in results and passes(results[b]) for b in wanted)
    print(f"\ntargets: list p95 < {TARGET_LIST_P95_MS} ms, page >= {TARGET_PAGE_RATIO:.0%} and fragment >= "
          f"{TARGET_FRAGMENT_RATIO:.0%} of plain text, first page < {TARGET_FIRST_PAGE_KB_GZ} KB gzipped: "
          f"{'PASS' if passed else 'FAIL'}")
    for err in errors:
        print(f"error: {err}")
    print(json.dumps({"bench": "pages", "generator": generator, "clients": CLIENTS, "workers": WORKERS,
                      "partners": PARTNERS, "results": results, "errors": errors,
                      "target_list_p95_ms": TARGET_LIST_P95_MS, "target_page_ratio": TARGET_PAGE_RATIO,
                      "target_fragment_ratio": TARGET_FRAGMENT_RATIO,
                      "target_first_page_kb_gz": TARGET_FIRST_PAGE_KB_GZ, "pass": passed}))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
