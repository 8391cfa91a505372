"""Browser tests: a real Steward server (tests/browser/serve.py in a subprocess, on a free
port, against a fresh SQLite database) and headless Debian Chromium through Playwright.
Skipped when /usr/bin/chromium is missing; run once, on SQLite, even when the suite runs
with STEWARD_TEST_DB=postgres (the server's database is its own, not the suite's).

A test module chooses what the server has by overriding fixtures:
`live_modules` (test manifests to add, "pkg.module:MANIFEST"), `live_install` (modules
to install), `live_users` ({login: roles}) and `live_demo` (load the modules' demo data).
Tests that can share a site use the module-scoped `demo_site` instead (the demo firm, as
`steward init --demo` leaves it) and `open_page()` (a fresh context whose console is
recorded, with `.csp` violations and `.shot(name)` into $STEWARD_BROWSER_SHOTS).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SERVE = Path(__file__).with_name("serve.py")
PASSWORD = "correct-horse-battery"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class LiveServer:
    url: str
    database: Path
    password: str = PASSWORD

    def sign_in(self, page: Any, login: str, password: str | None = None) -> None:
        """Sign in through the real form; returns on the page the sign-in leads to."""
        page.goto(f"{self.url}/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", password or self.password)
        with page.expect_navigation():
            page.click("form[action^='/login'] button[type=submit]")


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"test server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"test server did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def live_modules() -> tuple[str, ...]:
    return ()


@pytest.fixture
def live_install() -> tuple[str, ...]:
    return ()


@pytest.fixture
def live_users() -> dict[str, tuple[str, ...]]:
    return {"admin": ("admin",)}


@pytest.fixture
def live_demo() -> bool:
    return False


@contextlib.contextmanager
def start_live_server(directory: Path, *, modules: tuple[str, ...] = (), install: tuple[str, ...] = (),
                      users: dict[str, tuple[str, ...]] | None = None, demo: bool = False,
                      core_demo: bool = False) -> Iterator[LiveServer]:
    """Serve a fresh site from `directory` until the block ends (for module-scoped servers)."""
    port = free_port()
    command = [sys.executable, str(SERVE), "--dir", str(directory / "site"), "--port", str(port),
               "--password", PASSWORD]
    command += [arg for ref in modules for arg in ("--module", ref)]
    command += [arg for name in install for arg in ("--install", name)]
    command += [arg for login, roles in (users or {}).items() for arg in ("--user", f"{login}:{','.join(roles)}")]
    command += ["--demo"] if demo else []
    command += ["--core-demo"] if core_demo else []
    log = directory / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, log)
        yield LiveServer(url=url, database=directory / "site" / "steward.db")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def live_server(tmp_path: Path, live_modules: tuple[str, ...], live_install: tuple[str, ...],
                live_users: dict[str, tuple[str, ...]], live_demo: bool) -> Iterator[LiveServer]:
    with start_live_server(tmp_path, modules=live_modules, install=live_install, users=live_users,
                           demo=live_demo) as server:
        yield server


@pytest.fixture(scope="module", autouse=True)
def browser_tests_wanted() -> None:
    """Before any server starts: skip without Chromium, and on the PostgreSQL pass (the live
    server always uses its own SQLite database, so that pass would only repeat the SQLite one)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian Chromium at {CHROMIUM} (apt-get install chromium)")
    if os.environ.get("STEWARD_TEST_DB", "sqlite") != "sqlite":
        pytest.skip("browser tests run in the SQLite pass only: the live server uses its own SQLite database")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (never a downloaded browser build). Module-scoped: while
    Playwright's sync API is active it owns the thread's event loop, which the async
    tests of other files need back."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


SHOTS = Path(os.environ.get("STEWARD_BROWSER_SHOTS", "/tmp/browser_shots"))


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per test module, as `steward init --demo` leaves it: the demo firm (eva the
    manager, jan the technician... password "steward-demo") plus `admin` (password PASSWORD)."""
    with start_live_server(tmp_path_factory.mktemp("site"), users={"admin": ("admin",)},
                           core_demo=True) as server:
        yield server


@dataclass
class Watched:
    """A page with what its console said; `csp` lists Content Security Policy violations."""

    page: Any
    console: list[str]
    errors: list[str]

    @property
    def csp(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]

    def shot(self, name: str) -> None:
        # caret="initial": hiding the caret injects a <style> into the page, which htmx later
        # moves (history restore) and the CSP then reports, though the app did nothing wrong.
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, caret="initial")


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """`open_page(js=True)`: a page in a fresh context (own cookies), its console recorded."""
    contexts: list[Any] = []

    def factory(js: bool = True) -> Watched:
        context = browser.new_context(java_script_enabled=js, viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        watched = Watched(page, [], [])
        page.on("console", lambda msg: watched.console.append(f"{msg.text} [{page.url} {msg.location.get('url')}:"
                                                              f"{msg.location.get('lineNumber')}]"))
        page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
        return watched

    yield factory
    for context in contexts:
        context.close()
