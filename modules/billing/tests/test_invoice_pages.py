"""The invoice pages through HTTP: real forms with CSRF, htmx fragments for the lines, the
state actions, the list with its filters and export, the dashboard tile, and 403 without
the permission."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import httpx

from core.testing import make_user, post_form
from modules.billing.services import invoice as invoices
from modules.billing.services.invoice import Line
from modules.billing.tests.conftest import HTML, HTMX, customer, draft, product, text

PATH = "/billing/invoices"


def record_id(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text[:800]
    return int(response.headers["location"].split("#")[0].rstrip("/").rsplit("/", 1)[1])


def issue_url(page: str) -> str:
    found = re.search(r'action="(/billing/invoices/\d+/issue\?version=\d+)"', page)
    assert found, "no Issue button"
    return found.group(1)


async def test_a_draft_is_made_its_lines_changed_and_it_is_issued_through_the_pages(client_as) -> None:
    await make_user("lotte", roles=("sales",))
    await make_user("mia", roles=("manager",))
    zwaan, descaler = await customer(), await product()
    client = await client_as("lotte")

    listing = await client.get(PATH, headers=HTML)
    assert listing.status_code == 200 and "New invoice" in listing.text
    form = await client.get(f"{PATH}/new", headers=HTML)
    assert form.status_code == 200 and 'name="payment_terms"' in form.text and 'value="14"' in form.text
    refused = await post_form(client, f"{PATH}/new", {"partner": "", "payment_terms": "14"}, headers=HTML)
    assert refused.status_code == 400 and "This field is required." in refused.text
    invoice_id = record_id(await post_form(client, f"{PATH}/new", {
        "partner": str(zwaan), "payment_terms": "30", "customer_reference": "PO 4711", "notes": ""}))
    url = f"{PATH}/{invoice_id}"
    page = (await client.get(url, headers=HTML)).text
    assert f"Draft #{invoice_id}" in page and "PO 4711" in page and "Add a line" in page
    assert "30 days after the invoice date" in page
    assert "/issue?" not in page  # sales prepare invoices; a manager issues them

    added = await post_form(client, f"{url}/lines", {"description": "Maintenance visit", "quantity": "1",
                                                     "unit_price": "195", "discount": "", "vat_rate": "21"},
                            headers=HTMX)
    assert added.status_code == 200 and added.text.lstrip().startswith('<section id="invoice-lines"')
    assert "<html" not in added.text and "Line added." in added.text and "Maintenance visit" in added.text
    assert 'hx-swap-oob="innerHTML:.detail-actions"' in added.text  # the header's buttons, up to date
    by_product = await post_form(client, f"{url}/lines", {"product": str(descaler), "quantity": "2",
                                                          "vat_rate": "21"}, headers=HTML)
    assert by_product.status_code == 303  # without JavaScript: back to the page
    bad = await post_form(client, f"{url}/lines", {"description": "Nothing", "quantity": "0", "vat_rate": "21"},
                          headers=HTMX)
    assert bad.status_code == 200 and "The quantity cannot be zero." in bad.text
    bad = await post_form(client, f"{url}/lines", {"description": "", "quantity": "1", "vat_rate": "21"},
                          headers=HTML)
    assert bad.status_code == 400 and "Describe what is billed." in bad.text
    found = await invoices.lines(invoice_id)
    assert [(ln["description"], ln["amount_net"]) for ln in found] == [
        ("Maintenance visit", D("195.00")), ("Descaler, 1 l bottle", D("29.90"))]

    extra = (await invoices.add_lines(invoice_id, [Line("Typo", 1, "1")]))[0]
    removed = await post_form(client, f"{url}/lines/{extra['id']}/remove", {"version": str(extra["version"])},
                              headers=HTMX)
    assert removed.status_code == 200 and "Line removed." in removed.text and "Typo" not in removed.text
    page = text((await client.get(url, headers=HTML)).text)
    assert "Total excl. VAT €224.90" in page and "VAT 21% of €224.90 €47.23" in page
    assert "Total incl. VAT €272.13" in page
    assert (await post_form(client, f"{url}/issue", {})).status_code == 403

    client = await client_as("mia")
    page = (await client.get(url, headers=HTML)).text
    stale = issue_url(page)
    await invoices.add_lines(invoice_id, [Line("Travel costs", 20, "0.23")])  # someone adds a line meanwhile
    response = await post_form(client, stale, {})
    assert response.status_code == 303 and (await invoices.get(invoice_id))["state"] == "draft"
    assert "Someone changed this invoice meanwhile" in (await client.get(url, headers=HTML)).text
    response = await post_form(client, issue_url((await client.get(url, headers=HTML)).text), {})
    assert response.status_code == 303
    issued = await invoices.get(invoice_id)
    assert issued["state"] == "issued" and issued["number"].startswith("INV/")
    page = (await client.get(url, headers=HTML)).text
    assert issued["number"] in page and "Invoice issued." in page and "Mark paid" in page
    assert f'href="/reports/billing_invoice/{invoice_id}.pdf"' in page and "Add a line" not in page
    late = await post_form(client, f"{url}/lines", {"description": "Late", "quantity": "1", "unit_price": "5",
                                                   "vat_rate": "21"})
    assert late.status_code == 303 and len(await invoices.lines(invoice_id)) == 3
    assert "can no longer change" in (await client.get(url, headers=HTML)).text

    pay = await client.get(f"{url}/pay", headers=HTML)
    assert pay.status_code == 200 and 'name="paid_on"' in pay.text
    assert (await post_form(client, f"{url}/pay", {"paid_on": "soon"}, headers=HTML)).status_code == 400
    today = await invoices.today()
    assert (await post_form(client, f"{url}/pay", {"paid_on": today.isoformat()})).status_code == 303
    paid = await invoices.get(invoice_id)
    assert (paid["state"], paid["paid_on"]) == ("paid", today)


async def test_an_issued_invoice_is_cancelled_with_a_reason_and_a_draft_discarded(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await make_user("lotte", roles=("sales",))
    issued = await draft()
    await invoices.issue(issued["id"])
    client = await client_as("lotte")
    assert (await client.get(f"{PATH}/{issued['id']}/cancel")).status_code == 403
    client = await client_as("mia")
    url = f"{PATH}/{issued['id']}"
    form = await client.get(f"{url}/cancel", headers=HTML)
    assert form.status_code == 200 and "keeps its number" in form.text
    refused = await post_form(client, f"{url}/cancel", {"reason": ""}, headers=HTML)
    assert refused.status_code == 400 and "say why it is cancelled" in refused.text
    assert (await post_form(client, f"{url}/cancel", {"reason": "Wrong branch"})).status_code == 303
    row = await invoices.get(issued["id"])
    assert (row["state"], row["cancel_reason"]) == ("cancelled", "Wrong branch")
    assert "Wrong branch" in (await client.get(url, headers=HTML)).text

    discard = await draft()
    client = await client_as("lotte")
    assert (await post_form(client, f"{PATH}/{discard['id']}/cancel", {})).status_code == 303
    assert (await invoices.get(discard["id"]))["state"] == "cancelled"


async def test_the_history_shows_the_label_of_the_state_an_invoice_was_issued_to(client_as) -> None:
    await make_user("mia", roles=("manager",))
    issued = await draft()
    await invoices.issue(issued["id"])
    client = await client_as("mia")
    history = (await client.get(f"{PATH}/{issued['id']}?tab=history", headers=HTML)).text
    assert re.search(r'State</span>\s*<span class="history-old">Draft</span>[^\n]*history-new">Issued<', history)
    assert 'history-new">issued<' not in history


async def test_a_draft_header_is_edited_only_while_a_draft(client_as) -> None:
    await make_user("mia", roles=("manager",))
    d = await draft()
    client = await client_as("mia")
    url = f"{PATH}/{d['id']}"
    assert (await client.get(f"{url}/edit", headers=HTML)).status_code == 200
    saved = await post_form(client, f"{url}/edit", {"partner": str(d["partner"]), "payment_terms": "7",
                                                    "invoice_date": "2026-03-02", "version": str(d["version"])})
    assert saved.status_code == 303
    row = await invoices.get(d["id"])
    assert (row["payment_terms"], row["due_date"]) == (7, dt.date(2026, 3, 9))
    stale = await post_form(client, f"{url}/edit", {"partner": str(d["partner"]), "payment_terms": "8",
                                                    "version": str(d["version"])}, headers=HTML)
    assert stale.status_code == 409
    await invoices.issue(d["id"])
    assert (await client.get(f"{url}/edit")).status_code == 303
    refused = await post_form(client, f"{url}/edit", {"partner": str(d["partner"]), "payment_terms": "1",
                                                      "version": str(row["version"] + 1)})
    assert refused.status_code == 303 and (await invoices.get(d["id"]))["payment_terms"] == 7


async def test_the_list_searches_filters_and_exports(client_as) -> None:
    await make_user("mia", roles=("manager",))
    zwaan, kroon = await customer(), await customer("Café De Kroon", reference="C0099")
    today = await invoices.today()
    late = await draft(zwaan, Line("Visit", 1, "100"), invoice_date=today - dt.timedelta(days=40))
    late = await invoices.issue(late["id"])
    await draft(kroon, Line("Visit", 1, "50"))
    client = await client_as("mia")
    page = (await client.get(PATH, headers=HTML)).text
    assert late["number"] in page and "€121.00" in page and "Café De Kroon" in page
    rows = (await client.get(f"{PATH}?q=Kroon", headers=HTMX)).text
    assert "Café De Kroon" in rows and late["number"] not in rows and "<html" not in rows
    assert late["number"] in (await client.get(f"{PATH}?q={late['number']}", headers=HTMX)).text
    overdue = (await client.get(f"{PATH}?due=overdue", headers=HTMX)).text
    assert late["number"] in overdue and "Café De Kroon" not in overdue
    drafts = (await client.get(f"{PATH}?state=draft", headers=HTMX)).text
    assert "Café De Kroon" in drafts and late["number"] not in drafts
    assert "Café De Kroon" in (await client.get(f"{PATH}?partner={kroon}", headers=HTMX)).text
    this_month = (await client.get(f"{PATH}?period=this_year", headers=HTMX)).text
    assert (late["number"] in this_month) == (late["invoice_date"].year == today.year)
    assert "Café De Kroon" not in this_month  # a draft has no date yet
    export = await client.get(f"{PATH}/export.csv?state=issued")
    assert export.status_code == 200
    lines = export.text.splitlines()
    assert lines[0] == "Number,Customer,State,Invoice date,Due date,Total" and len(lines) == 2
    assert lines[1].startswith(f"{late['number']},Café De Zwaan,Issued,") and lines[1].endswith(",121.00")


async def test_the_dashboard_shows_open_invoices_with_the_late_ones_in_red(client_as) -> None:
    await make_user("mia", roles=("manager",))
    today = await invoices.today()
    late = await invoices.issue((await draft(None, Line("Visit", 1, "100"),
                                             invoice_date=today - dt.timedelta(days=40)))["id"])
    await invoices.issue((await draft(None, Line("Visit", 1, "50")))["id"])
    client = await client_as("mia")
    home = (await client.get("/", headers=HTML)).text
    tile = home.split('id="tile-billing-open_invoices"', 1)[1].split("</section>", 1)[0]
    assert "€181.50" in text(tile) and "in 2 open invoices" in text(tile) and "1 overdue: €121.00" in text(tile)
    assert '<tr class="invoice-overdue">' in tile and late["number"] in tile


async def test_without_the_permission_or_the_csrf_token_nothing_happens(client_as) -> None:
    await make_user("jan", roles=("technician",))
    await make_user("mia", roles=("manager",))
    d = await draft()
    client = await client_as("jan")
    for url in (PATH, f"{PATH}/{d['id']}", f"{PATH}/new", f"{PATH}/export.csv"):
        assert (await client.get(url, headers=HTML)).status_code == 403, url
    assert (await post_form(client, f"{PATH}/{d['id']}/lines", {"description": "x", "quantity": "1",
                                                                 "vat_rate": "21"})).status_code == 403
    assert "/billing" not in (await client.get("/", headers=HTML)).text  # no menu, no tile
    client = await client_as("mia")
    response = await client.post(f"{PATH}/{d['id']}/issue", data={})  # no CSRF token
    assert response.status_code == 403 and (await invoices.get(d["id"]))["state"] == "draft"
