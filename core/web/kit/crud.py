"""The CRUD controller factory: one `Resource` declaration -> a Litestar Controller.

Routes under `resource.path`: the list (`/`; htmx gets only the `rows` block),
`/export.csv`, `/new`, `/{id}`, `/{id}/edit` and `/options` (many2one search).
Every read goes through the record rules: a record the user may not see answers
404 on the detail page, the edit form, the export and the options alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Stream, Template

from core.db.records import DuplicateValue, RecordNotFound, StaleRecordError
from core.db.revisions import TaggedCache
from core.i18n import _
from core.web.flash import flash
from core.web.kit import resource as svc
from core.web.kit.actions import posted_version, who
from core.web.kit.export import csv_lines
from core.web.kit.forms import initial, many2one_options, submitted, validate
from core.web.kit.lists import Page, fetch_page, filter_options, parse_state
from core.web.kit.resource import Resource
from core.web.pages import page, wants_block

PAGE_CACHE = "kit.list_pages"  # the app's TaggedCache of list pages, in its state
# A page of 50 rows with its rendered rows is some 45 KB: at most about 12 MB per process.
PAGE_CACHE_SIZE = 256


def _needs_currency(res: Resource) -> bool:
    return any(c.format == "money" and not c.currency for c in res.list.columns) or any(
        f.kind == "money" and not f.currency for f in res.form.fields)


async def _currency(res: Resource) -> str:
    return await svc.company_currency() if _needs_currency(res) else "EUR"


def page_cache(request: Request) -> TaggedCache[Page] | None:
    """The process's kept list pages (one cache per app), or None when the request asks
    for a fresh read (`Cache-Control: no-cache`, as a browser's hard reload sends)."""
    if "no-cache" in request.headers.get("cache-control", ""):
        return None
    state = request.app.state
    cache = state.get(PAGE_CACHE)
    if cache is None:
        cache = state[PAGE_CACHE] = TaggedCache[Page](PAGE_CACHE_SIZE)
    return cache


async def list_page(res: Resource, request: Request) -> Template:
    registry, user = await who(request)
    state = parse_state(res.list, request.query_params)
    rows = await fetch_page(res.list, state, registry, user, page_cache(request))
    # htmx restoring history (back button, empty cache) wants the whole page.
    restore = bool(request.headers.get("hx-history-restore-request"))
    # The rows block shows no filter controls: a fragment skips reading their options.
    filters = [] if wants_block(request) else [(f, await filter_options(f, registry, user)) for f in res.list.filters]
    response = await page(
        request, res.list_template, block=None if restore else "rows", title=_(res.title),
        breadcrumbs=[(_(res.title), res.path)], res=res, spec=res.list, state=state, page_=rows,
        filters=filters, currency=await _currency(res), can_write=user.can(res.write),
    )
    if request.headers.get("hx-request") and not restore:
        # The canonical URL of this state (no empty filters), not the raw form query.
        response.headers["HX-Push-Url"] = state.url(res.path, page=state.page)
    return response


def export(res: Resource, request: Request) -> Stream:
    async def lines() -> Any:
        registry, user = await who(request)
        state = parse_state(res.list, request.query_params)
        async for line in csv_lines(res.list, state, registry, user):
            yield line.encode()

    filename = res.path.strip("/").replace("/", "-") or "export"
    return Stream(lines(), media_type="text/csv; charset=utf-8",
                  headers={"content-disposition": f'attachment; filename="{filename}.csv"'})


async def _record(res: Resource, request: Request, record_id: int) -> dict[str, Any]:
    registry, user = await who(request)
    record = await svc.fetch(res, record_id, registry, user)
    if record is None:
        raise NotFoundException()
    return record


def _title(res: Resource, record: Mapping[str, Any] | None) -> str:
    return str(record.get(res.label) or "") if record else _(res.new_label)


async def form_page(res: Resource, request: Request, *, record: Mapping[str, Any] | None,
                    raw: Mapping[str, str], errors: Mapping[str, str], status_code: int = 200,
                    stale: bool = False, search: tuple[str, str] = ("", "")) -> Template:
    """The form, new or edit, with the typed values kept and errors by field."""
    registry, user = await who(request)
    options = {
        f.name: await many2one_options(f, registry, user, selected=raw.get(f.name, ""),
                                       q=search[1] if search[0] == f.name else "")
        for f in res.form.fields if f.many2one is not None
    }
    title = _title(res, record)
    crumbs = [(_(res.title), res.path)]
    if record:
        crumbs += [(title, f"{res.path}/{record['id']}"), (_("Edit"), f"{res.path}/{record['id']}/edit")]
    else:
        crumbs.append((title, f"{res.path}/new"))
    return await page(
        request, res.form_template, status_code=status_code, title=title, breadcrumbs=crumbs,
        res=res, form=res.form, record=record, raw=raw, errors=errors, options=options, stale=stale,
        search=search, currency=await _currency(res),
        action=f"{res.path}/{record['id']}/edit" if record else f"{res.path}/new",
    )


def _search_request(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """The no-JavaScript many2one search: the form was submitted with a field's
    Search button, so show the form again with that field's matches."""
    name = str(data.get("_search") or "")
    return (name, str(data.get(f"_q_{name}") or "").strip()) if name else None


async def save_new(res: Resource, request: Request) -> Template | Redirect:
    data = await request.form()
    if (search := _search_request(data)) is not None:
        return await form_page(res, request, record=None, raw=submitted(res.form, data), errors={},
                               search=search)
    registry, user = await who(request)
    values, errors = await validate(res.form, data, registry, user)
    if errors:
        return await form_page(res, request, record=None, raw=submitted(res.form, data),
                               errors=errors, status_code=400)
    try:
        row = await svc.create(res, values)
    except DuplicateValue as exc:  # saved by someone else since `validate` looked
        return await form_page(res, request, record=None, raw=submitted(res.form, data),
                               errors=_duplicate_errors(res, exc), status_code=400)
    flash(request, _("%(what)s created.", what=_(res.singular)))
    return Redirect(f"{res.path}/{row['id']}", status_code=303)


async def save_edit(res: Resource, request: Request, record_id: int) -> Template | Redirect:
    record = await _record(res, request, record_id)
    data = await request.form()
    raw = submitted(res.form, data)
    if (search := _search_request(data)) is not None:
        return await form_page(res, request, record={**record, "version": posted_version(data, -1)}, raw=raw,
                               errors={}, search=search)
    registry, user = await who(request)
    values, errors = await validate(res.form, data, registry, user, record_id)
    if errors:
        return await form_page(res, request, record={**record, "version": posted_version(data, -1)}, raw=raw,
                               errors=errors, status_code=400)
    try:
        await svc.update(res, record_id, values, posted_version(data, -1))
    except StaleRecordError:
        return await form_page(res, request, record={**record, "version": posted_version(data, -1)}, raw=raw,
                               errors={}, status_code=409, stale=True)
    except DuplicateValue as exc:
        return await form_page(res, request, record={**record, "version": posted_version(data, -1)}, raw=raw,
                               errors=_duplicate_errors(res, exc), status_code=400)
    except RecordNotFound:
        raise NotFoundException() from None
    flash(request, _("%(what)s saved.", what=_(res.singular)))
    return Redirect(f"{res.path}/{record_id}", status_code=303)


def _duplicate_errors(res: Resource, exc: DuplicateValue) -> dict[str, str]:
    """The form's own message on each field the database found taken; a column that is not
    on the form is left to the error page."""
    fields = {f.name for f in res.form.fields}
    errors = {c: _("This value is already used by another record.") for c in exc.columns if c in fields}
    if not errors:
        raise exc
    return errors


async def detail_page(res: Resource, request: Request, record_id: int) -> Template:
    from core.web.kit.detail import detail_context
    from core.web.kit.detail import detail_page as render_detail

    record = await _record(res, request, record_id)
    _registry, user = await who(request)
    title = _title(res, record)
    actions = [(_("Edit"), f"{res.path}/{record_id}/edit")] if user.can(res.write) else []
    ctx = await detail_context(request, res.table, record, title=title, actions=actions,
                               slot_target=res.slot_target, choices=res.choices)
    extra = await res.detail_extra(request, record) if res.detail_extra else {}
    currency = await _currency(res)
    return await render_detail(
        request, res.detail_template, title=title,
        breadcrumbs=[(_(res.title), res.path), (title, f"{res.path}/{record_id}")],
        **{**ctx, "res": res, "record": record, "shown": await svc.displayed(res, record, currency),
           "currency": currency, **extra},
    )


async def options_fragment(res: Resource, request: Request) -> Template:
    registry, user = await who(request)
    query = request.query_params
    field = str(query.get("field") or "")
    q = str(query.get("q") or query.get(f"_q_{field}") or "")
    found = await svc.options(res, q, query, registry, user)
    return await page(request, "core/kit/_options.html", options=found, blank=True, select_first=bool(q))


def controller(res: Resource) -> type[Controller]:
    """A Controller serving `res`; list it in a manifest's (or part's) `controllers`."""

    @get("/", permission=res.read)
    async def index(self: Controller, request: Request) -> Template:
        return await list_page(res, request)

    @get("/export.csv", permission=res.read)
    async def export_csv(self: Controller, request: Request) -> Stream:
        return export(res, request)

    @get("/options", permission=res.read)
    async def options(self: Controller, request: Request) -> Template:
        return await options_fragment(res, request)

    @get("/new", permission=res.write)
    async def new(self: Controller, request: Request) -> Template:
        return await form_page(res, request, record=None, raw=initial(res.form), errors={})

    @post("/new", permission=res.write, status_code=303)
    async def create(self: Controller, request: Request) -> Template | Redirect:
        return await save_new(res, request)

    @get("/{record_id:int}", permission=res.read)
    async def detail(self: Controller, request: Request, record_id: int) -> Template:
        return await detail_page(res, request, record_id)

    @get("/{record_id:int}/edit", permission=res.write)
    async def edit(self: Controller, request: Request, record_id: int) -> Template:
        record = await _record(res, request, record_id)
        return await form_page(res, request, record=record, raw=initial(res.form, record), errors={})

    @post("/{record_id:int}/edit", permission=res.write, status_code=303)
    async def save(self: Controller, request: Request, record_id: int) -> Template | Redirect:
        return await save_edit(res, request, record_id)

    handlers = {"index": index, "export_csv": export_csv, "options": options, "new": new,
                "create": create, "detail": detail, "edit": edit, "save": save}
    return type(f"{res.name}Controller", (Controller,), {"path": res.path, **handlers})
