"""What the admin area contributes to core's manifest: the Settings menu and its pages."""

from core.admin.apps import AppsController
from core.admin.audit import AuditController
from core.admin.index import TOP, admin_index
from core.admin.models import Setting
from core.admin.roles import RolesController
from core.admin.settings import SettingsController, company_logo
from core.admin.users import UsersController
from core.modules.manifest import Menu, Part, Permission

PART = Part(
    tables=(Setting,),
    controllers=(admin_index, AppsController, UsersController, RolesController, SettingsController,
                 company_logo, AuditController),
    menus=(
        Menu(TOP, "/admin", "core.admin.read", order=900),
        Menu("Apps", "/admin/apps", "core.module.admin", order=910, parent=TOP),
        Menu("Users", "/admin/users", "core.user.admin", order=920, parent=TOP),
        Menu("Roles", "/admin/roles", "core.user.admin", order=930, parent=TOP),
        Menu("Company & settings", "/admin/settings", "core.company.write", order=940, parent=TOP),
        Menu("Audit log", "/admin/audit", "core.audit.read", order=950, parent=TOP),
    ),
    permissions=(
        Permission("core.admin.read", "Open the Settings area"),
        Permission("core.audit.read", "Browse the audit log"),
    ),
    grants={"manager": ("core.admin.read",)},
)
