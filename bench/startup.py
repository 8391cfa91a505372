"""Start-up and install benchmark (run by hand: `.venv/bin/python bench/startup.py`).

(a) Cold start: `steward serve` on an initialised SQLite database, from spawn to
    the first 200 on /healthz (median of 5), against a bare Litestar app with one
    /healthz route under uvicorn, measured the same way in the same run.
(b) Install: `steward init` (core + every built-in module) on a fresh SQLite and
    a fresh PostgreSQL database, against the wall time of `steward --help`.

Prints readable figures, then as the last line one JSON object with the
figures (seconds), ratios, targets and "pass".
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STEWARD = str(Path(sys.executable).parent / "steward")
PG_SERVER = os.environ.get("STEWARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
RUNS = 5
TARGET_COLD_START_S = 1.5
TARGET_INSTALL_S = 20.0
START_TIMEOUT_S = 60.0

BASELINE_APP = '''
import sys
import uvicorn
from litestar import Litestar, get

@get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}

uvicorn.run(Litestar([healthz]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
'''


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
        self.config = self.dir / "config.toml"
        self.config.write_text(f'[database]\nurl = "{db_url}"\n\n[log]\nlevel = "WARNING"\n')
        self.env = clean_env(STEWARD_VAR_DIR=str(self.dir / "var"))

    def steward(self, *args: str) -> list[str]:
        return [STEWARD, "--config", str(self.config), *args]


def timed_run(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return elapsed


def time_to_healthy(cmd: list[str], port: int, env: dict[str, str], log: Path) -> float:
    """Spawn `cmd`, poll /healthz every 10 ms until it answers 200; kill it; return seconds."""
    url = f"http://127.0.0.1:{port}/healthz"
    with log.open("w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            while True:
                elapsed = time.perf_counter() - started
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd[0]} exited {proc.returncode} before answering:\n"
                                       f"{log.read_text()[-2000:]}")
                if elapsed > START_TIMEOUT_S:
                    raise RuntimeError(f"no 200 from {url} within {START_TIMEOUT_S:.0f} s")
                try:
                    with urllib.request.urlopen(url, timeout=1) as resp:
                        if resp.status == 200:
                            return time.perf_counter() - started
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                time.sleep(0.01)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_SERVER + "/postgres", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f} s"


def main() -> int:
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as tmpname:
        tmp = Path(tmpname)
        print(f"steward: {STEWARD}\n")

        help_runs = [timed_run([STEWARD, "--help"], clean_env()) for _ in range(3)]
        help_s = statistics.median(help_runs)
        print(f"steward --help (python + imports), median of 3: {fmt(help_s)}")

        sqlite = Site(tmp, "sqlite", f"sqlite:///{tmp / 'sqlite' / 'steward.db'}")
        install_sqlite: float | None = None
        try:
            install_sqlite = timed_run(sqlite.steward("init"), sqlite.env)
        except Exception as exc:
            errors.append(f"install on SQLite: {exc}")
        print(f"steward init, fresh SQLite:     {fmt(install_sqlite)}")

        install_pg: float | None = None
        pg_name = f"steward_bench_{uuid.uuid4().hex[:10]}"
        try:
            asyncio.run(pg_admin(f'CREATE DATABASE "{pg_name}"'))
            try:
                pg = Site(tmp, "postgres", f"{PG_SERVER}/{pg_name}")
                install_pg = timed_run(pg.steward("init"), pg.env)
            finally:
                asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        except Exception as exc:
            errors.append(f"install on PostgreSQL: {exc}")
        print(f"steward init, fresh PostgreSQL: {fmt(install_pg)}")

        baseline_file = tmp / "baseline_app.py"
        baseline_file.write_text(BASELINE_APP)
        steward_runs: list[float] = []
        baseline_runs: list[float] = []
        if install_sqlite is not None:
            for i in range(RUNS):  # interleaved, so drift hits both alike
                try:
                    port = free_port()
                    baseline_runs.append(time_to_healthy(
                        [PYTHON, str(baseline_file), str(port)], port, clean_env(), tmp / "baseline.log"))
                    port = free_port()
                    steward_runs.append(time_to_healthy(
                        sqlite.steward("serve", "--port", str(port)), port, sqlite.env,
                        tmp / "serve.log"))
                except Exception as exc:
                    errors.append(f"cold start run {i + 1}: {exc}")
                    break
        cold = statistics.median(steward_runs) if len(steward_runs) == RUNS else None
        base = statistics.median(baseline_runs) if baseline_runs else None
        print(f"\ncold start to first 200 on /healthz, median of {RUNS}:")
        print(f"  steward serve (SQLite): {fmt(cold)}   runs: {[round(x, 3) for x in steward_runs]}")
        print(f"  bare Litestar+uvicorn:  {fmt(base)}   runs: {[round(x, 3) for x in baseline_runs]}")

    ratios = {
        "cold_start_vs_bare_litestar": ratio(cold, base),
        "install_sqlite_vs_help": ratio(install_sqlite, help_s),
        "install_postgres_vs_help": ratio(install_pg, help_s),
    }
    print(f"\nratios: cold start {ratios['cold_start_vs_bare_litestar']}x bare Litestar; "
          f"install {ratios['install_sqlite_vs_help']}x (SQLite) and "
          f"{ratios['install_postgres_vs_help']}x (PostgreSQL) `steward --help`")
    passed = (cold is not None and cold < TARGET_COLD_START_S
              and install_sqlite is not None and install_sqlite < TARGET_INSTALL_S
              and install_pg is not None and install_pg < TARGET_INSTALL_S)
    print(f"targets: cold start < {TARGET_COLD_START_S} s, install < {TARGET_INSTALL_S:.0f} s: "
          f"{'PASS' if passed else 'FAIL'}")
    for err in errors:
        print(f"error: {err}", file=sys.stderr, flush=True)
    rounded = {
        "cold_start_median_s": cold, "baseline_cold_start_median_s": base,
        "install_sqlite_s": install_sqlite, "install_postgres_s": install_pg,
        "steward_help_s": help_s,
    }
    result = {
        "figures": {k: None if v is None else round(v, 4) for k, v in rounded.items()},
        "ratios": ratios,
        "target_cold_start_s": TARGET_COLD_START_S,
        "target_install_s": int(TARGET_INSTALL_S),
        "pass": passed,
    }
    if errors:  # the last line of each (the full text went to stderr)
        result["errors"] = [e.split(":", 1)[0] + ": " + e.strip().splitlines()[-1] for e in errors]
    sys.stdout.flush()
    print(json.dumps(result), flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
