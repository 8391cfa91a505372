"""What the JSON API contributes to core's manifest: the core records' REST resources."""

from core.api.partners import PARTNERS, TERRITORIES
from core.api.products import CATEGORIES, PRODUCTS
from core.api.users import USERS
from core.modules.manifest import Part, Permission

RESOURCES = (PARTNERS, TERRITORIES, PRODUCTS, CATEGORIES, USERS)

PART = Part(
    controllers=tuple(r.controller for r in RESOURCES),
    permissions=(Permission("core.user.read", "See users (names, logins, roles)"),),
    grants={"manager": ("core.user.read",)},
)
