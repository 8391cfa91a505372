"""Inventory counts: the list, opening a count for a location, the count sheet where
quantities are entered (each line saves on its own with htmx; the whole sheet is also a
plain form) and applying it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.auth.rules import restrict
from core.db.records import StaleRecordError
from core.i18n import _
from core.products.models import Product
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from core.web.kit.crud import form_page
from core.web.kit.detail import Action, detail_context, detail_page
from core.web.kit.forms import initial, parse, submitted, validate
from core.web.kit.lists import like
from core.web.pages import page, wants_block
from modules.warehouse.controllers.returns_common import done, options, plain, record_of, who
from modules.warehouse.models.count import Count, CountLine
from modules.warehouse.models.location import Location
from modules.warehouse.services import count
from modules.warehouse.services.errors import WarehouseError

COUNTS_URL = "/warehouse/counts"
READ, WRITE = "warehouse.count.read", "warehouse.count.write"
TEMPLATE = "warehouse/count/detail.html"
STATE_TONES = {"draft": "neutral", "counting": "warn", "done": "ok", "cancelled": "neutral"}


def _countable() -> Any:
    return Location.kind.is_in(list(count.COUNTED_KINDS)) & (Location.active == True)  # noqa: E712


COUNT_LIST = ListSpec(
    table=Count,
    columns=(
        Column("number", "Number", "link"),
        Column("location_name", "Location", source=Count.location.full_name),
        Column("state", "State", "badge", choices=count.STATE_LABELS, badges={"counting": "warn", "done": "ok"}),
        Column("planned_on", "Planned on", "date"),
        Column("origin", "Opened by", "choice", choices={"cycle": "Cycle count"}),
        Column("done_at", "Applied", "datetime"),
    ),
    search=("number", "location.full_name"),
    filters=(Filter("state", "State", "choices", choices=tuple(count.STATE_LABELS.items())),),
    sort="number", dir="desc",
)

COUNT_FORM = Form(
    table=Count,
    fields=(
        Field("location", "Location", "many2one", required=True,
              many2one=Many2one(Location, f"{COUNTS_URL}/locations", label="full_name", where=_countable)),
        Field("planned_on", "Planned on", "date"),
    ),
)

COUNTS = Resource(
    path=COUNTS_URL, table=Count, title="Inventory counts", singular="Inventory count", list=COUNT_LIST,
    form=COUNT_FORM, read=READ, write=WRITE, detail_template=TEMPLATE, label="number",
    new_title="New inventory count",
)

ADD_FORM = Form(
    table=CountLine,
    fields=(
        Field("product", "Product", "many2one", required=True, many2one=Many2one(Product, "/products/options")),
        Field("lot_name", "Serial or lot number", max_length=100),
        Field("counted", "Counted", "quantity", required=True, min=Decimal(0)),
    ),
)
COUNTED = Form(table=CountLine, fields=(Field("counted", "Counted", "quantity", min=Decimal(0)),))


def _counted(text: str) -> Decimal | None:
    """A typed count: empty is "not counted"; else a number (1,5 or 1.5), or ValueError."""
    if not text.strip():
        return None
    values, errors = parse(COUNTED, {"counted": text})
    if errors:
        raise ValueError(errors["counted"])
    return Decimal(values["counted"])


async def _page(request: Request, record_id: int, *, notice: tuple[str, str] | None = None,
                add_raw: dict[str, str] | None = None, add_errors: dict[str, str] | None = None,
                status_code: int = 200) -> Template:
    record = await record_of(COUNTS, request, record_id)
    _registry, user = await who(request)
    state = record["state"]
    can_write = user.can(WRITE)
    actions: list[Action] = []
    if can_write and state == "draft":
        actions.append(Action(_("Start counting"), f"{COUNTS_URL}/{record_id}/start", method="post",
                              tone="primary"))
    if can_write and state in count.OPEN:
        actions += [Action(_("Apply count"), f"{COUNTS_URL}/{record_id}/apply", method="post", tone="primary",
                           confirm=_("Adjust the stock to the counted quantities?")),
                    Action(_("Cancel count"), f"{COUNTS_URL}/{record_id}/cancel", method="post",
                           confirm=_("Cancel this count?"))]
    detail = await detail_context(request, Count, record, title=record["number"],
                                  state=(_(count.STATE_LABELS[state]), STATE_TONES[state]), actions=actions,
                                  choices={"state": count.STATE_LABELS})
    place = await Location.select(Location.full_name, Location.last_counted, Location.count_interval_days).where(
        Location.id == record["location"]).first().run()
    raw = add_raw or initial(ADD_FORM)
    return await detail_page(
        request, TEMPLATE, status_code=status_code, title=record["number"],
        breadcrumbs=[(_(COUNTS.title), COUNTS_URL), (record["number"], f"{COUNTS_URL}/{record_id}")],
        **{**detail, "record": record, "place": place, "lines": await count.lines(record_id),
           "editable": can_write and state in count.OPEN, "notice": notice, "url": f"{COUNTS_URL}/{record_id}",
           "add_form": ADD_FORM, "add_raw": raw, "add_errors": add_errors or {},
           "add_options": await options(ADD_FORM, raw, request), "search": ("", ""), "currency": "EUR",
           "error": "", "typed": None, "plain": plain},
    )


async def _line_page(request: Request, record_id: int, line_id: int, error: str = "",
                     typed: str | None = None) -> Template:
    """One row of the sheet (htmx), re-read after saving."""
    record = await record_of(COUNTS, request, record_id)
    _registry, user = await who(request)
    row = next((r for r in await count.lines(record_id) if r["id"] == line_id), None)
    if row is None:
        raise NotFoundException()
    return await page(request, TEMPLATE, block="count_line", line=row, error=error, typed=typed,
                      record=record, editable=user.can(WRITE) and record["state"] in count.OPEN,
                      url=f"{COUNTS_URL}/{record_id}", plain=plain)


async def _in_count(record_id: int, line_id: int) -> None:
    if not await CountLine.exists().where((CountLine.id == line_id) & (CountLine.count == record_id)).run():
        raise NotFoundException()


class CountController(controller(COUNTS)):  # type: ignore[misc]
    """The kit's list, export and new-count form, with the count sheet and its actions.
    A count is never edited as a record: its lines come from the location's stock."""

    edit = None
    save = None

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        data = await request.form()
        registry, user = await who(request)
        values, errors = await validate(COUNT_FORM, data, registry, user)
        if errors or data.get("_search"):
            name = str(data.get("_search") or "")
            return await form_page(COUNTS, request, record=None, raw=submitted(COUNT_FORM, data), errors=errors,
                                   status_code=400 if errors and not name else 200,
                                   search=(name, str(data.get(f"_q_{name}") or "")))
        try:
            row = await count.open(values["location"], planned_on=values["planned_on"])
        except WarehouseError as refused:
            return await form_page(COUNTS, request, record=None, raw=submitted(COUNT_FORM, data),
                                   errors={"location": str(refused)}, status_code=400)
        return done(request, f"{COUNTS_URL}/{row['id']}", _("Count %(number)s opened.", number=row["number"]))

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await _page(request, record_id)

    @get("/locations", permission=READ)
    async def locations(self, request: Request) -> Template:
        """Many2one search for the location to count."""
        registry, user = await who(request)
        q = str(request.query_params.get("q") or request.query_params.get("_q_location") or "").strip()[:100]
        query = Location.select(Location.id, Location.full_name).where(_countable())
        if q:
            query = query.where(like(Location.full_name, q))
        rows = await restrict(query, registry, Location, user).order_by(Location.full_name).limit(20).run()
        found = [(str(r["id"]), r["full_name"]) for r in rows]
        return await page(request, "core/kit/_options.html", options=found, blank=True, select_first=bool(q))

    @post("/{record_id:int}/lines", permission=WRITE, status_code=303)
    async def save_sheet(self, request: Request, record_id: int) -> Template | Redirect:
        """The whole sheet as one plain form: `counted-<line id>` per line."""
        await record_of(COUNTS, request, record_id)
        data = await request.form()
        url = f"{COUNTS_URL}/{record_id}"
        saved, problems = 0, []
        for item in await count.lines(record_id):
            key = f"counted-{item['id']}"
            if key not in data:
                continue
            try:
                value = _counted(str(data.get(key) or ""))
                before = item["counted"]
                await count.record(item["id"], value)
                saved += value != before
            except (ValueError, WarehouseError) as refused:
                problems.append(f"{item['product_code']}: {refused}")
        if problems:
            return done(request, url, " ".join(problems), "error")
        return done(request, url, _("Counts saved (%(n)s changed).", n=saved))

    @post("/{record_id:int}/lines/{line_id:int}", permission=WRITE, status_code=303)
    async def save_line(self, request: Request, record_id: int, line_id: int) -> Template | Redirect:
        await record_of(COUNTS, request, record_id)
        await _in_count(record_id, line_id)
        data = await request.form()
        typed = str(data.get(f"counted-{line_id}") or data.get("counted") or "")
        error = ""
        try:
            await count.record(line_id, _counted(typed))
        except (ValueError, WarehouseError) as refused:
            error = str(refused)
        except StaleRecordError:
            error = _("Someone else saved this line meanwhile; enter the count again.")
        if wants_block(request):
            return await _line_page(request, record_id, line_id, error, typed if error else None)
        url = f"{COUNTS_URL}/{record_id}"
        return done(request, url, error, "error") if error else done(request, url, _("Count saved."))

    @post("/{record_id:int}/add", permission=WRITE, status_code=303)
    async def add_line(self, request: Request, record_id: int) -> Template | Redirect:
        await record_of(COUNTS, request, record_id)
        data = await request.form()
        registry, user = await who(request)
        values, errors = await validate(ADD_FORM, data, registry, user)
        if not errors:
            try:
                await count.add_line(record_id, values["product"], values["counted"], lot_name=values["lot_name"])
            except WarehouseError as refused:
                errors = {"lot_name": str(refused)}
        if errors:
            return await _page(request, record_id, add_raw=submitted(ADD_FORM, data), add_errors=errors,
                               status_code=400)
        return done(request, f"{COUNTS_URL}/{record_id}", _("Line added."))

    @post("/{record_id:int}/start", permission=WRITE, status_code=303)
    async def start(self, request: Request, record_id: int) -> Redirect:
        return await _act(request, record_id, count.start, _("Counting started: expected quantities are up to date."))

    @post("/{record_id:int}/apply", permission=WRITE, status_code=303)
    async def apply(self, request: Request, record_id: int) -> Redirect:
        return await _act(request, record_id, count.apply, _("Count applied: the stock now matches what was counted."))

    @post("/{record_id:int}/cancel", permission=WRITE, status_code=303)
    async def cancel(self, request: Request, record_id: int) -> Redirect:
        return await _act(request, record_id, count.cancel, _("Count cancelled."))


async def _act(request: Request, record_id: int, todo: Any, message: str) -> Redirect:
    await record_of(COUNTS, request, record_id)
    url = f"{COUNTS_URL}/{record_id}"
    try:
        await todo(record_id)
    except WarehouseError as refused:
        return done(request, url, str(refused), "error")
    return done(request, url, message)
