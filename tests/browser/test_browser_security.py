"""Security smoke in a real browser: markup typed into a name renders as text on the list,
detail and history; every main page carries the Content Security Policy and the console
reports no violation of it (nor any script error) while the pages are used."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PARTNERS = "/contacts/partners"
XSS = '<img src=x onerror="window.__xss=1">'
MAIN_PAGES = ("/", PARTNERS, f"{PARTNERS}/new", "/contacts/territories", "/products", "/products/new",
              "/products/categories", "/admin", "/admin/apps", "/admin/users", "/admin/roles",
              "/admin/settings", "/admin/audit", "/account")


def first_id(database: Any, table: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute(f"SELECT min(id) FROM {table}").fetchone()[0]  # table: a fixed name, never input


def shot_name(path: str) -> str:
    return "page" + (re.sub(r"[^a-z0-9]+", "-", path).rstrip("-") or "-home")


def test_markup_in_a_name_is_shown_as_text_and_never_runs(demo_site, open_page) -> None:
    w = open_page()
    page = w.page
    demo_site.sign_in(page, "admin")
    page.goto(f"{demo_site.url}{PARTNERS}/new")
    page.fill("#f-name", XSS)
    with page.expect_navigation():
        page.click(".kit-actions button.primary")
    assert page.locator("h1").inner_text() == XSS
    detail = page.url

    page.goto(f"{demo_site.url}{PARTNERS}")
    page.fill("#kit-q", "onerror")
    page.wait_for_url(re.compile(r"[?&]q=onerror"))
    page.locator("#rows tbody a", has_text=XSS).wait_for()  # swapped in by htmx, still text
    assert page.locator("img[src=x]").count() == 0
    w.shot("xss-list")

    page.goto(f"{detail}?tab=history")
    assert page.locator("#tab-history", has_text=XSS).count() == 1
    assert XSS in page.title()
    assert page.locator("img[src=x]").count() == 0
    w.shot("xss-detail")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert w.csp == [] and w.errors == []


def test_main_pages_carry_the_csp_and_break_none_of_it(demo_site, open_page) -> None:
    w = open_page()
    page = w.page
    answer = page.goto(f"{demo_site.url}/login")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "'unsafe-inline'" not in answer.headers["content-security-policy"]
    w.shot("page-login")
    demo_site.sign_in(page, "admin")
    partner, product = first_id(demo_site.database, "core_partner"), first_id(demo_site.database, "core_product")
    pages = (*MAIN_PAGES, f"{PARTNERS}/{partner}", f"{PARTNERS}/{partner}/edit", f"/products/{product}",
             f"{PARTNERS}/{partner}?tab=attachments")
    for path in pages:
        answer = page.goto(f"{demo_site.url}{path}")
        assert answer.status == 200, path
        assert answer.headers["content-security-policy"].startswith("default-src 'self'"), path
        w.shot(shot_name(path))
    # and what htmx does on them: live search, sort, paging, a detail tab, a many2one search
    page.goto(f"{demo_site.url}{PARTNERS}")
    page.fill("#kit-q", "a")
    page.wait_for_url(re.compile(r"[?&]q=a"))
    page.wait_for_load_state("networkidle")
    # htmx pushes the URL just before it swaps the rows in: wait for the searched rows' pager
    page.click("#rows a[rel=next][href*='q=a']")
    page.wait_for_url(re.compile(r"page=2"))
    page.go_back()
    page.wait_for_url(re.compile(r"[?&]q=a(&|$)"))
    page.goto(f"{demo_site.url}{PARTNERS}/{partner}")
    page.click("#detail-tabs nav.tabs a[href*='tab=attachments']")
    page.wait_for_url(re.compile(r"tab=attachments$"))
    page.goto(f"{demo_site.url}{PARTNERS}/new")
    page.fill("#f-territory-q", "bra")
    page.locator("#f-territory option", has_text="Brabant").first.wait_for(state="attached")
    assert w.csp == [], w.csp
    assert w.errors == []
