"""The billing module's table of contents: everything it adds to Steward.

Each area keeps its contributions in `parts/<area>.py`; this file assembles them.
"""

from core.modules.manifest import Manifest, assemble
from modules.billing.data import load_data
from modules.billing.demo import load_demo
from modules.billing.parts import invoice

BASE = Manifest(
    name="billing",
    version="0.1.0",
    summary="Invoices from draft to paid, their PDF and the export for the bookkeeping package",
    category="Accounting",
    depends=("core",),
    application=True,
    data=(load_data,),
    demo=(load_demo,),
)

MANIFEST = assemble(BASE, invoice.PART)
