"""Core's own manifest: core is the module every other module depends on."""

from core.attachments.models import Attachment
from core.auth.controllers import AuthController
from core.auth.models import ApiToken, LoginAttempt, RoleGrant, User, UserRole
from core.auth.models import Role as RoleTable
from core.company.models import Company
from core.data import load_core_data
from core.db.audit import AuditEntry
from core.db.data import DataRecord
from core.db.sequence import Sequence, SequenceCounter
from core.demo import load_demo
from core.modules.manifest import Manifest, Menu, Permission, Role
from core.modules.state import ModuleRecord, RegistryVersion
from core.partners.models import Partner, Territory
from core.products.models import Product, ProductCategory
from core.settings import ROOT
from core.web.health import healthz
from core.web.home import home

MANIFEST = Manifest(
    name="core",
    version="0.1.0",
    summary="The platform: modules, users and roles, partners, products, sequences, audit log",
    category="Technical",
    application=False,
    tables=(
        ModuleRecord, RegistryVersion, DataRecord, AuditEntry, Sequence, SequenceCounter,
        Company, RoleTable, User, UserRole, RoleGrant, LoginAttempt, ApiToken, Attachment,
        Territory, Partner, ProductCategory, Product,
    ),
    controllers=(healthz, home, AuthController),
    menus=(Menu("Home", "/", "core.home.read", order=0),),
    permissions=(
        Permission("core.home.read", "See the start page"),
        Permission("core.partner.read", "See partners"),
        Permission("core.partner.write", "Create and edit partners"),
        Permission("core.product.read", "See products"),
        Permission("core.product.write", "Create and edit products"),
        Permission("core.company.write", "Edit company settings"),
        Permission("core.user.admin", "Manage users and roles"),
        Permission("core.module.admin", "Install and remove modules"),
    ),
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
        "manager": ("core.home.read", "core.partner.read", "core.partner.write",
                    "core.product.read", "core.product.write", "core.company.write"),
        "technician": ("core.home.read", "core.partner.read", "core.product.read"),
        "sales": ("core.home.read", "core.partner.read", "core.partner.write", "core.product.read"),
        "warehouse": ("core.home.read", "core.partner.read", "core.product.read", "core.product.write"),
        "trainer": ("core.home.read",),
    },
    data=(load_core_data,),
    demo=(load_demo,),
    migrations=ROOT / "migrations" / "core",
    root=ROOT / "core",
)
