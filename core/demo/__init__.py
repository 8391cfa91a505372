"""Demo data: the story of Koffiepunt Service B.V., loaded by `steward init --demo`.

Koffiepunt Service sells, installs and services professional coffee machines
(espresso machines, bean-to-cup machines, grinders, water filters) from
's-Hertogenbosch, for cafés, hotels, restaurants, office canteens and a hospital
across Noord-Brabant, Utrecht/Gelderland and the southern Randstad.

Other modules' demo loaders continue the story: they look core's records up with
`core.db.data.ref("core", key)`. The keys are built from the data in each file:
`territory.<code>`, `partner.<org>`, `partner.<org>.<contact>`, `category.<key>`,
`product.<code>` (lower case, dashes as underscores, e.g. `product.esp_2g`) and
`user.<key>` (e.g. `user.tech_jan`).
"""

from core.demo.company import load_company
from core.demo.partners import load_partners
from core.demo.products import load_products
from core.demo.territories import load_territories
from core.demo.users import load_users


async def load_demo() -> None:
    await load_company()
    await load_territories()
    await load_partners()
    await load_products()
    await load_users()
