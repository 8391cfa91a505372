"""Litestar handlers for an `ApiResource`, typed precisely so the OpenAPI schema is.

The handlers are generated, so their signatures are set explicitly
(`__signature__` and `__annotations__`): Litestar reads both to parse the query,
validate the body against the resource's Structs and document them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from core.api.errors import EXCEPTION_HANDLERS, ApiError, ApiFieldErrors
from core.api.resource import MAX_LIMIT, context_of

if TYPE_CHECKING:
    from core.api.resource import ApiResource

RecordId = int
Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"Records per page (at most {MAX_LIMIT}).")]
After = Annotated[int | None, Parameter(description="Return records with an id above this (the previous "
                                                    "page's `next_after`).")]
Query = Annotated[str | None, Parameter(description="Case-insensitive text to look for.")]
Version = Annotated[int, Parameter(description="The version you read; a newer one on the server answers 409.")]

_P = inspect.Parameter


def _errors(*codes: int) -> dict[int, ResponseSpec]:
    specs = {code: ResponseSpec(data_container=ApiError, description=desc) for code, desc in (
        (400, "Malformed request (the body is not JSON)"), (401, "No valid token"), (403, "Missing permission"),
        (404, "No such record, or not visible to you"), (409, "Stale version, or the record is still in use"))}
    specs[422] = ResponseSpec(data_container=ApiFieldErrors, description="Invalid input, per field")
    # 400 replaces Litestar's generic validation answer: parameter and body errors come as 422 here.
    return {code: specs[code] for code in (400, *codes)}


def _typed(fn: Callable[..., Any], params: list[tuple[str, Any, Any]], returns: Any) -> Callable[..., Any]:
    """Give `fn` (taking `self, request, **kwargs`) the signature Litestar should see."""
    signature = [_P("self", _P.POSITIONAL_OR_KEYWORD), _P("request", _P.KEYWORD_ONLY, annotation=Request)]
    for name, annotation, default in params:
        signature.append(_P(name, _P.KEYWORD_ONLY, annotation=annotation, default=default))
    fn.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    fn.__annotations__ = {"request": Request, **{n: a for n, a, _ in params}, "return": returns}
    return fn


def _list(res: ApiResource) -> Any:
    async def list_records(self: Controller, request: Request, **kw: Any) -> Any:
        q, limit, after = kw.pop("q", None), kw.pop("limit"), kw.pop("after", None)
        return await res.read_page(await context_of(request), q, limit, after, kw)

    params: list[tuple[str, Any, Any]] = [("limit", Limit, 50), ("after", After, None)]
    if res.search:
        params.insert(0, ("q", Query, None))
    params += [(name, Annotated[kind | None, Parameter(description=f"Only records with this {name}.")], None)
               for name, kind in res.filters.items()]
    fn = _typed(list_records, params, res.page)
    return get("/", permission=res.read_permission, summary=f"List {res.name}",
               responses=_errors(401, 403, 422), operation_id=f"list_{res.name}")(fn)


def _get(res: ApiResource) -> Any:
    async def get_record(self: Controller, request: Request, record_id: int) -> Any:
        return await res.read_one(await context_of(request), record_id)

    fn = _typed(get_record, [("record_id", RecordId, _P.empty)], res.out)
    return get("/{record_id:int}", permission=res.read_permission, summary=f"Read one of {res.name}",
               responses=_errors(401, 403, 404), operation_id=f"get_{res.name}")(fn)


def _create(res: ApiResource) -> Any:
    async def create_record(self: Controller, request: Request, data: Any) -> Any:
        return await res.create_one(await context_of(request), data)

    fn = _typed(create_record, [("data", res.create, _P.empty)], res.out)
    return post("/", permission=res.write_permission, summary=f"Create one of {res.name}",
                responses=_errors(401, 403, 409, 422), operation_id=f"create_{res.name}")(fn)


def _update(res: ApiResource) -> Any:
    async def update_record(self: Controller, request: Request, record_id: int, data: Any) -> Any:
        return await res.update_one(await context_of(request), record_id, data)

    fn = _typed(update_record, [("record_id", RecordId, _P.empty), ("data", res.update, _P.empty)], res.out)
    return patch("/{record_id:int}", permission=res.write_permission, summary=f"Change one of {res.name}",
                 responses=_errors(401, 403, 404, 409, 422), operation_id=f"update_{res.name}")(fn)


def _delete(res: ApiResource) -> Any:
    async def delete_record(self: Controller, request: Request, record_id: int, version: int) -> None:
        await res.delete_one(await context_of(request), record_id, version)

    fn = _typed(delete_record, [("record_id", RecordId, _P.empty), ("version", Version, _P.empty)], None)
    return delete("/{record_id:int}", permission=res.write_permission, summary=f"Delete one of {res.name}",
                  responses=_errors(401, 403, 404, 409, 422), operation_id=f"delete_{res.name}")(fn)


def build_controller(res: ApiResource) -> type[Controller]:
    handlers = {"list_records": _list(res), "get_record": _get(res)}
    if res.create is not None:
        handlers["create_record"] = _create(res)
    if res.update is not None:
        handlers["update_record"] = _update(res)
        handlers["delete_record"] = _delete(res)
    name = "".join(part.capitalize() for part in res.name.replace("-", "_").split("_")) + "Api"
    attrs: dict[str, Any] = {
        "path": res.path, "include_in_schema": True, "tags": [res.name],
        "exception_handlers": EXCEPTION_HANDLERS, "security": [{"bearer": []}],
        "__doc__": res.summary or f"The {res.name} API.", **handlers,
    }
    return type(name, (Controller,), attrs)
