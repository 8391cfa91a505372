"""Jobs benchmark (run by hand: `.venv/bin/python bench/jobs.py`).

On a fresh PostgreSQL database, for the embedded broker and for Redis:
(a) a raw Dramatiq no-op actor on that broker (baseline, this process, THREADS threads);
(b) Steward's no-op job (run tracking, module gating) in one `steward worker` process
    running as many jobs at once as (a) has threads (`jobs.threads`);
(c) Steward's realistic job (one row update + audit entry + idempotency claim, in one
    transaction) in two worker processes.
Rates are messages / (last finish - first start), so process start-up is not counted;
(a) and (b) alternate, best of ROUNDS each, since load on a shared machine varies.
Targets: (b) costs at most 30% of (a)'s rate on each broker; (c) reaches 300 jobs/s on
PostgreSQL + Redis. Prints readable figures, then one JSON line with the figures,
target_* values and "pass".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import multiprocessing
import os
import sys
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import dramatiq  # noqa: E402

from core.db import engine as db  # noqa: E402
from core.db.audit import AuditEntry  # noqa: E402
from core.jobs.idempotency import claim  # noqa: E402
from core.modules.manifest import Job, Manifest  # noqa: E402
from core.partners.models import Partner  # noqa: E402

PG_SERVER = os.environ.get("STEWARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("STEWARD_BENCH_REDIS", "redis://127.0.0.1:6379/0")
NOOP_N = 3000
REAL_N = 3000
THREADS = 8
ROUNDS = 2
PARTNERS = 200
TARGET_MAX_OVERHEAD = 0.30
TARGET_REALISTIC_PER_S = 300.0


async def noop(n: int) -> None:
    return None


async def realistic(partner_id: int, n: int) -> None:
    async with db.transaction():
        if not await claim(f"bench:{n}"):
            return
        await Partner.update({Partner.version: Partner.version + 1, Partner.updated_at: dt.datetime.now(dt.UTC)}
                             ).where(Partner.id == partner_id).run()
        await AuditEntry.insert(AuditEntry(table_name="core_partner", record_id=partner_id, action="write",
                                           field="version")).run()


BENCH = Manifest(name="jobbench", version="1.0.0", summary="Benchmark jobs", depends=("core",),
                 jobs=(Job(noop, queue="bench"), Job(realistic, queue="bench")))


def worker_child(settings, threads: int) -> None:  # type: ignore[no-untyped-def]
    from core.jobs.worker import run_process

    run_process(settings, threads, (BENCH,))


# -- raw Dramatiq baseline -----------------------------------------------------

def raw_rate(broker: dramatiq.Broker, n: int) -> float:
    lock, times = threading.Lock(), []

    def raw_noop(i: int) -> None:
        with lock:
            times.append(time.perf_counter())

    actor = dramatiq.Actor(raw_noop, broker=broker, actor_name="raw_noop", queue_name="rawbench", priority=0,
                           options={})
    for i in range(n):
        actor.send(i)
    worker = dramatiq.Worker(broker, worker_threads=THREADS, worker_timeout=100)
    worker.start()
    while len(times) < n:
        time.sleep(0.01)
    worker.stop()
    return n / (max(times) - min(times))


# -- Steward -------------------------------------------------------------------

async def steward_rate(settings, catalog, job: str, n: int, processes: int) -> float:  # type: ignore[no-untyped-def]
    from core.jobs.broker import configure
    from core.jobs.enqueue import send
    from core.jobs.models import JobRun

    system = configure(settings, catalog)
    first = (await JobRun.raw("SELECT COALESCE(MAX(id), 0) AS m FROM core_job_run").run())[0]["m"]
    for i in range(n):
        await send(system, job, (i % PARTNERS + 1, i) if job.endswith("realistic") else (i,))
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=worker_child, args=(settings, THREADS)) for _ in range(processes)]
    for child in children:
        child.start()
    try:
        while await JobRun.count().where((JobRun.id > first) & (JobRun.state == "done")).run() < n:
            await asyncio.sleep(0.2)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.join()
    row = (await JobRun.raw("SELECT MIN(started_at) AS a, MAX(finished_at) AS b FROM core_job_run WHERE id > {}",
                            first).run())[0]
    return n / (row["b"] - row["a"]).total_seconds()


async def fresh_database() -> str:
    name = f"steward_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(PG_SERVER + "/postgres")
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return name


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_SERVER + "/postgres")
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def measure(broker_url: str) -> dict[str, float]:
    from core.jobs.embedded import EmbeddedBroker
    from core.modules import lifecycle
    from core.modules.discovery import discover
    from core.settings import load_settings
    from core.testing import use_database

    name = await fresh_database()
    url = f"{PG_SERVER}/{name}"
    catalog = discover((BENCH,))
    try:
        await use_database(url, catalog)
        await lifecycle.install(catalog, ["core", "jobbench"])
        await Partner.insert(*[Partner(name=f"Bench {i}") for i in range(PARTNERS)]).run()
        base = load_settings(ROOT / "config.toml", env={"STEWARD_DATABASE_URL": url})
        prefix = f"b{uuid.uuid4().hex[:8]}_"
        settings = replace(base, broker=replace(base.broker, url=broker_url),
                           jobs=replace(base.jobs, queue_prefix=prefix, threads=THREADS))
        raws, stewards = [], []
        # Alternate the two, best of ROUNDS each: on a shared machine, load comes and goes.
        for _ in range(ROUNDS):
            if broker_url == "embedded":
                raw_broker: dramatiq.Broker = EmbeddedBroker(url)
            else:
                from dramatiq.brokers.redis import RedisBroker

                raw_broker = RedisBroker(url=broker_url, namespace=f"rawbench{prefix}")
            raws.append(await asyncio.to_thread(raw_rate, raw_broker, NOOP_N))
            raw_broker.flush_all()
            raw_broker.close()
            stewards.append(await steward_rate(settings, catalog, "jobbench.noop", NOOP_N, 1))
        raw, steward = max(raws), max(stewards)
        real = await steward_rate(settings, catalog, "jobbench.realistic", REAL_N, 2)
        return {"raw_noop_per_s": round(raw, 1), "steward_noop_per_s": round(steward, 1),
                "overhead": round(1 - steward / raw, 3), "realistic_2proc_per_s": round(real, 1)}
    finally:
        await db.stop()
        from core.jobs.broker import reset

        reset()
        await drop_database(name)


async def main() -> int:
    results = {}
    for label, url in (("embedded_pg", "embedded"), ("redis_pg", REDIS)):
        started = time.monotonic()
        results[label] = await measure(url)
        r = results[label]
        print(f"{label:12} raw no-op {r['raw_noop_per_s']:8.1f}/s  steward no-op {r['steward_noop_per_s']:8.1f}/s"
              f"  overhead {r['overhead'] * 100:5.1f}%  realistic (2 processes) {r['realistic_2proc_per_s']:7.1f}/s"
              f"  ({time.monotonic() - started:.0f} s)", flush=True)
    passed = (all(r["overhead"] <= TARGET_MAX_OVERHEAD for r in results.values())
              and results["redis_pg"]["realistic_2proc_per_s"] >= TARGET_REALISTIC_PER_S)
    print(f"targets: overhead <= {TARGET_MAX_OVERHEAD:.0%} on each broker, realistic on PostgreSQL + Redis >= "
          f"{TARGET_REALISTIC_PER_S:.0f}/s: {'PASS' if passed else 'FAIL'}")
    print(json.dumps({**{f"{k}_{m}": v for k, r in results.items() for m, v in r.items()},
                      "noop_n": NOOP_N, "realistic_n": REAL_N, "threads": THREADS,
                      "target_max_overhead": TARGET_MAX_OVERHEAD, "target_realistic_per_s": TARGET_REALISTIC_PER_S,
                      "pass": passed}), flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
