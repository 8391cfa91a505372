"""Pytest plugin with Steward's shared fixtures (loaded with `-p core.testing`),
usable by core's tests, built-in modules' tests and third-party modules alike.

Every database test runs on the engine named by STEWARD_TEST_DB.

`STEWARD_TEST_DB=sqlite` (default) uses a file per test under pytest's tmp dir;
`STEWARD_TEST_DB=postgres` creates a throw-away database on
STEWARD_TEST_PG (default postgresql://postgres@127.0.0.1:5432) and drops it after.
A core-installed template is built once per session and copied per test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from core import events
from core.db import engine as db
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.settings import ROOT, Settings, load_settings
from core.web.kit.calendar import forget_tables

BACKEND = os.environ.get("STEWARD_TEST_DB", "sqlite")
PG_SERVER = os.environ.get("STEWARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def pytest_report_header() -> str:
    return f"steward test database: {BACKEND}"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_SERVER + "/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Databases:
    """Creates and drops throw-away databases for the selected backend."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []

    async def create(self, template: str | None = None) -> str:
        name = f"steward_test_{uuid.uuid4().hex[:12]}"
        if BACKEND == "postgres":
            tpl = f" TEMPLATE {template}" if template else ""
            await _pg_admin(f'CREATE DATABASE "{name}"{tpl}')
            self.created.append(name)
            return f"{PG_SERVER}/{name}"
        path = self.tmp / f"{name}.db"
        if template:
            shutil.copy(self.tmp / f"{template}.db", path)
        return f"sqlite:///{path}"

    @staticmethod
    def name_of(url: str) -> str:
        return Path(url.rsplit("/", 1)[-1]).stem

    async def drop_all(self) -> None:
        for name in self.created:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """Every real module (built-in and installed distributions)."""
    return discover()


@pytest.fixture(scope="session")
async def databases(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    await db.stop()
    await dbs.drop_all()


async def use_database(url: str, catalog: Catalog) -> None:
    """Point the process's engine at `url` (closing the previous pool)."""
    await db.stop()
    register_apps(catalog.manifests.values())
    events.use(catalog)
    forget_tables()
    db.configure(url)
    await db.start(pool_size=5)


@pytest.fixture(scope="session")
async def core_template(databases: Databases, catalog: Catalog) -> str:
    url = await databases.create()
    await use_database(url, catalog)
    await lifecycle.install(catalog, ["core"])
    await db.stop()
    return databases.name_of(url)


@pytest.fixture
async def fresh_db(databases: Databases, catalog: Catalog) -> str:
    """An empty database, configured as the process's engine. Returns its URL."""
    url = await databases.create()
    await use_database(url, catalog)
    return url


@pytest.fixture
async def core_db(databases: Databases, catalog: Catalog, core_template: str) -> str:
    """A database with core installed (no demo data), configured as the engine."""
    await db.stop()  # PostgreSQL refuses to copy a template with open connections
    url = await databases.create(template=core_template)
    await use_database(url, catalog)
    return url


@pytest.fixture(scope="session")
def _module_templates() -> dict[tuple[str, ...], str]:
    return {}


@pytest.fixture
async def installed(databases: Databases, catalog: Catalog, core_template: str,
                    _module_templates: dict[tuple[str, ...], str]) -> Any:
    """`await installed("warehouse")`: a database with core and these modules installed (no
    demo data), configured as the engine. Each module set is installed once per session
    into a template that every test then copies, like `core_db`.

        @pytest.fixture
        async def warehouse_db(installed) -> str:
            return await installed("warehouse")
    """

    async def make(*names: str) -> str:
        key = tuple(sorted(names))
        if key not in _module_templates:
            await db.stop()
            url = await databases.create(template=core_template)
            await use_database(url, catalog)
            await lifecycle.install(catalog, list(key), demo=False)
            await db.stop()
            _module_templates[key] = databases.name_of(url)
        await db.stop()
        url = await databases.create(template=_module_templates[key])
        await use_database(url, catalog)
        return url

    return make


@pytest.fixture
def settings_for(tmp_path: Path):
    """Build Settings for a database URL, with var/ under the test's tmp dir."""

    def make(url: str, **web: Any) -> Settings:
        from dataclasses import replace

        cfg = tmp_path / "config.toml"
        cfg.touch()
        # No in-process job worker unless a test asks for one (tests/test_jobs_*.py do).
        s = load_settings(cfg, env={"STEWARD_DATABASE_URL": url, "STEWARD_VAR_DIR": str(tmp_path / "var"),
                                    "STEWARD_JOBS_EMBEDDED_WORKER": "false"})
        return replace(s, web=replace(s.web, **web)) if web else s

    return make


@pytest.fixture
def repo_root() -> Iterator[Path]:
    yield ROOT


@contextlib.asynccontextmanager
async def app_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for `app` running in *this* event loop, lifespan included.

    Litestar's AsyncTestClient runs the lifespan in a portal thread with its own
    loop; a PostgreSQL pool opened there cannot be used from the test's loop.
    """
    # Hooks are called directly rather than through `app.lifespan()`, whose task
    # group must exit in the task that entered it (pytest fixtures may not).
    for hook in app.on_startup:
        await app._call_lifespan_hook(hook)
    try:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        for hook in app.on_shutdown:
            await app._call_lifespan_hook(hook)


TEST_PASSWORD = "correct-horse-battery"


async def make_user(login: str, *, roles: tuple[str, ...] = (), permissions: tuple[str, ...] = (),
                    password: str = TEST_PASSWORD) -> dict[str, Any]:
    """A user with the given roles; `permissions` go to a personal role made for the test."""
    from core.auth.models import Role, RoleGrant
    from core.auth.users import create_user

    role_names = list(roles)
    if permissions:
        role = (await Role.insert(Role(name=f"test_{login}", label=login)).returning(Role._meta.primary_key).run())[0]
        await RoleGrant.insert(*[RoleGrant(role=role["id"], permission=p) for p in permissions]).run()
        role_names.append(f"test_{login}")
    return await create_user(login, password, role_names)


def csrf_token(client: httpx.AsyncClient) -> str:
    return client.cookies.get("steward_csrf") or ""


async def sign_in(client: httpx.AsyncClient, login: str, password: str = TEST_PASSWORD) -> httpx.Response:
    """Sign in through the real form (CSRF cookie first), as a browser would."""
    await client.get("/login")
    response = await client.post("/login", data={"login": login, "password": password,
                                                 "_csrf_token": csrf_token(client)})
    return response


async def post_form(client: httpx.AsyncClient, url: str, data: dict[str, Any], **kw: Any) -> httpx.Response:
    """POST a form with the CSRF field filled in."""
    return await client.post(url, data={**data, "_csrf_token": csrf_token(client)}, **kw)
