"""`ApiResource`: a table exposed as REST endpoints, declared in a few lines.

    PARTNERS = ApiResource("partners", Partner, PartnerOut, permission="core.partner",
                           create=PartnerCreate, update=PartnerUpdate, check=check_partner,
                           search=("name", "email"), filters={"is_customer": bool})
    PART = Part(controllers=(PARTNERS.controller,))

gives `/api/v1/partners`: list (`?q=`, filters, `?limit=`, keyset `?after=<id>`),
`GET/PATCH/DELETE /api/v1/partners/{id}` and `POST /api/v1/partners`; without
`create`/`update` the resource is read-only. Reads need `<permission>.read`,
writes `<permission>.write`; record rules apply on every path (an invisible
record is a 404, and a write may not move a record out of the caller's sight);
writes go through `core.db.records` (version check, audit log). A module adds
its own resources the same way in its manifest.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar import Controller, Request
from litestar.exceptions import NotFoundException, PermissionDeniedException
from piccolo.columns import ForeignKey, OnDelete
from piccolo.table import Table

from core.api.errors import Conflict, FieldErrors, integrity_as_conflict
from core.auth.current import CurrentUser, current_user
from core.auth.rules import restrict, visible
from core.db import records
from core.db.engine import transaction
from core.db.search import contains_any
from core.i18n import _
from core.registry import Registry

API_ROOT = "/api/v1"
MAX_LIMIT = 200


@dataclass(frozen=True)
class ApiContext:
    """Who asks and what is installed: what checks need to judge references."""

    user: CurrentUser
    registry: Registry

    async def can_see(self, table: type[Table], record_id: int) -> bool:
        return await visible(self.registry, table, self.user, record_id)


# (values after the change, the stored record or None on create, context) -> {field: message}
Check = Callable[[dict[str, Any], dict[str, Any] | None, ApiContext], Awaitable[dict[str, str]]]
# Adds computed fields (a user's roles) to rows about to be answered.
Enrich = Callable[[list[dict[str, Any]]], Awaitable[None]]


async def context_of(request: Request) -> ApiContext:
    user = current_user(request)
    assert user is not None  # the guard let the request through
    return ApiContext(user, await request.app.state.registry.get())


def values_of(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a client sent (UNSET ones left out), `version` excluded."""
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET and k != "version"}


@dataclass(frozen=True)
class ApiResource:
    name: str
    table: type[Table]
    out: type[msgspec.Struct]
    permission: str  # "<module>.<concept>": reads need .read, writes .write
    create: type[msgspec.Struct] | None = None
    update: type[msgspec.Struct] | None = None  # every field UNSET by default, plus `version: int`
    check: Check | None = None
    search: tuple[str, ...] = ()
    filters: Mapping[str, Any] = field(default_factory=dict)
    enrich: Enrich | None = None
    summary: str = ""

    @property
    def path(self) -> str:
        return f"{API_ROOT}/{self.name}"

    @property
    def read_permission(self) -> str:
        return f"{self.permission}.read"

    @property
    def write_permission(self) -> str:
        return f"{self.permission}.write"

    @functools.cached_property
    def page(self) -> type[msgspec.Struct]:
        """One page of a list: the records and the `after` value for the next page (null on the last)."""
        name = self.out.__name__.removesuffix("Out") + "Page"
        return msgspec.defstruct(name, [("items", list[self.out]), ("next_after", int | None)])  # type: ignore[name-defined]

    @functools.cached_property
    def controller(self) -> type[Controller]:
        from core.api.handlers import build_controller

        return build_controller(self)

    # -- reading ---------------------------------------------------------------

    @property
    def _columns(self) -> list[Any]:
        names = {c._meta.name for c in self.table._meta.columns}
        return [self.table._meta.get_column_by_name(f) for f in self.out.__struct_fields__ if f in names]

    async def _answer(self, rows: list[dict[str, Any]]) -> list[msgspec.Struct]:
        if self.enrich is not None and rows:
            await self.enrich(rows)
        return [msgspec.convert(row, self.out) for row in rows]

    async def read_page(self, ctx: ApiContext, q: str | None, limit: int, after: int | None,
                        filters: Mapping[str, Any]) -> msgspec.Struct:
        t = self.table
        query = t.select(*self._columns).order_by(t._meta.primary_key).limit(limit + 1)
        if after is not None:
            query = query.where(t._meta.primary_key > after)
        for name, value in filters.items():
            if value is not None:
                query = query.where(t._meta.get_column_by_name(name) == value)
        if q and q.strip() and self.search:
            columns = [t._meta.get_column_by_name(c) for c in self.search]
            query = query.where(contains_any(columns, q.strip()))
        rows = await restrict(query, ctx.registry, t, ctx.user).run()
        more = len(rows) > limit
        rows = rows[:limit]
        return self.page(items=await self._answer(rows), next_after=rows[-1]["id"] if more else None)

    async def _row(self, ctx: ApiContext, record_id: int) -> dict[str, Any]:
        """The full stored record, if the caller may see it; else 404 (existing or not)."""
        t = self.table
        query = t.select().where(t._meta.primary_key == record_id)
        row = await restrict(query, ctx.registry, t, ctx.user).first().run()
        if row is None:
            raise NotFoundException(_("No record %(id)s in %(what)s.", what=self.name, id=record_id))
        return row

    async def read_one(self, ctx: ApiContext, record_id: int) -> msgspec.Struct:
        row = await self._row(ctx, record_id)
        return (await self._answer([dict(row)]))[0]

    # -- writing ---------------------------------------------------------------

    async def _checked(self, ctx: ApiContext, values: dict[str, Any], current: dict[str, Any] | None) -> None:
        if self.check is not None:
            errors = await self.check(values if current is None else {**current, **values}, current, ctx)
            if errors:
                raise FieldErrors(errors)

    async def _keep_visible(self, ctx: ApiContext, record_id: int) -> None:
        # Inside the write's transaction: raising here undoes the write.
        if not await ctx.can_see(self.table, record_id):
            raise PermissionDeniedException(_("Your access rules do not allow this record to be saved like this."))

    async def create_one(self, ctx: ApiContext, data: msgspec.Struct) -> msgspec.Struct:
        values = values_of(data)
        await self._checked(ctx, values, None)
        with integrity_as_conflict():
            async with transaction():
                row = await records.create(self.table, values)
                await self._keep_visible(ctx, row["id"])
        return await self.read_one(ctx, row["id"])

    async def update_one(self, ctx: ApiContext, record_id: int, data: msgspec.Struct) -> msgspec.Struct:
        current = await self._row(ctx, record_id)
        changes = values_of(data)
        await self._checked(ctx, changes, current)
        try:
            with integrity_as_conflict():
                async with transaction():
                    await records.update(self.table, record_id, changes, version=data.version)  # type: ignore[attr-defined]
                    await self._keep_visible(ctx, record_id)
        except records.StaleRecordError as exc:
            raise stale(exc) from exc
        except records.RecordNotFound as exc:  # deleted since we read it
            raise NotFoundException(str(exc)) from exc
        return await self.read_one(ctx, record_id)

    async def delete_one(self, ctx: ApiContext, record_id: int, version: int) -> None:
        await self._row(ctx, record_id)
        users = await references_to(ctx.registry, self.table, record_id)
        if users:
            raise Conflict(_("Still used by %(users)s; it cannot be deleted.", users=", ".join(users)))
        try:
            with integrity_as_conflict():
                await records.delete(self.table, record_id, version=version)
        except records.StaleRecordError as exc:
            raise stale(exc) from exc
        except records.RecordNotFound as exc:  # deleted since we read it
            raise NotFoundException(str(exc)) from exc


def stale(exc: records.StaleRecordError) -> Conflict:
    return Conflict(_("Someone else changed this record (you sent version %(sent)s, it is now at version "
                      "%(now)s). Read it again and reapply your change.", sent=exc.expected, now=exc.current))


async def references_to(registry: Registry, table: type[Table], record_id: int) -> list[str]:
    """`<table> (<count>)` for every installed table whose restricting foreign keys point at the
    record (cascading ones go with it, as the database would do)."""
    found = []
    for manifest in registry.manifests:
        for other in manifest.tables:
            for column in other._meta.foreign_key_columns:
                target = column._foreign_key_meta.resolved_references
                if target._meta.tablename != table._meta.tablename or not isinstance(column, ForeignKey):
                    continue
                if column._foreign_key_meta.on_delete not in (OnDelete.restrict, OnDelete.no_action):
                    continue
                count = await other.count().where(column == record_id).run()
                if count:
                    found.append(f"{other._meta.tablename} ({count})")
    return found


def patch_of(create: type[msgspec.Struct], name: str) -> type[msgspec.Struct]:
    """The update Struct of a resource: the create fields, each optional (UNSET when not
    sent, so only what the client sends changes), plus the required `version`."""
    hints = typing.get_type_hints(create, include_extras=True)
    fields: list[Any] = [("version", int)]
    fields += [(f, hints[f] | msgspec.UnsetType, msgspec.UNSET) for f in create.__struct_fields__]
    return msgspec.defstruct(name, fields, forbid_unknown_fields=True, kw_only=True)
