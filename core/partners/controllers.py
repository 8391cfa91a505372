"""Partner and territory pages, declared with the UI kit (core/web/kit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request

from core.auth.current import current_user
from core.auth.rules import restrict
from core.partners.models import PARTNER_KINDS, Partner, Territory
from core.web.kit import Column, Field, Filter, Form, ListSpec, Many2one, Resource, controller

KIND_LABELS = {"organisation": "Organisation", "person": "Person"}
KINDS = tuple((k, KIND_LABELS[k]) for k in PARTNER_KINDS)
LANGUAGES = (("nl", "Dutch"), ("en", "English"), ("de", "German"), ("fr", "French"))
PARTNERS_URL = "/contacts/partners"
TERRITORIES_URL = "/contacts/territories"


def _organisations() -> Any:
    return Partner.kind == "organisation"


def _only_people_have_a_parent(values: Mapping[str, Any]) -> dict[str, str]:
    from core.i18n import _

    if values.get("kind") == "organisation" and values.get("parent") is not None:
        return {"parent": _("Only a person belongs to an organisation.")}
    return {}


def _normalise(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "country": str(values.get("country") or "").upper()}


def _postcodes(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "postcodes": ",".join(p.strip() for p in str(values["postcodes"]).split(",") if p.strip())}


PARTNER_LIST = ListSpec(
    table=Partner,
    columns=(
        Column("name", "Name", "link"),
        Column("kind", "Kind", "badge", choices=KIND_LABELS, badges={"organisation": "ok"}),
        Column("reference", "Reference"),
        Column("parent_name", "Organisation", source=Partner.parent.name, shown=False),
        Column("city", "City"),
        Column("email", "E-mail"),
        Column("phone", "Phone", shown=False),
        Column("territory_name", "Territory", source=Partner.territory.name),
        Column("is_customer", "Customer", "bool"),
        Column("is_supplier", "Supplier", "bool"),
        Column("vat_number", "VAT number", shown=False),
        Column("country", "Country", shown=False),
        Column("active", "Active", "bool", shown=False),
    ),
    search=("name", "reference", "city", "email"),
    search_indexed=True,
    cache=True,
    filters=(
        Filter("customer", "Customer", "bool", source=Partner.is_customer),
        Filter("supplier", "Supplier", "bool", source=Partner.is_supplier),
        Filter("kind", "Kind", "choices", choices=KINDS),
        Filter("territory", "Territory", "many2one", table=Territory),
        Filter("active", "Active", "bool"),
    ),
    sort="name",
)

PARTNER_FORM = Form(
    table=Partner,
    fields=(
        Field("kind", "Kind", "select", required=True, choices=KINDS, default="organisation"),
        Field("name", "Name", required=True),
        Field("parent", "Organisation", "many2one", help="For a person: the organisation they work for.",
              many2one=Many2one(Partner, f"{PARTNERS_URL}/options?kind=organisation", where=_organisations)),
        Field("job_title", "Job title"),
        Field("is_customer", "Customer", "bool"),
        Field("is_supplier", "Supplier", "bool"),
        Field("reference", "Reference"),
        Field("vat_number", "VAT number", pattern=r"[A-Za-z]{2}[A-Za-z0-9]{2,12}",
              pattern_message="Enter a VAT number like NL123456789B01."),
        Field("email", "E-mail", "email"),
        Field("phone", "Phone", "phone"),
        Field("language", "Language", "select", required=True, choices=LANGUAGES, default="nl"),
        Field("street", "Street"),
        Field("postcode", "Postcode"),
        Field("city", "City"),
        Field("country", "Country", required=True, pattern=r"[A-Za-z]{2}", default="NL",
              pattern_message="Enter a two-letter country code such as NL."),
        Field("territory", "Territory", "many2one", many2one=Many2one(Territory, f"{TERRITORIES_URL}/options")),
        Field("notes", "Notes", "textarea"),
        Field("active", "Active", "bool", default=True),
    ),
    rules=(_only_people_have_a_parent,),
    sections=(
        ("Partner", ("kind", "name", "parent", "job_title", "reference", "vat_number", "is_customer",
                     "is_supplier", "active")),
        ("Contact", ("email", "phone", "language")),
        ("Address", ("street", "postcode", "city", "country", "territory")),
        ("Notes", ("notes",)),
    ),
)


async def partner_extra(request: Request, record: Mapping[str, Any]) -> Mapping[str, Any]:
    """The people of an organisation (through the record rules), for its detail page."""
    user = current_user(request)
    assert user is not None
    registry = await request.app.state.registry.get()
    query = Partner.select(Partner._meta.primary_key.as_alias("id"), Partner.name, Partner.job_title, Partner.email, Partner.phone).where(
        Partner.parent == record["id"]).order_by(Partner.name)
    people = await restrict(query, registry, Partner, user).limit(200).run()
    return {"people": people}


PARTNERS = Resource(
    path=PARTNERS_URL, table=Partner, title="Partners", singular="Partner",
    list=PARTNER_LIST, form=PARTNER_FORM, read="core.partner.read", write="core.partner.write",
    detail_template="core/partners/partner/detail.html", slot_target="partner",
    prepare=_normalise, detail_extra=partner_extra,
)

TERRITORIES = Resource(
    path=TERRITORIES_URL, table=Territory, title="Territories", singular="Territory",
    list=ListSpec(
        table=Territory,
        columns=(Column("code", "Code", "link"), Column("name", "Name"), Column("postcodes", "Postcode prefixes")),
        search=("code", "name"), sort="code",
    ),
    form=Form(table=Territory, fields=(
        Field("code", "Code", required=True, unique=True, pattern=r"[A-Za-z0-9_-]+",
              pattern_message="Use letters, digits, - and _ only."),
        Field("name", "Name", required=True),
        Field("postcodes", "Postcode prefixes", pattern=r"\d{2}(\s*,\s*\d{2})*",
              pattern_message="Enter two-digit prefixes separated by commas, e.g. 50,51,52.",
              help="Two-digit postcode prefixes separated by commas; new partners there join this territory."),
    )),
    read="core.partner.read", write="core.partner.write",
    detail_template="core/partners/territory/detail.html", slot_target="territory", prepare=_postcodes,
)

PartnerController = controller(PARTNERS)
TerritoryController = controller(TERRITORIES)
