"""`core.asgi:create`: the application factory for servers that start their own
worker processes (`steward serve --workers N`, or uvicorn/gunicorn by hand).

Each worker process imports this and builds its own app from the configuration
named by `STEWARD_CONFIG` (default `config.toml`) and the `STEWARD_*` environment.
"""

from __future__ import annotations

from litestar import Litestar


def create() -> Litestar:
    from core.app import create_app

    return create_app(serving=True)
