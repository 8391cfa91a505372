"""`python3 -m core up|test`: run or test Steward from a fresh clone.

Standard library only: this runs under the system python3 before anything is
installed. It creates `.venv/` in the repository root, installs the project
into it (again only when a pyproject.toml changed), then hands over to the
`steward` command or to the checks.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
EXAMPLE = ROOT / "examples" / "steward_example"
PG_HOST, PG_PORT = "127.0.0.1", 5432


def say(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def _requirements_hash() -> str:
    """Hash of every pyproject.toml that decides what gets installed."""
    digest = hashlib.sha256()
    for path in [ROOT / "pyproject.toml", *sorted(ROOT.glob("examples/*/pyproject.toml"))]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def ensure_venv(stamp_name: str, targets: list[str], also_ok: tuple[str, ...] = ()) -> None:
    """Create `.venv` if missing; `pip install` `targets` unless the stamp says it is current."""
    if not (BIN / "python").exists():
        say(f"creating {VENV.relative_to(ROOT)}/")
        if subprocess.run([sys.executable, "-m", "venv", str(VENV)]).returncode != 0:
            sys.exit(f"error: '{sys.executable} -m venv {VENV}' failed (is the venv module installed?)")
    wanted = _requirements_hash()
    stamps = [VENV / name for name in (stamp_name, *also_ok)]
    current = any(s.exists() and s.read_text().strip() == wanted for s in stamps)
    if current and (BIN / "steward").exists():
        return
    say(f"installing {' '.join(targets)} into .venv (first run takes a minute)")
    cmd = [str(BIN / "python"), "-m", "pip", "install", "--quiet", *targets]
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"error: '{' '.join(cmd)}' failed with exit code {result.returncode}")
    (VENV / stamp_name).write_text(wanted + "\n")


def cmd_up(host: str | None, port: int | None) -> int:
    # A dev install (`test`) includes everything `up` needs.
    ensure_venv(".steward-install", ["-e", "."], also_ok=(".steward-install-dev",))
    steward = str(BIN / "steward")
    say("steward init --demo")
    code = subprocess.run([steward, "init", "--demo"], cwd=ROOT).returncode
    if code != 0:
        return code
    args = [steward, "serve"]
    if host:
        args += ["--host", host]
    if port:
        args += ["--port", str(port)]
    say(" ".join(["steward", *args[1:]]))
    sys.stdout.flush()
    os.execv(steward, args)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def ensure_postgres() -> int:
    """0 when PostgreSQL answers on 127.0.0.1:5432, trying to start the local cluster once."""
    if _port_open(PG_HOST, PG_PORT):
        return 0
    etc = Path("/etc/postgresql")
    found = [p.name for p in etc.iterdir()] if etc.is_dir() else []
    versions = sorted(found, key=lambda v: [int(x) for x in v.split(".") if x.isdigit()])
    if versions and shutil.which("pg_ctlcluster"):
        print(f"PostgreSQL is down; starting cluster {versions[-1]}/main", flush=True)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"])
        for _ in range(60):
            if _port_open(PG_HOST, PG_PORT):
                return 0
            time.sleep(0.5)
    print(f"error: PostgreSQL is not reachable on {PG_HOST}:{PG_PORT} and could not be started"
          " (tried pg_ctlcluster). Start it, or run only the SQLite suite:"
          " .venv/bin/pytest with STEWARD_TEST_DB=sqlite.", file=sys.stderr, flush=True)
    return 1


def run_pytest_pair(pytest: list[str], results: list[tuple[str, float, int]]) -> int:
    """pytest on SQLite and on PostgreSQL at the same time (each test has its own database,
    so the runs are independent): SQLite's output streams, PostgreSQL's follows it."""
    say(f"[3/3] pytest on sqlite and postgres side by side: {' '.join([Path(pytest[0]).name, *pytest[1:]])}")
    started = time.monotonic()
    pg_code = ensure_postgres()
    with tempfile.TemporaryFile(mode="w+") as log:
        pg = subprocess.Popen(pytest, cwd=ROOT, env={**os.environ, "STEWARD_TEST_DB": "postgres"},
                              stdout=log, stderr=subprocess.STDOUT) if pg_code == 0 else None
        lite_code = subprocess.run(pytest, cwd=ROOT, env={**os.environ, "STEWARD_TEST_DB": "sqlite"}).returncode
        results.append(("pytest (sqlite)", time.monotonic() - started, lite_code))
        if pg is not None:
            pg_code = pg.wait()
            results.append(("pytest (postgres)", time.monotonic() - started, pg_code))
            say("pytest (postgres) output")
            log.seek(0)
            sys.stdout.write(log.read())
        else:
            results.append(("pytest (postgres)", 0.0, pg_code))
    return lite_code or pg_code


def cmd_test(pytest_args: list[str]) -> int:
    targets = ["-e", ".[dev]"]
    if (EXAMPLE / "pyproject.toml").exists():
        targets += ["-e", str(EXAMPLE.relative_to(ROOT))]
    ensure_venv(".steward-install-dev", targets)
    lint_paths = [p for p in ("core", "modules", "tests", "examples", "bench") if (ROOT / p).exists()]
    pytest = [str(BIN / "pytest"), *pytest_args]
    results: list[tuple[str, float, int]] = []
    code = 0
    for i, (name, cmd) in enumerate((("ruff", [str(BIN / "ruff"), "check", *lint_paths]),
                                     ("mypy", [str(BIN / "mypy")])), 1):
        say(f"[{i}/3] {name}: {' '.join([Path(cmd[0]).name, *cmd[1:]])}")
        started = time.monotonic()
        code = subprocess.run(cmd, cwd=ROOT).returncode
        results.append((name, time.monotonic() - started, code))
        if code != 0:
            break
    if code == 0:
        code = run_pytest_pair(pytest, results)
    say("summary")
    for name, seconds, rc in results:
        print(f"  {'ok  ' if rc == 0 else 'FAIL'}  {name:<18} {seconds:6.1f} s"
              + (f"  (exit code {rc})" if rc else ""))
    total = sum(seconds for _, seconds, _ in results[:2]) + max((r[1] for r in results[2:]), default=0.0)
    print(f"  {'passed' if code == 0 else 'FAILED'} in {total:.1f} s", flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m core",
        description="Run or test Steward from a fresh clone. Both commands create .venv/ in the "
        "repository root when missing and (re)install the project into it when a pyproject.toml "
        "changed since the last install.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{up,test}")
    up = sub.add_parser(
        "up", help="install, initialise a demo database (var/, SQLite) and serve it",
        description="Install into .venv, run 'steward init --demo' (idempotent: creates the SQLite "
        "database under var/ and prints the admin login), then 'steward serve'.",
    )
    up.add_argument("--host", help="interface to bind (default: web.host in config.toml)")
    up.add_argument("--port", type=int, help="port (default: web.port in config.toml)")
    sub.add_parser(
        "test", allow_abbrev=False, usage="python3 -m core test [-h] [pytest args...]",
        help="lint, type-check and run the test suite on SQLite and PostgreSQL",
        description="Install the dev extra (and examples/steward_example) into .venv, then run "
        "ruff, mypy, pytest on SQLite and pytest on PostgreSQL (127.0.0.1:5432), stopping at the "
        "first failure with its exit code. Any other arguments go to both pytest runs, e.g. "
        "'python3 -m core test -x -k partners'.",
    )
    args, extra = parser.parse_known_args(argv)
    os.chdir(ROOT)
    if args.command == "test":
        return cmd_test(extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return cmd_up(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
