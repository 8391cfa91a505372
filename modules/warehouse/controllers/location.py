"""Locations: the tree of shelves, vans and virtual places, declared with the UI kit.

The kit serves the list, form and options; saving goes through `services.location`
(the `full_name` path of the location and its subtree), and a location is deleted
only while nobody used it; one with stock history is archived instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.auth.current import current_user
from core.auth.models import User
from core.db.records import StaleRecordError
from core.i18n import _
from core.partners.models import Partner
from core.web.flash import flash
from core.web.kit import (
    Column,
    Field,
    Filter,
    Form,
    ListSpec,
    Many2one,
    Resource,
    controller,
    submitted,
    validate,
)
from core.web.kit import resource as kit
from core.web.kit.crud import form_page
from core.web.kit.detail import Action, detail_context, detail_page
from core.web.pages import page
from modules.warehouse.models.location import KINDS, Location
from modules.warehouse.models.quant import Quant
from modules.warehouse.models.warehouse import Warehouse
from modules.warehouse.services import location as locations
from modules.warehouse.services.errors import WarehouseError
from modules.warehouse.services.location import InvalidLocation
from modules.warehouse.services.stock_levels import fmt_qty
from modules.warehouse.stock_access import LOCATIONS, READ

PATH = "/warehouse/locations"
KIND_LABELS = {"internal": "Internal", "van": "Van", "customer": "Customer", "supplier": "Supplier",
               "repairer": "External repairer", "scrap": "Scrap", "transit": "Transit",
               "inventory": "Inventory adjustment"}
KIND_CHOICES = tuple((k, KIND_LABELS[k]) for k in KINDS)
# Kinds that stand for a partner's premises.
PARTNER_KINDS = ("customer", "supplier", "repairer")


def _kind_rules(values: Mapping[str, Any]) -> dict[str, str]:
    kind = values.get("kind")
    if kind == "van" and not values.get("user"):
        return {"user": _("A van needs the technician who drives it.")}
    if kind != "van" and values.get("user"):
        return {"user": _("Only a van belongs to a technician.")}
    if kind not in PARTNER_KINDS and values.get("partner"):
        return {"partner": _("Only customer, supplier and repairer locations stand for a partner.")}
    return {}


LOCATION_LIST = ListSpec(
    table=Location,
    columns=(
        Column("full_name", "Location", "link"),
        Column("kind", "Kind", "badge", choices=KIND_LABELS, badges={"internal": "ok", "van": "warn"}),
        Column("warehouse_code", "Warehouse", source=Location.warehouse.code),
        Column("driver", "Technician", source=Location.user.name),
        Column("partner_name", "Partner", source=Location.partner.name, shown=False),
        Column("count_interval_days", "Count every (days)", "number", shown=False),
        Column("active", "Active", "bool"),
    ),
    search=("full_name",),
    filters=(
        Filter("kind", "Kind", choices=KIND_CHOICES),
        Filter("warehouse", "Warehouse", "many2one", table=Warehouse),
        # Archived locations stay out of sight (and out of pickers) until asked for.
        Filter("active", "Active", "bool", default="yes"),
    ),
    sort="full_name",
)

LOCATION_FORM = Form(
    table=Location,
    fields=(
        Field("name", "Name", required=True),
        Field("kind", "Kind", "select", required=True, choices=KIND_CHOICES, default="internal"),
        Field("warehouse", "Warehouse", "many2one", many2one=Many2one(Warehouse, "/warehouse/warehouses/options")),
        Field("parent", "Inside", "many2one", help="The location this one is part of, e.g. a shelf in a store room.",
              many2one=Many2one(Location, f"{PATH}/options", label="full_name",
                                where=lambda: Location.active == True)),  # noqa: E712
        Field("user", "Technician", "many2one", help="The technician who drives this van.",
              many2one=Many2one(User, f"{PATH}/technicians", where=lambda: User.active == True)),  # noqa: E712
        Field("partner", "Partner", "many2one", help="The customer, supplier or repairer this location stands for.",
              many2one=Many2one(Partner, "/contacts/partners/options")),
        Field("count_interval_days", "Count every", "integer", unit="days", min=0, max=730, default=0,
              help="Open a count of this location this often (0: never)."),
    ),
    rules=(_kind_rules,),
    sections=(("Location", ("name", "kind", "warehouse", "parent")),
              ("Belongs to", ("user", "partner")), ("Counting", ("count_interval_days",))),
)

LOCATIONS_RES = Resource(
    path=PATH, table=Location, title="Locations", singular="Location", list=LOCATION_LIST, form=LOCATION_FORM,
    read=READ, write=LOCATIONS, detail_template="warehouse/location/detail.html", label="full_name",
    slot_target="warehouse_location",
)

Store = Callable[[dict[str, Any], int], Awaitable[dict[str, Any]]]


async def submit(res: Resource, request: Request, record: dict[str, Any] | None, store: Store) -> Template | Redirect:
    """The kit's create/edit flow, saving through a service (`store(values, version)`):
    field errors inline, a stale version answered 409, a refused rule shown on its field."""
    data = await request.form()
    raw = submitted(res.form, data)
    version_text = str(data.get("version") or "")
    version = int(version_text) if version_text.isdigit() else -1
    shown = {**record, "version": version} if record else None
    if search := str(data.get("_search") or ""):
        return await form_page(res, request, record=shown, raw=raw, errors={},
                               search=(search, str(data.get(f"_q_{search}") or "").strip()))
    user = current_user(request)
    assert user is not None  # the guard signed them in
    registry = await request.app.state.registry.get()
    values, errors = await validate(res.form, data, registry, user, record["id"] if record else None)
    if not errors:
        try:
            row = await store(values, version)
        except StaleRecordError:
            return await form_page(res, request, record=shown, raw=raw, errors={}, status_code=409, stale=True)
        except InvalidLocation as exc:
            errors = {exc.field: str(exc)}
        except WarehouseError as exc:
            errors = {res.form.fields[0].name: str(exc)}
        else:
            done = _("%(what)s saved.", what=_(res.singular)) if record else _("%(what)s created.", what=_(res.singular))
            flash(request, done)
            return Redirect(f"{res.path}/{row['id']}", status_code=303)
    return await form_page(res, request, record=shown, raw=raw, errors=errors, status_code=400)


async def record_of(res: Resource, request: Request, record_id: int) -> dict[str, Any]:
    """The record through the user's record rules, or 404."""
    user = current_user(request)
    assert user is not None
    record = await kit.fetch(res, record_id, await request.app.state.registry.get(), user)
    if record is None:
        raise NotFoundException()
    return record


async def _contents(location: int) -> list[dict[str, Any]]:
    return await Quant.select(
        Quant.product, Quant.product.code.as_alias("code"), Quant.product.name.as_alias("name"),
        Quant.lot.name.as_alias("lot_name"), Quant.quantity, Quant.reserved,
    ).where((Quant.location == location) & (Quant.quantity > 0)).order_by(Quant.product.code).limit(200).run()


class LocationController(controller(LOCATIONS_RES)):  # type: ignore[misc]
    """The kit's routes, with saving, the detail page and archiving of our own."""

    @post("/new", permission=LOCATIONS, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        return await submit(LOCATIONS_RES, request, None, lambda values, _version: locations.create(values))

    @post("/{record_id:int}/edit", permission=LOCATIONS, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        record = await record_of(LOCATIONS_RES, request, record_id)
        return await submit(LOCATIONS_RES, request, record,
                            lambda values, version: locations.update(record_id, values, version))

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        record = await record_of(LOCATIONS_RES, request, record_id)
        actions = [Action(_("Edit"), f"{PATH}/{record_id}/edit", permission=LOCATIONS)]
        used = await locations.has_history(record_id)
        if not record["active"]:
            actions.append(Action(_("Restore"), f"{PATH}/{record_id}/restore", "post", permission=LOCATIONS))
        elif await locations.is_shared(record_id):
            pass  # a shared virtual place stays (services/location.py)
        elif used:
            actions.append(Action(_("Archive"), f"{PATH}/{record_id}/archive", "post", permission=LOCATIONS,
                                  confirm=_("Archive this location? It keeps its history but is no longer offered.")))
        else:
            actions.append(Action(_("Delete"), f"{PATH}/{record_id}/archive", "post", tone="danger",
                                  permission=LOCATIONS, confirm=_("Delete this location?")))
        title = record["full_name"]
        ctx = await detail_context(request, Location, record, title=title, actions=actions,
                                   state=None if record["active"] else (_("Archived"), "neutral"),
                                   slot_target=LOCATIONS_RES.slot_target, choices={"kind": KIND_LABELS})
        children = await Location.select(Location.id, Location.full_name, Location.kind, Location.active).where(
            Location.parent == record_id).order_by(Location.full_name).run()
        return await detail_page(
            request, LOCATIONS_RES.detail_template, title=title,
            breadcrumbs=[(_("Locations"), PATH), (title, f"{PATH}/{record_id}")],
            **ctx, res=LOCATIONS_RES, record=record, shown=await kit.displayed(LOCATIONS_RES, record, "EUR"),
            kind_labels=KIND_LABELS, children=children, contents=await _contents(record_id), used=used,
            qty=fmt_qty)

    @post("/{record_id:int}/archive", permission=LOCATIONS, status_code=303)
    async def archive(self, request: Request, record_id: int) -> Redirect:
        record = await record_of(LOCATIONS_RES, request, record_id)
        try:
            done = await locations.remove(record_id, record["version"])
        except StaleRecordError:
            flash(request, _("Someone else changed this location meanwhile; look again and retry."), "error")
            return Redirect(f"{PATH}/{record_id}", status_code=303)
        except WarehouseError as exc:
            flash(request, str(exc), "error")
            return Redirect(f"{PATH}/{record_id}", status_code=303)
        if done == "archived":
            flash(request, _("Location archived: it keeps its history but is no longer offered."))
            return Redirect(f"{PATH}/{record_id}", status_code=303)
        flash(request, _("Location deleted."))
        return Redirect(PATH, status_code=303)

    @post("/{record_id:int}/restore", permission=LOCATIONS, status_code=303)
    async def restore(self, request: Request, record_id: int) -> Redirect:
        record = await record_of(LOCATIONS_RES, request, record_id)
        await locations.restore(record_id, record["version"])
        flash(request, _("Location restored."))
        return Redirect(f"{PATH}/{record_id}", status_code=303)

    @get("/technicians", permission=READ)
    async def technicians(self, request: Request) -> Template:
        """Options for the van's technician picker: active users matching `q`."""
        from core.db.search import contains

        q = str(request.query_params.get("q") or request.query_params.get("_q_user") or "").strip()[:100]
        query = User.select(User.id, User.name, User.login).where(User.active == True)  # noqa: E712
        if q:
            query = query.where(contains(User.name, q) | contains(User.login, q))
        rows = await query.order_by(User.name).limit(20).run()
        return await page(request, "core/kit/_options.html", options=[(str(r["id"]), r["name"] or r["login"])
                                                                       for r in rows], blank=True, select_first=bool(q))
