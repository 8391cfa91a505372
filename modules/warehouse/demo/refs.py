"""The ids the demo's history needs, looked up once from core's and our shipped records."""

from __future__ import annotations

from dataclasses import dataclass

from core.db.data import ref
from core.demo.partners import CUSTOMERS, SUPPLIERS
from core.demo.products import PRODUCTS
from core.demo.users import USERS
from core.products.models import Product
from modules.warehouse.demo.supplier_price import product_key
from modules.warehouse.demo.warehouse import LOCATIONS, VANS
from modules.warehouse.services import location as locations


@dataclass(frozen=True)
class World:
    product: dict[str, int]  # product code -> id
    location: dict[str, int]  # demo location key (and "customers", "suppliers", "scrap") -> id
    user: dict[str, int]  # core's user key ("tech_jan") -> id
    partner: dict[str, int]  # core's organisation key ("aquapura") -> id
    tracking: dict[int, str]  # product id -> "none", "lot" or "serial"

    def van(self, user_key: str) -> int:
        return self.location[f"van_{user_key}"]


async def world() -> World:
    product = {p.code: await ref("core", product_key(p.code)) for p in PRODUCTS}
    location = {key: await ref("warehouse", f"location.{key}") for key, *_rest in LOCATIONS}
    location |= {f"van_{user}": await ref("warehouse", f"location.van_{user}") for user, _name in VANS}
    location |= {name: await locations.virtual(kind)
                 for name, kind in (("customers", "customer"), ("suppliers", "supplier"), ("scrap", "scrap"))}
    user = {key: await ref("core", f"user.{key}") for key, *_rest in USERS}
    partner = {org.key: await ref("core", f"partner.{org.key}") for org in (*CUSTOMERS, *SUPPLIERS)}
    tracking = {r["id"]: r["tracking"] for r in await Product.select(Product.id, Product.tracking).run()}
    return World(product, location, user, partner, tracking)
