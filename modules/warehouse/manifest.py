"""The warehouse module's table of contents: everything it adds to Steward.

Each area keeps its contributions in `parts/<area>.py`; this file assembles them.
"""

from core.modules.manifest import Manifest, Role, assemble
from modules.warehouse.data import load_data
from modules.warehouse.demo import load_demo
from modules.warehouse.parts import purchase, returns, stock

BASE = Manifest(
    name="warehouse",
    version="0.1.0",
    summary="Stock per location and serial, vans, reordering, purchasing, returns and repairs sent out",
    category="Operations",
    depends=("core",),
    application=True,
    roles=(Role("purchaser", "Purchaser"),),
    data=(load_data,),
    demo=(load_demo,),
)

MANIFEST = assemble(BASE, stock.PART, purchase.PART, returns.PART)
