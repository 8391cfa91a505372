"""The printed invoice: a PDF from the invoice's Print button that reads like a Dutch invoice."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from core.company.models import Company
from core.db import records
from core.testing import make_user
from modules.billing.services import invoice as invoices
from modules.billing.services.invoice import Line
from modules.billing.tests.conftest import HTML, customer, draft


def pdf_text(data: bytes) -> str:
    """The PDF's text, by pdftotext when installed (layout as printed), else pypdf."""
    assert data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
        return " ".join(out.stdout.decode().split())
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


async def _company() -> None:
    row = await Company.select().first().run()
    await records.update(Company, row["id"], {
        "name": "Koffiepunt Service", "legal_name": "Koffiepunt Service B.V.", "iban": "NL64RABO0314729856",
        "vat_number": "NL862145397B01", "chamber_of_commerce": "71846259", "street": "Rietveldenweg 42",
        "postcode": "5222 AP", "city": "'s-Hertogenbosch", "email": "info@koffiepunt-service.nl"},
        version=row["version"])


async def test_the_invoice_prints_with_everything_a_dutch_invoice_needs(client_as) -> None:
    await make_user("mia", roles=("manager",))
    await _company()
    d = await draft(await customer(language="en"), Line("Maintenance visit", 1, "195.00"), Line("Descaling kit", 2, "14.95"),
                    Line("Espresso beans, 1 kg", 6, "21.50", vat_rate=9), invoice_date=dt.date(2026, 3, 2),
                    customer_reference="PO 4711")
    issued = await invoices.issue(d["id"])
    client = await client_as("mia")
    page = (await client.get(f"/billing/invoices/{d['id']}", headers=HTML)).text
    assert f'href="/reports/billing_invoice/{d["id"]}.pdf"' in page
    response = await client.get(f"/reports/billing_invoice/{d['id']}.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert "invoice-INV-2026-00001.pdf" in response.headers["content-disposition"]
    text = pdf_text(response.content)
    for expected in (
        "Invoice", issued["number"], "2 Mar 2026", "16 Mar 2026",  # number, date, due date
        "Koffiepunt Service B.V.", "Rietveldenweg 42", "NL862145397B01", "71846259",  # us
        "Café De Zwaan", "Markt 21", "5211 JV", "NL001482734B62", "C0001", "PO 4711",  # them
        "Maintenance visit", "Descaling kit", "€195.00", "€29.90",  # lines
        "21%", "€224.90", "€47.23", "9%", "€129.00", "€11.61",  # VAT per rate
        "€412.74",  # total incl. VAT
        "NL64 RABO 0314 7298 56", f"quoting invoice number {issued['number']}",  # how to pay
        "Page 1 of 1",
    ):
        assert expected in text, expected
    preview = await client.get(f"/reports/billing_invoice/{d['id']}.html")
    assert preview.status_code == 200 and "Please transfer €412.74 by 16 Mar 2026" in preview.text


@pytest.mark.usefixtures("billing_db")
async def test_a_draft_and_a_cancelled_invoice_say_so_on_paper(client_as) -> None:
    await make_user("mia", roles=("manager",))
    d = await draft(await customer(language="en"))
    client = await client_as("mia")
    text = pdf_text((await client.get(f"/reports/billing_invoice/{d['id']}.pdf")).content)
    assert "Draft invoice" in text and "not a valid invoice" in text.lower()
    await invoices.issue(d["id"])
    await invoices.cancel(d["id"], "Billed to the wrong branch")
    text = pdf_text((await client.get(f"/reports/billing_invoice/{d['id']}.pdf")).content)
    assert "Cancelled invoice" in text and "nothing is owed" in text and "Billed to the wrong branch" in text


async def test_who_may_not_see_invoices_may_not_print_them(client_as) -> None:
    await make_user("jan", roles=("technician",))
    d = await draft()
    client = await client_as("jan")
    assert (await client.get(f"/reports/billing_invoice/{d['id']}.pdf")).status_code == 403


@pytest.mark.usefixtures("billing_db")
async def test_an_invoice_is_written_in_its_customers_language_whoever_prints_it(client_as) -> None:
    await make_user("mia", roles=("manager",))  # signed in with English
    dutch, english = await draft(await customer()), await draft(await customer("Hotel Central", language="en"))
    client = await client_as("mia")
    text = pdf_text((await client.get(f"/reports/billing_invoice/{dutch['id']}.pdf")).content)
    assert "Conceptfactuur" in text and "Pagina 1 van 1" in text and "Draft invoice" not in text
    text = pdf_text((await client.get(f"/reports/billing_invoice/{english['id']}.pdf")).content)
    assert "Draft invoice" in text and "Page 1 of 1" in text
    preview = (await client.get(f"/reports/billing_invoice/{dutch['id']}.html")).text
    assert "Conceptfactuur" in preview and 'lang="nl"' in preview
    page = (await client.get(f"/billing/invoices/{dutch['id']}", headers=HTML)).text
    assert "Draft" in page and "Concept" not in page  # the reader's own pages stay in their language
