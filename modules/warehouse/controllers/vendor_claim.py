"""Vendor warranty claims: list, form, and the claim's page with its state buttons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.auth.rules import restrict
from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller
from core.web.kit.crud import form_page, save_edit
from core.web.kit.detail import Action, detail_context, detail_page
from core.web.kit.forms import initial, parse, submitted, validate
from core.web.kit.lists import like
from core.web.kit.resource import company_currency, displayed
from core.web.pages import page
from modules.warehouse.controllers.returns_common import done, record_of, who
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.rma import ReturnLine, VendorClaim
from modules.warehouse.services import vendor_claim
from modules.warehouse.services.errors import WarehouseError

CLAIMS_URL = "/warehouse/vendor-claims"
READ, WRITE = "warehouse.vendor_claim.read", "warehouse.vendor_claim.write"
TEMPLATE = "warehouse/vendor_claim/detail.html"
STATE_TONES = {"draft": "neutral", "submitted": "warn", "accepted": "warn", "rejected": "danger", "credited": "ok"}
# The state buttons, in the order they are offered.
BUTTONS = {"submit": ("Submit to supplier", "primary"), "accept": ("Supplier accepted", "primary"),
           "reject": ("Supplier rejected", "danger")}


def _suppliers() -> Any:
    return Partner.is_supplier == True  # noqa: E712


CLAIM_LIST = ListSpec(
    table=VendorClaim,
    columns=(
        Column("number", "Number", "link"),
        Column("supplier_name", "Supplier", source=VendorClaim.supplier.name),
        Column("product_name", "Product", source=VendorClaim.product.name),
        Column("claim_number", "Supplier's claim number"),
        Column("state", "State", "badge", choices=vendor_claim.STATE_LABELS,
               badges={"submitted": "warn", "accepted": "warn", "rejected": "danger", "credited": "ok"}),
        Column("due_on", "Due on", "date"),
        Column("overdue", "Overdue", "badge", choices={"yes": "Overdue"}, badges={"yes": "danger"}),
        Column("credit_expected", "Credit expected", "money"),
        Column("credit_received", "Credit received", "money"),
    ),
    search=("number", "claim_number", "supplier.name"),
    filters=(Filter("state", "State", "choices", choices=tuple(vendor_claim.STATE_LABELS.items())),
             Filter("overdue", "Overdue", "choices", choices=(("yes", "Overdue"),))),
    sort="number", dir="desc",
)

CLAIM_FORM = Form(
    table=VendorClaim,
    fields=(
        Field("supplier", "Supplier", "many2one", required=True,
              many2one=Many2one(Partner, "/contacts/partners/options?supplier=yes", where=_suppliers)),
        Field("claim_number", "Supplier's claim number"),
        Field("product", "Product", "many2one", required=True, many2one=Many2one(Product, "/products/options")),
        Field("lot", "Serial or lot number", "many2one", many2one=Many2one(Lot, f"{CLAIMS_URL}/serials")),
        Field("quantity", "Quantity", "quantity", required=True, min=Decimal("0.001"), default=Decimal(1)),
        Field("credit_expected", "Credit expected", "money", min=Decimal(0), default=Decimal(0)),
        Field("due_on", "Due on", "date", help="Empty: 30 days after the claim is submitted."),
        Field("note", "Note", "textarea"),
    ),
    sections=(("Claim", ("supplier", "claim_number", "due_on", "credit_expected")),
              ("Product", ("product", "lot", "quantity")), ("Note", ("note",))),
)

CLAIMS = Resource(
    path=CLAIMS_URL, table=VendorClaim, title="Vendor claims", singular="Vendor claim", list=CLAIM_LIST,
    form=CLAIM_FORM, read=READ, write=WRITE, detail_template=TEMPLATE, label="number", new_title="New vendor claim",
)

CREDIT_FORM = Form(table=VendorClaim, fields=(
    Field("credit_received", "Credit received", "money", required=True, min=Decimal("0.01")),
))


async def _page(request: Request, record_id: int, *, credit_raw: dict[str, str] | None = None,
                credit_errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    record = await record_of(CLAIMS, request, record_id)
    _registry, user = await who(request)
    state = record["state"]
    actions: list[Action] = []
    if user.can(WRITE):
        if state not in vendor_claim.CLOSED:
            actions.append(Action(_("Edit"), f"{CLAIMS_URL}/{record_id}/edit"))
        for action in vendor_claim.actions(state):
            if action in BUTTONS:
                label, tone = BUTTONS[action]
                actions.append(Action(_(label), f"{CLAIMS_URL}/{record_id}/state/{action}", method="post", tone=tone,
                                      confirm=_("Mark this claim rejected?") if action == "reject" else ""))
    detail = await detail_context(request, VendorClaim, record, title=record["number"],
                                  state=(_(vendor_claim.STATE_LABELS[state]), STATE_TONES[state]), actions=actions,
                                  choices={"state": vendor_claim.STATE_LABELS, "overdue": {"yes": "Yes"}})
    currency = await company_currency()
    source = None
    if record["return_line"]:
        source = await ReturnLine.select(ReturnLine.rma, ReturnLine.rma.number.as_alias("number"),
                                         ReturnLine.reason).where(ReturnLine.id == record["return_line"]).first().run()
    return await detail_page(
        request, TEMPLATE, status_code=status_code, title=record["number"],
        breadcrumbs=[(_(CLAIMS.title), CLAIMS_URL), (record["number"], f"{CLAIMS_URL}/{record_id}")],
        **{**detail, "res": CLAIMS, "record": record, "shown": await displayed(CLAIMS, record, currency),
           "currency": currency, "source": source, "credit_form": CREDIT_FORM,
           "credit_raw": credit_raw or initial(CREDIT_FORM, {"credit_received": record["credit_expected"]}),
           "credit_errors": credit_errors or {}, "can_write": user.can(WRITE), "options": {}, "search": ("", ""),
           "url": f"{CLAIMS_URL}/{record_id}", "returns_url": "/warehouse/returns"},
    )


class VendorClaimController(controller(CLAIMS)):  # type: ignore[misc]
    """The kit's list, export and forms, with a numbered create, the claim's page and its states."""

    @post("/new", permission=WRITE, status_code=303)
    async def create(self, request: Request) -> Template | Redirect:
        data = await request.form()
        registry, user = await who(request)
        values, errors = await validate(CLAIM_FORM, data, registry, user)
        if errors or data.get("_search"):
            name = str(data.get("_search") or "")
            return await form_page(CLAIMS, request, record=None, raw=submitted(CLAIM_FORM, data), errors=errors,
                                   status_code=400 if errors and not name else 200,
                                   search=(name, str(data.get(f"_q_{name}") or "")))
        row = await vendor_claim.create(values)
        return done(request, f"{CLAIMS_URL}/{row['id']}", _("Vendor claim %(number)s created.", number=row["number"]))

    @get("/{record_id:int}", permission=READ)
    async def detail(self, request: Request, record_id: int) -> Template:
        return await _page(request, record_id)

    @post("/{record_id:int}/edit", permission=WRITE, status_code=303)
    async def save(self, request: Request, record_id: int) -> Template | Redirect:
        record = await record_of(CLAIMS, request, record_id)
        if record["state"] in vendor_claim.CLOSED:
            return done(request, f"{CLAIMS_URL}/{record_id}", _("A closed claim cannot be changed."), "error")
        return await save_edit(CLAIMS, request, record_id)

    @get("/serials", permission=READ)
    async def serials(self, request: Request) -> Template:
        """Many2one search for the claim's serial: `<option>`s of lots matching `q`."""
        registry, user = await who(request)
        q = str(request.query_params.get("q") or request.query_params.get("_q_lot") or "").strip()[:100]
        query = Lot.select(Lot.id, Lot.name, Lot.product.code.as_alias("code"))
        if q:
            query = query.where(like(Lot.name, q))
        rows = await restrict(query, registry, Lot, user).order_by(Lot.name).limit(20).run()
        found = [(str(r["id"]), f"{r['name']} ({r['code']})") for r in rows]
        return await page(request, "core/kit/_options.html", options=found, blank=True, select_first=bool(q))

    @post("/{record_id:int}/state/{action:str}", permission=WRITE, status_code=303)
    async def move(self, request: Request, record_id: int, action: str) -> Template | Redirect:
        if action not in vendor_claim.TRANSITIONS:
            raise NotFoundException()
        await record_of(CLAIMS, request, record_id)
        url = f"{CLAIMS_URL}/{record_id}"
        credit = None
        if action == "credit":
            data = await request.form()
            values, errors = parse(CREDIT_FORM, data)
            if errors:
                return await _page(request, record_id, credit_raw=submitted(CREDIT_FORM, data),
                                   credit_errors=errors, status_code=400)
            credit = values["credit_received"]
        try:
            row = await vendor_claim.move(record_id, action, credit=credit)
        except WarehouseError as refused:
            return done(request, url, str(refused), "error")
        return done(request, url, _("Claim %(number)s is now %(state)s.", number=row["number"],
                                    state=_(vendor_claim.STATE_LABELS[row["state"]]).lower()))

