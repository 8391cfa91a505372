"""Who calls the JSON API: a bearer token, or (for reading only) the browser session.

Under `/api/` an `Authorization: Bearer <token>` header, when present, decides
who the caller is, even if a session cookie comes along: explicit credentials
beat ambient ones. A bad, expired or revoked token is a 401, never a fallback
to the session. Unsafe methods need the token: CSRF is not checked under
`/api/` (integrations have no CSRF cookie), so a session cookie alone must not
be able to write; a page on another site could otherwise make the browser do it.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from core.api import tokens

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def api_user_id(connection: ASGIConnection, session_user_id: int | None) -> int | None:
    """The user id an API request acts as (raises 401/403 as described above)."""
    header = connection.headers.get("authorization")
    if header is None:
        if session_user_id is not None and connection.scope.get("method", "GET") not in SAFE_METHODS:
            raise PermissionDeniedException("API changes need an 'Authorization: Bearer <token>' header")
        return session_user_id
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("use 'Authorization: Bearer <token>'")
    found = await tokens.user_of(token.strip())
    if found is None:
        raise NotAuthorizedException("invalid, expired or revoked API token")
    return found[1]
