"""A test module that prints partners: a report with a record rule on its model, and a
template that tries to load a foreign URL and a local file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.modules.manifest import Manifest, Permission, RecordRule, Report
from core.partners.models import Partner

HERE = Path(__file__).parent


async def sheet(record_id: int | None) -> dict[str, Any]:
    partner = await Partner.select().where(Partner.id == record_id).first().run()
    # A note "long" makes the sheet run over several pages.
    pages = 3 if partner["notes"] == "long" else 0
    return {"partner": partner, "title": f"Sheet of {partner['name']}", "pages": pages}


PRINTSHOP = Manifest(
    name="printshop",
    version="0.1.0",
    summary="Prints partner sheets (test module)",
    depends=("core",),
    permissions=(Permission("printshop.sheet.print", "Print partner sheets"),),
    grants={"technician": ("printshop.sheet.print",)},
    # Technicians see only partners in Utrecht.
    record_rules=(RecordRule("utrecht only", Partner, ("technician",), lambda uid: Partner.city == "Utrecht"),),
    reports=(
        Report(name="printshop_sheet", template="printshop/sheet.html", context=sheet,
               permission="printshop.sheet.print", model="core_partner", paper="Letter",
               filename="{partner[name]} — sheet.pdf", title="Partner sheet"),
    ),
    root=HERE,
)
