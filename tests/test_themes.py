"""Themes change the look, never the behaviour: templates and CSS only, chosen in
config.toml (`web.theme`) or per user, looked up theme -> module -> core."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.app import create_app
from core.auth.account import set_preferences
from core.cli import main
from core.modules import lifecycle
from core.modules.discovery import Catalog
from core.settings import ROOT, load_settings
from core.testing import app_client, make_user, post_form, sign_in
from core.web.templating import (
    THEMES_DIR,
    ThemeNotFound,
    check_theme,
    make_environment,
    module_dirs,
)

HTML = {"accept": "text/html"}
CONTRAST_BRAND = 'class="brand brand-contrast"'


async def home_page(app, login: str = "eva") -> str:
    async with app_client(app) as client:
        await sign_in(client, login)
        response = await client.get("/", headers=HTML)
    assert response.status_code == 200
    return response.text


def uses(page: str, theme: str) -> bool:
    return f'href="/static/themes/{theme}/theme.css"' in page


async def test_the_configured_theme_dresses_every_page(core_db: str, catalog: Catalog, settings_for) -> None:
    await make_user("eva", roles=("manager",))
    app = create_app(settings_for(core_db, theme="contrast", registry_check_seconds=0.0), catalog)
    page = await home_page(app)
    assert uses(page, "contrast") and CONTRAST_BRAND in page
    async with app_client(app) as client:
        css = await client.get("/static/themes/contrast/theme.css")
        login = await client.get("/login", headers=HTML)
    assert css.status_code == 200 and "--fg" in css.text
    assert uses(login.text, "contrast"), "signed-out pages follow the configured theme too"


async def test_a_users_own_theme_overrides_the_configured_one(core_db: str, catalog: Catalog, settings_for) -> None:
    eva = await make_user("eva", roles=("manager",))
    await make_user("tom", roles=("manager",))
    app = create_app(settings_for(core_db, theme="default", registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        chosen = await post_form(client, "/account/preferences", {"theme": "contrast", "language": "en",
                                                                  "next": "/account"})
        assert chosen.status_code == 303 and chosen.headers["location"] == "/account"
        page = (await client.get("/account", headers=HTML)).text
    assert uses(page, "contrast") and CONTRAST_BRAND in page
    assert uses(await home_page(app, "tom"), "default"), "other users keep the firm's theme"
    await set_preferences(eva["id"], language=None, theme="")
    assert uses(await home_page(app, "eva"), "default"), "an empty choice means the firm's theme"


async def test_a_users_choice_of_an_unknown_theme_is_ignored(core_db: str, catalog: Catalog, settings_for) -> None:
    await make_user("eva", roles=("manager",))
    app = create_app(settings_for(core_db, theme="contrast", registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        await post_form(client, "/account/preferences", {"theme": "../default", "next": "/"})
        page = (await client.get("/", headers=HTML)).text
    assert uses(page, "contrast")


def test_the_themes_template_wins_over_cores(catalog: Catalog) -> None:
    contrast, default = make_environment("contrast", catalog), make_environment("default", catalog)
    brand = contrast.get_template("core/_brand.html")
    assert Path(str(brand.filename)).is_relative_to(THEMES_DIR / "contrast" / "templates")
    assert Path(str(default.get_template("core/_brand.html").filename)).is_relative_to(ROOT / "core" / "templates")
    # What the theme does not override still comes from core.
    assert Path(str(contrast.get_template("core/base.html").filename)).is_relative_to(ROOT / "core" / "templates")


def test_a_modules_template_resolves_under_a_theme(catalog: Catalog) -> None:
    example = catalog["example"]
    assert example.root is not None
    assert module_dirs(catalog, "templates")[-1] == ROOT / "core" / "templates", "core comes last"
    found = make_environment("contrast", catalog).get_template("example/water_test/list.html")
    assert Path(str(found.filename)).is_relative_to(example.root / "templates")


async def test_a_module_page_under_the_contrast_theme(core_db: str, catalog: Catalog, settings_for) -> None:
    await lifecycle.install(catalog, ["example"])
    await make_user("eva", roles=("manager",))
    app = create_app(settings_for(core_db, theme="contrast", registry_check_seconds=0.0), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        response = await client.get("/example/water-tests", headers=HTML)
    assert response.status_code == 200
    assert "<h1>Water tests</h1>" in response.text and CONTRAST_BRAND in response.text


def test_an_unknown_theme_in_the_configuration_stops_the_app(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[web]\ntheme = "neon"\n')
    settings = load_settings(cfg, env={"STEWARD_VAR_DIR": str(tmp_path / "var")})
    with pytest.raises(ThemeNotFound) as refused:
        check_theme(settings)
    assert str(cfg) in str(refused.value) and "web.theme" in str(refused.value)
    assert "'neon'" in str(refused.value) and "contrast, default" in str(refused.value)
    with pytest.raises(ThemeNotFound):
        create_app(settings)


def test_the_command_line_names_the_file_and_key_of_an_unknown_theme(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[web]\ntheme = "neon"\n')
    result = CliRunner().invoke(main, ["--config", str(cfg), "serve"], env={"STEWARD_VAR_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert f"error: {cfg}: key 'web.theme': no theme 'neon'" in result.output


def test_themes_hold_no_python() -> None:
    assert {p.name for p in THEMES_DIR.iterdir() if p.is_dir()} >= {"default", "contrast"}
    code = [p for p in THEMES_DIR.rglob("*") if p.suffix in (".py", ".pyc") or p.name == "__pycache__"]
    assert not code, f"a theme changes templates and CSS only: {code}"


def test_a_theme_overrides_only_templates_that_exist(catalog: Catalog) -> None:
    """An override with a mistyped name would silently do nothing."""
    known = module_dirs(catalog, "templates")
    for theme_dir in THEMES_DIR.glob("*/templates"):
        for template in theme_dir.rglob("*.html"):
            name = template.relative_to(theme_dir)
            assert any((d / name).is_file() for d in known), f"{template}: overrides nothing"


# WCAG 2.1 contrast: the relative luminance of sRGB colours, AA needs 4.5:1 for text.
def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colours(css: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})\b", css))


def test_contrast_is_measured_the_wcag_way() -> None:
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


# (text, background) of the frame: body, top bar, links, cards, muted text, messages, buttons.
PAIRS = [("fg", "bg"), ("accent-fg", "accent"), ("link", "bg"), ("link", "card"), ("fg", "card"),
         ("muted", "bg"), ("muted", "card"), ("danger", "card"), ("ok", "card"), ("warn", "card")]


def test_the_contrast_theme_meets_wcag_aaa_for_the_frames_colours() -> None:
    palette = colours((ROOT / "core" / "static" / "core" / "steward.css").read_text())
    palette |= colours((THEMES_DIR / "contrast" / "static" / "theme.css").read_text())
    weak = {f"{fg} on {bg}": round(contrast(palette[fg], palette[bg]), 2) for fg, bg in PAIRS
            if contrast(palette[fg], palette[bg]) < 7}
    assert not weak, f"below 7:1 (WCAG AAA) in the contrast theme: {weak}"


def test_the_theme_listing_sees_a_theme_added_while_running(tmp_path, monkeypatch) -> None:
    """themes() keeps its listing while the folder's mtime stays the same; adding a theme
    changes the mtime, and a listing taken just after a change is not kept at all."""
    import os

    from core.web import templating

    monkeypatch.setattr(templating, "THEMES_DIR", tmp_path)
    (tmp_path / "default").mkdir()
    os.utime(tmp_path, ns=(10**18, 10**18))  # an old folder: its listing is kept
    assert templating.themes() == ["default"]
    (tmp_path / "sunny").mkdir()
    assert templating.themes() == ["default", "sunny"]
    # Changed just now, then changed again within the same tick (the mtime put back):
    # the listing taken meanwhile was not kept, so the second change is seen too.
    stamp = os.stat(tmp_path).st_mtime_ns
    (tmp_path / "dusk").mkdir()
    os.utime(tmp_path, ns=(stamp, stamp))
    assert templating.themes() == ["default", "dusk", "sunny"]
    (tmp_path / "dawn").mkdir()
    os.utime(tmp_path, ns=(stamp, stamp))
    assert templating.themes() == ["dawn", "default", "dusk", "sunny"]
    (tmp_path / "sunny").rename(tmp_path / "bright")
    assert templating.themes() == ["bright", "dawn", "default", "dusk"]
