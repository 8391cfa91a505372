"""The `steward` command."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from core import events
from core.db import engine as db
from core.db.migrations import MigrationError, make_migration, register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, builtin_names, discover
from core.modules.errors import ModuleError
from core.modules.state import INSTALLED, ModuleRecord, states
from core.settings import Settings, SettingsError, ensure_secret, load_settings

ADMIN_LOGIN = "admin"


class CliError(Exception):
    pass


_EXPECTED = (SettingsError, ModuleError, MigrationError, CliError)


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


@contextlib.asynccontextmanager
async def _database(settings: Settings, catalog: Catalog) -> AsyncIterator[None]:
    register_apps(catalog.manifests.values())
    events.use(catalog)
    db.configure(settings.database.url, settings.database.busy_timeout_seconds)
    try:
        owns = await db.start(pool_size=2)
    except OSError as exc:
        raise CliError(f"cannot reach the database at {settings.database.url}: {exc}") from exc
    try:
        yield
    finally:
        if owns:
            await db.stop()


def run_async(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Run an async command body inside a database session; turn known errors into one line."""

    @click.pass_context
    @functools.wraps(fn)
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        async def body() -> Any:
            settings = _settings(ctx)
            catalog = discover()
            async with _database(settings, catalog):
                return await fn(settings, catalog, *args, **kwargs)

        try:
            return asyncio.run(body())
        except _EXPECTED as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except Exception as exc:
            # Errors from services (bad login, unknown role...) carry their own message.
            if type(exc).__module__.startswith(("core.", "modules.")):
                click.echo(f"error: {exc}", err=True)
                sys.exit(1)
            raise

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (default: $STEWARD_CONFIG or config.toml).")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """Steward: service-management ERP."""
    try:
        from core.web.templating import check_theme

        settings = ensure_secret(load_settings(config))
        check_theme(settings)  # a theme that does not exist stops every command
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    logging.basicConfig(level=settings.log.level.upper(), format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"settings": settings}


async def _ensure_admin(settings: Settings) -> str | None:
    """Create the `admin` user if it does not exist yet; return its password."""
    from core.auth.models import User
    from core.auth.users import create_user

    if await User.exists().where(User.login == ADMIN_LOGIN).run():
        return None
    password = secrets.token_urlsafe(12)
    await create_user(ADMIN_LOGIN, password, ["admin"], name="Administrator")
    secret_file = settings.var_dir / "initial-admin-password"
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    secret_file.write_text(password + "\n")
    secret_file.chmod(0o600)
    return password


@main.command()
@click.option("--demo", is_flag=True, help="Also load the demo firm's data.")
@run_async
async def init(settings: Settings, catalog: Catalog, demo: bool) -> None:
    """Create or update the database: core, every built-in module, an admin user. Idempotent."""
    current = await states()
    wanted = [n for n in ["core", *builtin_names()] if current.get(n) != INSTALLED]
    if wanted:
        plan = await lifecycle.install(catalog, wanted, demo=demo)
        click.echo(f"installed: {', '.join(plan.modules)}")
    else:
        applied = await lifecycle.migrate(catalog)
        click.echo("database up to date" + (f" (migrated {', '.join(applied)})" if applied else ""))
    if demo:
        loaded = await lifecycle.load_demo(catalog)
        if loaded:
            click.echo(f"demo data loaded for: {', '.join(loaded)}")
    password = await _ensure_admin(settings)
    pw_file = settings.var_dir / "initial-admin-password"
    if password:
        click.echo(f"admin login: {ADMIN_LOGIN} / password: {password}  (also in {pw_file})")
    elif pw_file.exists():
        click.echo(f"admin login: {ADMIN_LOGIN} / password: {pw_file.read_text().strip()}  (from {pw_file})")


@main.command()
@run_async
async def demo(settings: Settings, catalog: Catalog) -> None:
    """Load demo data into every installed module that has none yet."""
    loaded = await lifecycle.load_demo(catalog)
    click.echo(f"demo data loaded for: {', '.join(loaded)}" if loaded else "demo data already loaded")


@main.command()
@run_async
async def migrate(settings: Settings, catalog: Catalog) -> None:
    """Apply pending migrations of every installed module."""
    applied = await lifecycle.migrate(catalog)
    click.echo(f"migrated: {', '.join(applied)}" if applied else "no pending migrations")


@main.command()
@click.option("--host", default=None, help="Interface to bind (default: web.host).")
@click.option("--port", default=None, type=int, help="Port (default: web.port).")
@click.option("--workers", default=1, type=click.IntRange(min=1), help="Worker processes (default: 1).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int) -> None:
    """Serve Steward over HTTP."""
    import uvicorn

    settings = _settings(ctx)
    try:
        asyncio.run(_check_initialised(settings))
    except _EXPECTED as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    host, port = host or settings.web.host, port or settings.web.port
    click.echo(f"Steward on http://{host}:{port}  ({settings.database.url})")
    if workers > 1:
        # Each worker process builds its own app from the same configuration file.
        if settings.source != "<defaults>":
            os.environ["STEWARD_CONFIG"] = str(Path(settings.source).resolve())
        os.environ["STEWARD_VAR_DIR"] = str(settings.var_dir)
        uvicorn.run("core.asgi:create", factory=True, workers=workers, host=host, port=port,
                    log_level=settings.log.level.lower(), lifespan="on")
        return
    from core.app import create_app

    uvicorn.run(create_app(settings, serving=True), host=host, port=port, log_level=settings.log.level.lower(),
                lifespan="on")


@main.command()
@click.option("--processes", default=None, type=int, help="Worker processes (default: jobs.processes).")
@click.option("--threads", default=None, type=int, help="Threads per process (default: jobs.threads).")
@click.pass_context
def worker(ctx: click.Context, processes: int | None, threads: int | None) -> None:
    """Run background jobs and the scheduler (for every broker)."""
    from core.jobs.worker import run_workers

    settings = _settings(ctx)
    try:
        asyncio.run(_check_initialised(settings))
    except _EXPECTED as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    run_workers(settings, processes or settings.jobs.processes, threads or settings.jobs.threads)


async def _check_initialised(settings: Settings) -> None:
    catalog = discover()
    async with _database(settings, catalog):
        current = await states()
        if current.get("core") != INSTALLED:
            raise CliError(f"database {settings.database.url} is not initialised: run 'steward init'")
        from core.db.migrations import pending

        behind = [n for n, s in current.items() if s == INSTALLED and n in catalog and await pending(n)]
        if behind:
            raise CliError(f"modules {', '.join(behind)} have pending migrations: run 'steward migrate'")


@main.command()
@click.argument("module")
@click.option("--description", "-d", default="", help="Short description for the file name.")
@run_async
async def makemigrations(settings: Settings, catalog: Catalog, module: str, description: str) -> None:
    """Generate a migration for MODULE from its current tables."""
    catalog[module]
    await make_migration(module, description)


# -- modules -----------------------------------------------------------------

@main.group()
def modules() -> None:
    """List, install, upgrade and uninstall modules."""


@modules.command("list")
@run_async
async def modules_list(settings: Settings, catalog: Catalog) -> None:
    """Show every visible module with version, state, summary and dependencies."""
    rows = {r["name"]: r for r in await ModuleRecord.select().run()} if await ModuleRecord.table_exists().run() else {}
    click.echo(f"{'NAME':<20} {'VERSION':<9} {'STATE':<12} {'DEPENDS':<24} SUMMARY")
    for name, m in catalog.manifests.items():
        row = rows.get(name)
        state = row["state"] if row else "uninstalled"
        if row and state == INSTALLED and row["version"] != m.version:
            state = f"upgradable ({row['version']}->{m.version})"
        depends = ",".join(m.depends) or "-"
        click.echo(f"{name:<20} {m.version:<9} {state:<12} {depends:<24} {m.summary}")


@modules.command("install")
@click.argument("names", nargs=-1, required=True)
@click.option("--demo/--no-demo", default=None, help="Load demo data (default: if the database has demo data).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@run_async
async def modules_install(settings: Settings, catalog: Catalog, names: tuple[str, ...],
                          demo: bool | None, yes: bool) -> None:
    """Install NAMES and their missing dependencies."""
    plan = await lifecycle.plan_install(catalog, names)
    click.echo(plan.describe())
    if plan.empty:
        return
    if not yes and not click.confirm("Proceed?", default=True):
        raise CliError("cancelled; nothing changed")
    await lifecycle.install(catalog, names, demo=demo)
    click.echo(f"installed: {', '.join(plan.modules)}")


@modules.command("upgrade")
@click.argument("names", nargs=-1, required=True)
@run_async
async def modules_upgrade(settings: Settings, catalog: Catalog, names: tuple[str, ...]) -> None:
    """Run new migrations of NAMES and reload their data."""
    plan = await lifecycle.upgrade(catalog, names)
    click.echo(f"upgraded: {', '.join(plan.modules)}")


@modules.command("uninstall")
@click.argument("names", nargs=-1, required=True)
@click.option("--cascade", is_flag=True, help="Also uninstall modules that depend on NAMES.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@run_async
async def modules_uninstall(settings: Settings, catalog: Catalog, names: tuple[str, ...],
                            cascade: bool, yes: bool) -> None:
    """Uninstall NAMES: drop their tables after showing what is lost."""
    plan = await lifecycle.plan_uninstall(catalog, names, cascade=cascade)
    click.echo(plan.describe())
    if not yes and not click.confirm("Drop these tables?", default=False):
        raise CliError("cancelled; nothing changed")
    await lifecycle.uninstall(catalog, plan)
    click.echo(f"uninstalled: {', '.join(plan.modules)}")


# -- users -------------------------------------------------------------------

@main.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.argument("login")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", "roles", multiple=True, required=True, help="Role name; repeat for several.")
@click.option("--name", default="", help="Full name.")
@run_async
async def users_create(settings: Settings, catalog: Catalog, login: str, password: str,
                       roles: tuple[str, ...], name: str) -> None:
    """Create user LOGIN with the given roles."""
    from core.auth.users import create_user

    user = await create_user(login, password, list(roles), name=name)
    click.echo(f"created user {user['login']} (id {user['id']}) with role(s) {', '.join(roles)}")


# -- API tokens --------------------------------------------------------------

@main.group()
def tokens() -> None:
    """Create, list and revoke JSON API tokens."""


@tokens.command("create")
@click.argument("login")
@click.argument("name")
@click.option("--days", type=int, default=None, help="Expire after N days (default: until revoked).")
@run_async
async def tokens_create(settings: Settings, catalog: Catalog, login: str, name: str, days: int | None) -> None:
    """Create token NAME for user LOGIN; the token is shown only this once."""
    from core.api.tokens import create_token

    token = await create_token(login, name, days=days)
    until = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "valid until revoked"
    click.echo(f"token {token.id} for {login} ({until}); store it now, it is not shown again:")
    click.echo(token.token)


@tokens.command("list")
@click.argument("login")
@run_async
async def tokens_list(settings: Settings, catalog: Catalog, login: str) -> None:
    """List the API tokens of user LOGIN."""
    from core.api.tokens import list_tokens

    click.echo(f"{'ID':<6} {'PREFIX':<13} {'STATE':<8} {'EXPIRES':<17} {'LAST USED':<17} NAME")
    for t in await list_tokens(login):
        state = "active" if t["active"] else "revoked"
        expires = f"{t['expires_at']:%Y-%m-%d %H:%M}" if t["expires_at"] else "-"
        used = f"{t['last_used']:%Y-%m-%d %H:%M}" if t["last_used"] else "never"
        click.echo(f"{t['id']:<6} {t['prefix']:<13} {state:<8} {expires:<17} {used:<17} {t['name']}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@run_async
async def tokens_revoke(settings: Settings, catalog: Catalog, token_id: int) -> None:
    """Revoke API token TOKEN_ID at once."""
    from core.api.tokens import revoke_token

    row = await revoke_token(token_id)
    click.echo(f"revoked token {token_id} ({row['name']})")


if __name__ == "__main__":
    main()
