"""A test module with a detail page over core's partners, tabs and slots; and one never installed."""

from __future__ import annotations

from pathlib import Path

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from core.auth.current import current_user
from core.auth.rules import visible
from core.modules.manifest import Manifest, Permission, RecordRule, Slot
from core.partners.models import Partner
from core.web.kit.detail import Action, Tab, detail_context, detail_page

ROOT = Path(__file__).parent
# The personal role make_user("rita", permissions=...) creates: rita sees only partners she created.
RULED_ROLE = "test_rita"


@get("/detailtest/partners/{record_id:int}", permission="core.partner.read")
async def partner_page(request: Request, record_id: int) -> Template:
    registry, user = await request.app.state.registry.get(), current_user(request)
    assert user is not None
    record = await Partner.select().where(Partner._meta.primary_key == record_id).first().run()
    if record is None or not await visible(registry, Partner, user, record_id):
        raise NotFoundException()
    url = f"/detailtest/partners/{record_id}"
    ctx = await detail_context(
        request, Partner, record, title=record["name"],
        state=("Active", "ok") if record["active"] else ("Archived", "neutral"),
        actions=[
            Action("Edit", f"{url}/edit", tone="primary", permission="core.partner.write"),
            Action("Archive", f"{url}/archive", method="post", tone="danger", confirm="Archive this partner?",
                   permission="core.partner.write"),
            Action("Send e-mail", f"mailto:{record['email']}"),
        ],
        slot_target="core.partner",
        tabs=[Tab("contacts", "Contacts", "detailtest/contacts_tab.html", count=2)],
    )
    return await detail_page(request, "detailtest/partner.html", title=record["name"],
                             breadcrumbs=[("Partners", "/detailtest/partners")], record=record, **ctx)


DETAIL_TEST = Manifest(
    name="detailtest", version="1.0.0", summary="Detail kit test pages", depends=("core",),
    controllers=(partner_page,),
    permissions=(Permission("detailtest.plan.read"),),
    slots=(
        Slot(target="core.partner", template="detailtest/equipment_tab.html", label="Equipment", order=10),
        Slot(target="core.partner", template="detailtest/secret_tab.html", label="Secret plans",
             permission="detailtest.plan.read", order=20),
        Slot(target="core.product", template="detailtest/secret_tab.html", label="Elsewhere"),
    ),
    record_rules=(RecordRule("own partners", Partner, roles=(RULED_ROLE,),
                             domain=lambda uid: Partner.created_by == uid),),
    root=ROOT,
)
GHOST = Manifest(
    name="detailghost", version="1.0.0", summary="Never installed", depends=("core",),
    slots=(Slot(target="core.partner", template="detailghost/tab.html", label="Ghost tab"),),
    root=ROOT,
)
