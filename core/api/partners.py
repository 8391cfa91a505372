"""Partners (read and write) and territories (read-only) in the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from core.api.resource import ApiContext, ApiResource, patch_of
from core.i18n import _
from core.partners.models import PARTNER_KINDS, Partner, Territory

Kind = Literal[PARTNER_KINDS]  # type: ignore[valid-type]
Text = Annotated[str, Meta(max_length=200)]
Country = Annotated[str, Meta(pattern="^[A-Z]{2}$", description="ISO 3166 code, e.g. NL")]
Language = Annotated[str, Meta(pattern="^[a-z]{2}$", description="ISO 639-1 code, e.g. nl")]


class PartnerOut(msgspec.Struct):
    id: int
    version: int
    kind: str
    name: str
    parent: int | None
    is_customer: bool
    is_supplier: bool
    reference: str
    vat_number: str
    email: str
    phone: str
    job_title: str
    street: str
    postcode: str
    city: str
    country: str
    territory: int | None
    language: str
    notes: str
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class PartnerCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(max_length=200)]
    kind: Kind = "organisation"
    parent: int | None = None
    is_customer: bool = False
    is_supplier: bool = False
    reference: Annotated[str, Meta(max_length=50)] = ""
    vat_number: Annotated[str, Meta(max_length=30)] = ""
    email: Text = ""
    phone: Annotated[str, Meta(max_length=50)] = ""
    job_title: Annotated[str, Meta(max_length=100)] = ""
    street: Text = ""
    postcode: Annotated[str, Meta(max_length=20)] = ""
    city: Annotated[str, Meta(max_length=100)] = ""
    country: Country = "NL"
    territory: int | None = None
    language: Language = "nl"
    notes: str = ""
    active: bool = True


PartnerUpdate = patch_of(PartnerCreate, "PartnerUpdate")


async def check_partner(values: dict[str, Any], current: dict[str, Any] | None, ctx: ApiContext) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not str(values.get("name", "")).strip():
        errors["name"] = _("Enter a name.")
    email = str(values.get("email", ""))
    if email and ("@" not in email or " " in email.strip()):
        errors["email"] = _("Enter an e-mail address like name@example.com.")
    parent = values.get("parent")
    if parent is not None:
        row = await Partner.select(Partner.kind).where(Partner._meta.primary_key == parent).first().run()
        if row is None or not await ctx.can_see(Partner, parent):
            errors["parent"] = _("There is no partner with this id.")
        elif values.get("kind") != "person" or row["kind"] != "organisation":
            errors["parent"] = _("Only a person can belong to an organisation.")
        elif current is not None and parent == current["id"]:
            errors["parent"] = _("A partner cannot belong to itself.")
    territory = values.get("territory")
    if territory is not None and not await Territory.exists().where(Territory._meta.primary_key == territory).run():
        errors["territory"] = _("There is no territory with this id.")
    return errors


class TerritoryOut(msgspec.Struct):
    id: int
    version: int
    code: str
    name: str
    postcodes: str


PARTNERS = ApiResource(
    "partners", Partner, PartnerOut, permission="core.partner", create=PartnerCreate, update=PartnerUpdate,
    check=check_partner, search=("name", "reference", "email", "city"),
    filters={"is_customer": bool, "is_supplier": bool, "kind": str, "active": bool},
    summary="Customers, suppliers and their contact people.",
)
TERRITORIES = ApiResource(
    "territories", Territory, TerritoryOut, permission="core.partner", search=("code", "name"),
    summary="Sales and service territories (read-only).",
)
