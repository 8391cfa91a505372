"""The main flows in a real browser, on one demo site per module: signing in and out, the
menu each role sees, the partner list's live search and sort, a form refusing a bad value,
installing a module from the Apps page, a detail page's tabs and switching language."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DEMO = "steward-demo"
PARTNERS = "/contacts/partners"
ZWAAN = "Café De Zwaan"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def partner_ids(database: Any, name: str) -> list[int]:
    with sqlite3.connect(database) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM core_partner WHERE name = ?", (name,))]


def menu(page: Any) -> list[str]:
    return page.eval_on_selector_all("nav.menu a", "links => links.map(a => a.getAttribute('href'))")


def column(page: Any, index: int) -> list[str]:
    return [t.strip() for t in page.locator(f"#rows tbody tr td:nth-child({index})").all_inner_texts()]


def test_signing_in_leads_to_the_dashboard_and_signing_out_back_to_the_form(demo_site, open_page) -> None:
    w = open_page()
    page = w.page
    demo_site.sign_in(page, "eva", "not-her-password")
    assert page.url == f"{demo_site.url}/login"
    assert page.inner_text("[role=alert]") == "Invalid login or password."
    assert page.input_value("input[name=login]") == "eva"
    w.shot("login-refused")

    demo_site.sign_in(page, "eva", DEMO)
    assert page.url == f"{demo_site.url}/"
    assert "Eva Hendriks" in page.inner_text("h1")
    assert page.locator(".dashboard .tile").count() >= 1
    w.shot("dashboard-eva")

    page.click("details.usermenu summary")
    with page.expect_navigation():
        page.click("form[action='/logout'] button")
    assert page.url == f"{demo_site.url}/login"
    page.goto(f"{demo_site.url}{PARTNERS}")
    assert page.url.startswith(f"{demo_site.url}/login")  # the session is gone
    assert w.csp == [] and w.errors == []


@pytest.mark.parametrize(("login", "password", "shown", "hidden"), [
    ("jan", DEMO, {PARTNERS, "/products"}, {"/admin"}),
    ("eva", DEMO, {PARTNERS, "/products", "/admin"}, set()),
    ("admin", None, {PARTNERS, "/products", "/admin"}, set()),
])
def test_the_menu_shows_only_what_the_role_may_open(demo_site, open_page, login, password, shown, hidden) -> None:
    w = open_page()
    demo_site.sign_in(w.page, login, password)
    entries = set(menu(w.page))
    assert shown <= entries and not hidden & entries
    answer = w.page.goto(f"{demo_site.url}/admin")
    side = set(w.page.eval_on_selector_all("nav.side a", "links => links.map(a => a.getAttribute('href'))"))
    if login == "jan":
        assert answer.status == 403
    elif login == "eva":  # managers open Settings, but only admins manage modules, users and roles
        assert answer.status == 200 and side and not side & {"/admin/apps", "/admin/users", "/admin/roles"}
    else:
        assert {"/admin/apps", "/admin/users", "/admin/roles", "/admin/settings", "/admin/audit"} <= side
        w.shot("settings-admin")


def test_typing_in_the_search_box_updates_rows_and_url_without_a_reload(demo_site, open_page) -> None:
    w = open_page()
    page = w.page
    demo_site.sign_in(page, "admin")
    page.goto(f"{demo_site.url}{PARTNERS}")
    everyone = page.locator("#rows tbody tr").count()
    assert everyone > 5
    page.evaluate("window.__sameDocument = true")
    page.fill("#kit-q", "zwaan")
    page.wait_for_url(re.compile(r"[?&]q=zwaan"))
    rows = page.locator("#rows tbody tr")
    expect(rows.filter(has_not_text=re.compile("zwaan", re.IGNORECASE))).to_have_count(0)
    assert ZWAAN in column(page, 1) and 0 < rows.count() < everyone
    assert page.evaluate("window.__sameDocument") is True
    w.shot("partners-search")

    page.go_back()
    page.wait_for_url(f"{demo_site.url}{PARTNERS}")
    expect(page.locator("#rows tbody tr")).to_have_count(everyone)
    assert page.input_value("#kit-q") == ""

    page.click("#rows th a.kit-sort:text-is('City')")
    page.wait_for_url(re.compile(r"sort=city&dir=asc|dir=asc.*sort=city"))
    page.wait_for_selector("#rows th[aria-sort=ascending] >> text=City")
    cities = column(page, 4)
    assert cities == sorted(cities, key=str.casefold)
    page.click("#rows th a.kit-sort:text-is('City')")
    page.wait_for_selector("#rows th[aria-sort=descending] >> text=City")
    assert "dir=desc" in page.url
    descending = column(page, 4)
    assert descending == sorted(descending, key=str.casefold, reverse=True) and descending != cities
    assert page.evaluate("window.__sameDocument") is True
    assert w.csp == [] and w.errors == []


def test_leaving_the_search_box_does_not_search_again_and_a_filter_change_does(demo_site, open_page) -> None:
    w = open_page()
    page = w.page
    demo_site.sign_in(page, "admin")
    page.goto(f"{demo_site.url}{PARTNERS}")
    page.fill("#kit-q", "a")
    page.wait_for_url(re.compile(r"[?&]q=a"))
    page.wait_for_load_state("networkidle")
    searched: list[str] = []
    page.on("request", lambda r: searched.append(r.url) if PARTNERS in r.url else None)
    page.locator("#kit-q").blur()  # the old value: no request that could replace a pager click
    page.click("h1")
    page.wait_for_timeout(400)
    assert searched == []
    page.click("#rows a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    assert len(searched) == 1
    page.select_option("#kit-filters select[name=customer]", "yes")
    page.wait_for_url(re.compile(r"customer=yes"))
    assert "q=a" in page.url and "page=2" not in page.url and len(searched) == 2
    page.click("#kit-filters details.kit-cols summary")
    page.check("#kit-filters input[name=cols][value=phone]")
    page.wait_for_url(re.compile(r"cols=phone"))
    page.wait_for_selector("#rows th >> text=Phone")
    assert len(searched) == 3
    assert w.csp == [] and w.errors == []


def test_a_bad_value_shows_the_field_error_keeps_the_input_and_saves_nothing(demo_site, open_page) -> None:
    w = open_page()
    page = w.page
    demo_site.sign_in(page, "admin")
    page.goto(f"{demo_site.url}{PARTNERS}/new")
    w.shot("partner-new")
    page.fill("#f-name", "Brouwerij Het Anker")
    page.fill("#f-email", "info@het-anker")  # the browser accepts it; the server does not
    page.fill("#f-city", "Breda")
    with page.expect_navigation():
        page.click(".kit-actions button.primary")
    error = page.locator(".kit-field.has-error #f-email-error")
    assert error.inner_text() == "Enter an e-mail address like name@example.com."
    assert page.get_attribute("#f-email", "aria-invalid") == "true"
    assert (page.input_value("#f-name"), page.input_value("#f-email"), page.input_value("#f-city")) == (
        "Brouwerij Het Anker", "info@het-anker", "Breda")
    assert partner_ids(demo_site.database, "Brouwerij Het Anker") == []
    w.shot("partner-form-error")

    page.fill("#f-email", "info@het-anker.nl")
    with page.expect_navigation():
        page.click(".kit-actions button.primary")
    (created,) = partner_ids(demo_site.database, "Brouwerij Het Anker")
    assert page.url == f"{demo_site.url}{PARTNERS}/{created}"
    assert "Partner created." in page.inner_text("#flashes")
    assert "info@het-anker.nl" in page.inner_text("main")
    assert w.csp == [] and w.errors == []


def test_a_module_installed_from_the_apps_page_adds_its_menu_until_uninstalled(demo_site, open_page) -> None:
    w = open_page()
    page = w.page
    demo_site.sign_in(page, "admin")
    page.goto(f"{demo_site.url}/admin/apps")
    w.shot("apps")
    app = page.locator("li.app", has=page.locator("h2", has_text="example"))
    assert "/example/water-tests" not in menu(page)
    with page.expect_navigation():
        app.locator("a", has_text="Install").click()
    assert page.url == f"{demo_site.url}/admin/apps/example/install"
    assert page.locator("ol.plan-modules li").all_inner_texts() == ["example"]
    w.shot("apps-install-confirm")
    with page.expect_navigation():
        page.click("form.plan-form button[type=submit]")
    assert page.url == f"{demo_site.url}/admin/apps"
    assert "Installed: example." in page.inner_text("#flashes")
    assert page.locator("nav.menu a[href='/example/water-tests']").inner_text() == "Water tests"

    with page.expect_navigation():
        page.click("nav.menu a[href='/example/water-tests']")
    assert page.locator("h1").count() == 1
    w.shot("water-tests")

    page.goto(f"{demo_site.url}/admin/apps/example/uninstall")
    w.shot("apps-uninstall-confirm")
    page.check("form.plan-form input[name=confirm]")
    with page.expect_navigation():
        page.click("form.plan-form button[type=submit]")
    assert "Uninstalled: example." in page.inner_text("#flashes")
    assert "/example/water-tests" not in menu(page)
    assert w.csp == [] and w.errors == []


def test_the_detail_page_shows_history_and_takes_an_attachment(demo_site, open_page) -> None:
    w = open_page()
    page = w.page
    demo_site.sign_in(page, "admin")
    (zwaan,) = partner_ids(demo_site.database, ZWAAN)
    page.goto(f"{demo_site.url}{PARTNERS}/{zwaan}")
    w.shot("partner-detail")
    page.evaluate("window.__sameDocument = true")
    page.click("#detail-tabs nav.tabs a[href*='tab=history']")
    page.wait_for_url(re.compile(r"tab=history$"))
    expect(page.locator("#detail-tabs nav.tabs a[aria-current=page]")).to_have_text(re.compile("^History"))
    expect(page.locator("#tab-history")).to_contain_text("created")
    expect(page.locator("#tab-history")).to_contain_text(ZWAAN)
    w.shot("partner-history")

    page.click("#detail-tabs nav.tabs a[href*='tab=attachments']")
    page.wait_for_selector("#tab-attachments #attach-file")
    page.wait_for_url(re.compile(r"tab=attachments$"))
    page.set_input_files("#attach-file", files=[{"name": "espresso-machine.png", "mimeType": "image/png",
                                                   "buffer": PNG}])
    page.click("form.attach-form button[type=submit]")
    link = page.locator("#attachments-panel a[download]", has_text="espresso-machine.png")
    link.wait_for()
    w.shot("partner-attachments")
    answer = page.request.get(f"{demo_site.url}{link.get_attribute('href')}")
    assert answer.status == 200 and answer.body() == PNG
    assert page.evaluate("window.__sameDocument") is True  # tabs and upload swapped in place
    assert w.csp == [] and w.errors == []


def test_choosing_nederlands_in_the_user_menu_shows_dutch_labels(demo_site, open_page) -> None:
    w = open_page()
    page = w.page
    demo_site.sign_in(page, "admin")
    page.goto(f"{demo_site.url}{PARTNERS}")
    assert page.locator("nav.menu a[href='/contacts/partners']").inner_text() == "Contacts"
    page.click("details.usermenu summary")
    page.select_option("details.usermenu select[name=language]", "nl")
    with page.expect_navigation():
        page.click("form[action='/account/preferences'] button[type=submit]")
    assert page.url == f"{demo_site.url}{PARTNERS}"
    assert page.locator("nav.menu a[href='/contacts/partners']").inner_text() == "Contacten"
    assert page.locator("nav.menu a[href='/admin']").inner_text() == "Instellingen"
    assert page.get_attribute("#kit-q", "placeholder") == "Zoeken…"
    w.shot("partners-nl")

    page.click("details.usermenu summary")  # and back, for the other tests of this site
    page.select_option("details.usermenu select[name=language]", "en")
    with page.expect_navigation():
        page.click("form[action='/account/preferences'] button[type=submit]")
    assert page.locator("nav.menu a[href='/contacts/partners']").inner_text() == "Contacts"
