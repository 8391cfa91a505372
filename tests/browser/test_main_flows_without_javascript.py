"""With JavaScript off the main flows still work as plain HTML: signing in, a form that
refuses a bad value, and the list search (a real GET form) and sort (real links)."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest

pytestmark = pytest.mark.browser

DEMO = "steward-demo"
PARTNERS = "/contacts/partners"


def partner_count(database: Any, name: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM core_partner WHERE name = ?", (name,)).fetchone()[0]


def test_signing_in_and_out_works_without_javascript(demo_site, open_page) -> None:
    w = open_page(js=False)
    demo_site.sign_in(w.page, "jan", "wrong-password")
    assert w.page.inner_text("[role=alert]") == "Invalid login or password."
    demo_site.sign_in(w.page, "jan", DEMO)
    assert w.page.url == f"{demo_site.url}/"
    assert "Jan de Bruijn" in w.page.inner_text("h1")
    w.page.click("details.usermenu summary")  # <details> opens without script
    with w.page.expect_navigation():
        w.page.click("form[action='/logout'] button")
    assert w.page.url == f"{demo_site.url}/login"


def test_a_bad_value_is_refused_without_javascript_and_saves_nothing(demo_site, open_page) -> None:
    w = open_page(js=False)
    page = w.page
    demo_site.sign_in(page, "eva", DEMO)  # Eva works in Dutch
    page.goto(f"{demo_site.url}{PARTNERS}/new")
    page.fill("#f-name", "Lunchroom Het Pleintje")
    page.fill("#f-email", "info@pleintje")
    with page.expect_navigation():
        page.click(".kit-actions button.primary")
    assert page.inner_text("#f-email-error") == "Vul een e-mailadres in zoals naam@voorbeeld.nl."
    assert page.get_attribute("#f-email", "aria-invalid") == "true"
    assert (page.input_value("#f-name"), page.input_value("#f-email")) == ("Lunchroom Het Pleintje", "info@pleintje")
    assert partner_count(demo_site.database, "Lunchroom Het Pleintje") == 0
    w.shot("nojs-partner-form-error")

    page.fill("#f-email", "info@pleintje.nl")
    with page.expect_navigation():
        page.click(".kit-actions button.primary")
    assert re.fullmatch(rf"{re.escape(demo_site.url)}{PARTNERS}/\d+", page.url)
    assert "Relatie aangemaakt." in page.inner_text("#flashes")
    assert partner_count(demo_site.database, "Lunchroom Het Pleintje") == 1


def test_the_list_search_and_sort_work_as_a_plain_form_and_links(demo_site, open_page) -> None:
    w = open_page(js=False)
    page = w.page
    demo_site.sign_in(page, "admin")
    page.goto(f"{demo_site.url}{PARTNERS}")
    everyone = page.locator("#rows tbody tr").count()
    page.fill("#kit-q", "zwaan")
    with page.expect_navigation():
        page.press("#kit-q", "Enter")
    assert re.search(r"[?&]q=zwaan(&|$)", page.url)
    rows = page.locator("#rows tbody tr").all_inner_texts()
    assert 0 < len(rows) < everyone and all("zwaan" in r.lower() for r in rows)
    assert page.input_value("#kit-q") == "zwaan"
    w.shot("nojs-partners-search")

    with page.expect_navigation():
        page.click("#rows th a.kit-sort:text-is('Reference')")
    assert "sort=reference" in page.url and "q=zwaan" in page.url  # the search is kept
    assert page.locator("#rows th[aria-sort=ascending]").inner_text().strip() == "Reference"
