"""Serve Steward for browser tests: a fresh database with core, the given users and modules.

    python tests/browser/serve.py --dir DIR --port PORT [--module pkg.mod:MANIFEST ...]
        [--install NAME ...] [--user LOGIN:ROLE[,ROLE] ...] [--password PW] [--demo] [--core-demo]

Modules named with --module are test manifests (importable from tests/, like
fixture_modules.board:TASKBOARD) added to the discovered catalog. Users are created
before the modules are installed, so a module's demo data can refer to them.
--core-demo installs core with its demo firm (as `steward init --demo`: users eva, jan...
with password "steward-demo"); modules installed later then get their demo data too.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS.parent), str(TESTS)]

import uvicorn  # noqa: E402

from core.app import create_app  # noqa: E402
from core.auth.users import create_user  # noqa: E402
from core.db import engine as db  # noqa: E402
from core.db.migrations import register_apps  # noqa: E402
from core.modules import lifecycle  # noqa: E402
from core.modules.discovery import Catalog, discover  # noqa: E402
from core.modules.manifest import Manifest  # noqa: E402
from core.settings import Settings, load_settings  # noqa: E402


def manifest(ref: str) -> Manifest:
    module, _, attr = ref.partition(":")
    found = getattr(importlib.import_module(module), attr)
    assert isinstance(found, Manifest), f"{ref} is not a Manifest"
    return found


async def prepare(settings: Settings, catalog: Catalog, args: argparse.Namespace) -> None:
    register_apps(catalog.manifests.values())
    db.configure(settings.database.url)
    await db.start()
    await lifecycle.install(catalog, ["core"], demo=args.core_demo)
    for spec in args.user:
        login, _, roles = spec.partition(":")
        await create_user(login, args.password, [r for r in roles.split(",") if r], name=login)
    if args.install:
        await lifecycle.install(catalog, args.install, demo=args.demo)
    await db.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--module", action="append", default=[])
    parser.add_argument("--install", action="append", default=[])
    parser.add_argument("--user", action="append", default=[])
    parser.add_argument("--password", default="correct-horse-battery")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--core-demo", action="store_true")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    config = args.dir / "config.toml"
    config.write_text("")
    settings = load_settings(config, env={
        "STEWARD_DATABASE_URL": f"sqlite:///{args.dir / 'steward.db'}",
        "STEWARD_VAR_DIR": str(args.dir / "var"),
    })
    catalog = discover(extra=[manifest(ref) for ref in args.module])
    asyncio.run(prepare(settings, catalog, args))
    uvicorn.run(create_app(settings, catalog), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
