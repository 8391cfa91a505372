"""What the company area contributes to core's manifest."""

from core.company.models import Company
from core.modules.manifest import Part, Permission

PART = Part(
    tables=(Company,),
    permissions=(Permission("core.company.write", "Edit company settings"),),
    grants={"manager": ("core.company.write",)},
)
