"""`GET /healthz`: liveness plus what this process serves; `GET /livez`: the process
answers at all. Neither needs a login."""

from __future__ import annotations

from litestar import MediaType, Request, get
from litestar.response import Response

from core.db.engine import is_sqlite
from core.modules.state import registry_version


@get("/healthz", public=True)
async def healthz(request: Request) -> Response:
    live = request.app.state.registry
    try:
        await registry_version()
    except Exception as exc:  # the database is unreachable or broken
        return Response({"status": "error", "error": str(exc)}, status_code=503)
    registry = await live.get()
    return Response(
        {
            "status": "ok",
            "database": "sqlite" if is_sqlite() else "postgresql",
            "modules": registry.names,
        }
    )


# Routes with this opt skip the session store and the user lookup (see guards, sessions).
PROBE = "probe"


@get("/livez", public=True, opt={PROBE: True}, media_type=MediaType.TEXT, sync_to_thread=False)
def livez() -> str:
    """Plain "ok" without touching the database or the session store."""
    return "ok"
