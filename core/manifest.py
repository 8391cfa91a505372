"""Core's own manifest: core is the module every other module depends on.

Each area of core lists its contributions in its own `part.py`; this file
assembles them, so adding an area means adding one line to PARTS.
"""

from core.admin.part import PART as ADMIN
from core.api.part import PART as API
from core.attachments.part import PART as ATTACHMENTS
from core.auth.part import PART as AUTH
from core.company.part import PART as COMPANY
from core.dashboard.part import PART as DASHBOARD
from core.data import load_core_data
from core.db.audit import AuditEntry
from core.db.data import DataRecord
from core.db.sequence import Sequence, SequenceCounter
from core.demo import load_demo
from core.jobs.part import PART as JOBS
from core.mail.part import PART as MAIL
from core.modules.manifest import Manifest, Menu, Permission, Role, assemble
from core.modules.state import ModuleRecord, RegistryVersion
from core.partners.part import PART as PARTNERS
from core.products.part import PART as PRODUCTS
from core.reports.part import PART as REPORTS
from core.settings import ROOT
from core.web.health import healthz, livez
from core.web.home import home

# Order matters for tables: a table comes after the tables it references.
PARTS = (COMPANY, AUTH, ATTACHMENTS, PARTNERS, PRODUCTS, ADMIN, REPORTS, MAIL, API, JOBS, DASHBOARD)

BASE = Manifest(
    name="core",
    version="0.1.0",
    summary="The platform: modules, users and roles, partners, products, sequences, audit log",
    category="Technical",
    tables=(ModuleRecord, RegistryVersion, DataRecord, AuditEntry, Sequence, SequenceCounter),
    controllers=(healthz, livez, home),
    menus=(Menu("Home", "/", "core.home.read", order=0),),
    permissions=(Permission("core.home.read", "See the start page"),),
    roles=(
        Role("admin", "Administrator"),
        Role("manager", "Service manager"),
        Role("technician", "Technician"),
        Role("sales", "Sales"),
        Role("warehouse", "Warehouse"),
        Role("trainer", "Trainer"),
    ),
    grants={
        "admin": ("*",),
        **{role: ("core.home.read",) for role in ("manager", "technician", "sales", "warehouse", "trainer")},
    },
    data=(load_core_data,),
    demo=(load_demo,),
    migrations=ROOT / "migrations" / "core",
    root=ROOT / "core",
)

MANIFEST = assemble(BASE, *PARTS)
