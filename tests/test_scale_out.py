"""Two `steward serve` processes on one database agree on the installed modules."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.modules.discovery import discover

STEWARD = str(Path(sys.executable).parent / "steward")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


def wait_for(check, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def cluster(fresh_db: str, tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str]]]:
    cfg = tmp_path / "steward.toml"
    cfg.write_text(f'[database]\nurl = "{fresh_db}"\n[web]\nregistry_check_seconds = 0.2\n'
                   '[log]\nlevel = "WARNING"\n')
    env = {**os.environ, "STEWARD_CONFIG": str(cfg), "STEWARD_VAR_DIR": str(tmp_path / "var")}
    subprocess.run([STEWARD, "init"], env=env, check=True, capture_output=True, timeout=120)
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([STEWARD, "serve", "--port", str(p)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for base in bases:
            wait_for(lambda b=base: get(b + "/healthz")[0] == 200)
        yield bases, env
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


def modules_of(base: str) -> list[str]:
    return json.loads(get(base + "/healthz")[1])["modules"]


@pytest.mark.skipif("example" not in discover().manifests, reason="steward-example not installed")
def test_two_server_processes_follow_installs_made_by_a_third(cluster) -> None:
    bases, env = cluster
    assert all("example" not in modules_of(b) for b in bases)
    assert all(get(b + "/example/water-tests")[0] == 404 for b in bases)

    subprocess.run([STEWARD, "modules", "install", "example", "--yes"], env=env, check=True,
                   capture_output=True, timeout=120)
    for base in bases:
        wait_for(lambda b=base: "example" in modules_of(b))
        # The route exists now: it sends us to sign in instead of answering 404.
        with urllib.request.urlopen(base + "/example/water-tests", timeout=5) as resp:
            assert resp.status == 200 and "/login?next=/example/water-tests" in resp.url

    subprocess.run([STEWARD, "modules", "uninstall", "example", "--yes"], env=env, check=True,
                   capture_output=True, timeout=120)
    for base in bases:
        wait_for(lambda b=base: "example" not in modules_of(b))
        assert get(base + "/example/water-tests")[0] == 404
