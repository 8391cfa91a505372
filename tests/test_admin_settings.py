"""Company settings (name, regional choices, logo) and the settings modules declare."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.admin.models import Setting
from core.admin.settings_store import UnknownSetting, get_setting, set_setting
from core.app import create_app
from core.company.models import Company
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.modules.manifest import Manifest, SettingField
from core.testing import app_client, csrf_token, make_user, post_form, sign_in

HTML = {"accept": "text/html"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TUNING = Manifest(
    name="tuning", version="1.0.0", summary="Declares settings", depends=("core",),
    settings=(
        SettingField("visits_per_day", "Visits per day", 6, "int"),
        SettingField("auto_close", "Close finished visits automatically", True, "bool"),
        SettingField("hourly_rate", "Hourly rate", Decimal("65.00"), "decimal"),
        SettingField("greeting", "Greeting", "Hello", "str"),
    ),
)
COMPANY = {"name": "Koffiepunt", "legal_name": "Koffiepunt B.V.", "vat_number": "NL862145397B01",
           "chamber_of_commerce": "71846259", "street": "Rietveldenweg 42", "postcode": "5222 AP",
           "city": "Den Bosch", "country": "NL", "email": "info@koffiepunt.nl", "phone": "+31 73 612 4580",
           "iban": "NL64 RABO 0314 7298 56", "currency": "EUR", "language": "nl", "timezone": "Europe/Amsterdam"}


@pytest.fixture
async def modules(core_db: str) -> Catalog:
    catalog = discover(extra=[TUNING])
    register_apps(catalog.manifests.values())
    await lifecycle.install(catalog, ["tuning"])
    return catalog


@pytest.fixture
async def admin(modules: Catalog, core_db: str, settings_for):
    await make_user("root", roles=("admin",))
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), modules)
    async with app_client(app) as client:
        await sign_in(client, "root")
        yield client


async def _version() -> str:
    row = await Company.select(Company.version).first().run()
    assert row is not None
    return str(row["version"])


async def save_company(client, values: dict, logo: tuple[str, bytes, str] = ("", b"", "application/octet-stream")):
    data = {**values, "version": await _version(), "_csrf_token": csrf_token(client)}
    return await client.post("/admin/settings/company", data=data, files={"logo": logo})


async def test_saving_the_company_renames_the_top_bar_in_every_process(
    admin, modules: Catalog, core_db: str, settings_for
) -> None:
    other = create_app(settings_for(core_db, registry_check_seconds=0.0), modules)
    async with app_client(other) as second:
        await sign_in(second, "root")
        assert 'class="brand" href="/">My Company<' in (await second.get("/", headers=HTML)).text
        response = await save_company(admin, COMPANY)
        assert response.status_code == 303
        assert 'class="brand" href="/">Koffiepunt<' in (await second.get("/", headers=HTML)).text
    row = await Company.select().first().run()
    assert row is not None and row["iban"] == "NL64RABO0314729856" and row["city"] == "Den Bosch"
    assert "The company settings were saved." in (await admin.get("/admin/settings", headers=HTML)).text


async def test_bad_company_values_are_shown_per_field_and_nothing_is_saved(admin) -> None:
    response = await save_company(admin, {**COMPANY, "name": "", "iban": "NL00RABO0314729856",
                                          "timezone": "Mars/Olympus", "currency": "XYZ", "email": "nope"})
    assert response.status_code == 400
    for message in ("Enter the company name.", "This is not a valid IBAN", "Choose a time zone from the list.",
                    "Choose a currency from the list.", "Enter an e-mail address"):
        assert message in response.text
    assert 'value="Rietveldenweg 42"' in response.text  # typed values are kept
    row = await Company.select().first().run()
    assert row is not None and row["name"] == "My Company" and row["street"] == ""


async def test_a_png_logo_is_stored_and_served_other_files_are_refused(admin) -> None:
    assert (await admin.get("/company/logo")).status_code == 404
    svg = await save_company(admin, COMPANY, ("logo.svg", b"<svg onload='alert(1)'/>", "image/svg+xml"))
    assert svg.status_code == 400 and "Upload a PNG or JPEG image." in svg.text
    big = await save_company(admin, COMPANY, ("logo.png", PNG + b"\x00" * (1024 * 1024), "image/png"))
    assert big.status_code == 400 and "at most 1 MB" in big.text
    assert (await Company.select(Company.name).first().run())["name"] == "My Company"  # type: ignore[index]

    ok = await save_company(admin, COMPANY, ("logo.png", PNG, "image/png"))
    assert ok.status_code == 303
    served = await admin.get("/company/logo")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png" and served.content == PNG
    removed = await save_company(admin, {**COMPANY, "remove_logo": "1"})
    assert removed.status_code == 303 and (await admin.get("/company/logo")).status_code == 404


async def test_module_settings_have_defaults_validation_and_typed_values(admin) -> None:
    assert await get_setting(TUNING, "visits_per_day") == 6
    page = (await admin.get("/admin/settings", headers=HTML)).text
    assert 'id="settings-tuning"' in page and "Visits per day" in page and 'value="65.00"' in page

    bad = await post_form(admin, "/admin/settings/modules/tuning", {
        "s_visits_per_day": "six", "s_hourly_rate": "cheap", "s_greeting": "Hi", "s_auto_close": "1"})
    assert bad.status_code == 400
    assert "Enter a whole number." in bad.text and "Enter a number, e.g. 12.50." in bad.text
    assert 'value="six"' in bad.text
    assert not await Setting.exists().run()

    good = await post_form(admin, "/admin/settings/modules/tuning", {
        "s_visits_per_day": "8", "s_hourly_rate": "72,50", "s_greeting": "Goedemorgen"})
    assert good.status_code == 303
    assert await get_setting(TUNING, "visits_per_day") == 8
    assert await get_setting(TUNING, "hourly_rate") == Decimal("72.50")
    assert await get_setting(TUNING, "auto_close") is False  # unticked
    assert await get_setting(TUNING, "greeting") == "Goedemorgen"


async def test_a_concurrent_module_settings_save_is_refused(admin) -> None:
    form = {"s_visits_per_day": "8", "s_hourly_rate": "70", "s_greeting": "Hi", "v_visits_per_day": "0"}
    assert (await post_form(admin, "/admin/settings/modules/tuning", form)).status_code == 303
    again = await post_form(admin, "/admin/settings/modules/tuning", {**form, "s_visits_per_day": "9"})
    assert again.status_code == 409 and "Someone else saved these settings" in again.text
    assert await get_setting(TUNING, "visits_per_day") == 8


async def test_settings_store_round_trip(modules: Catalog) -> None:
    await set_setting(TUNING, "auto_close", False)
    await set_setting(TUNING, "hourly_rate", Decimal("80.25"))
    assert await get_setting(TUNING, "auto_close") is False
    assert await get_setting(TUNING, "hourly_rate") == Decimal("80.25")
    with pytest.raises(UnknownSetting):
        await get_setting(TUNING, "nope")


async def test_settings_pages_need_company_write(modules: Catalog, core_db: str, settings_for) -> None:
    await make_user("jan", roles=("technician",))
    async with app_client(create_app(settings_for(core_db), modules)) as client:
        await sign_in(client, "jan")
        assert (await client.get("/admin/settings", headers=HTML)).status_code == 403
        assert (await post_form(client, "/admin/settings/modules/tuning", {"s_greeting": "x"})).status_code == 403
