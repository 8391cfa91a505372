"""What the auth area contributes to core's manifest."""

from core.auth.controllers import AuthController
from core.auth.models import ApiToken, LoginAttempt, Role, RoleGrant, User, UserRole
from core.modules.manifest import Part, Permission

PART = Part(
    tables=(Role, User, UserRole, RoleGrant, LoginAttempt, ApiToken),
    controllers=(AuthController,),
    permissions=(
        Permission("core.user.admin", "Manage users and roles"),
        Permission("core.module.admin", "Install and remove modules"),
    ),
)
