"""The demo firm, Koffiepunt Service B.V., as loaded by `steward init --demo`."""

from __future__ import annotations

from core.auth.models import Role, User, UserRole
from core.auth.passwords import verify_password
from core.company.models import Company
from core.db import records
from core.db.data import DataRecord, ref
from core.demo import load_demo
from core.demo.users import PASSWORD
from core.partners.models import Partner, Territory
from core.products.models import Product, ProductCategory


async def _company() -> dict:
    return await Company.select().first().run()


async def test_demo_loads_a_coherent_firm(core_db: str) -> None:
    await load_demo()

    company = await _company()
    assert company["legal_name"] == "Koffiepunt Service B.V."
    assert company["vat_number"].startswith("NL") and company["vat_number"].endswith("B01")

    partners = await Partner.select().run()
    orgs = {p["id"]: p for p in partners if p["kind"] == "organisation"}
    people = [p for p in partners if p["kind"] == "person"]
    assert sum(p["is_customer"] for p in orgs.values()) == 18
    assert sum(p["is_supplier"] for p in orgs.values()) == 5
    assert all(p["parent"] in orgs for p in people)
    assert {p["parent"] for p in people} == set(orgs), "every organisation has a contact"

    territories = {t["id"]: t["postcodes"].split(",") for t in await Territory.select().run()}
    for org in orgs.values():
        if org["is_customer"]:
            assert org["postcode"][:2] in territories[org["territory"]], org["name"]

    products = await Product.select().run()
    machines = [p for p in products if p["tracking"] == "serial" and p["warranty_months"] >= 12]
    assert len(machines) >= 8
    assert {p["kind"] for p in products} == {"stockable", "consumable", "service"}
    assert all(p["category"] for p in products)
    assert all(p["unit"] in ("hour", "unit") for p in products if p["kind"] == "service")
    esp_2g = (
        await Product.select()
        .where(Product.id == await ref("core", "product.esp_2g"))
        .first()
        .run()
    )
    assert esp_2g["code"] == "ESP-2G"
    espresso = (
        await ProductCategory.select().where(ProductCategory.id == esp_2g["category"]).first().run()
    )
    assert espresso["parent"] == await ref("core", "category.machines")


async def test_demo_staff_have_their_roles_and_the_shared_password(core_db: str) -> None:
    await load_demo()

    technicians = (
        await UserRole.select(UserRole.user.login).where(UserRole.role.name == "technician").run()
    )
    assert len(technicians) == 4
    roles = {
        r["name"]
        for r in await Role.select(Role.name)
        .where(Role.id.is_in(UserRole.select(UserRole.role)))
        .run()
    }
    assert {"manager", "technician", "sales", "warehouse", "trainer"} <= roles
    jan = await User.select().where(User.id == await ref("core", "user.tech_jan")).first().run()
    assert verify_password(jan["password_hash"], PASSWORD)


async def test_loading_demo_twice_creates_no_duplicates(core_db: str) -> None:
    tables = (Territory, Partner, ProductCategory, Product, User, UserRole, DataRecord)
    await load_demo()
    counts = [await t.count().run() for t in tables]
    jan_hash = await User.select(User.password_hash).where(User.login == "jan").first().run()

    await load_demo()

    assert [await t.count().run() for t in tables] == counts
    assert (
        await User.select(User.password_hash).where(User.login == "jan").first().run() == jan_hash
    )


async def test_demo_leaves_a_company_the_user_already_named_alone(core_db: str) -> None:
    company = await _company()
    await records.update(
        Company, company["id"], {"name": "Bakkerij Jansen"}, version=company["version"]
    )

    await load_demo()

    assert (await _company())["name"] == "Bakkerij Jansen"
