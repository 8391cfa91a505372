"""Printable reports: PDF and HTML preview over HTTP, permissions and record rules,
the static-only URL fetcher, file names, paper sizes and page numbers."""

from __future__ import annotations

import io
import threading
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from fixture_modules.printshop import PRINTSHOP
from pypdf import PdfReader

from core.app import create_app
from core.auth.account import set_preferences
from core.auth.current import load_user
from core.company.models import Company
from core.db import records
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.partners.models import Partner
from core.products.models import Product, ProductCategory
from core.registry import load
from core.reports import render
from core.reports.fetcher import StaticOnlyFetcher
from core.reports.lookup import find, report_actions
from core.testing import app_client, make_user, sign_in
from core.web.templating import module_dirs

HTML = {"accept": "text/html"}


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


async def partner(name: str, city: str = "Utrecht", **values: Any) -> dict[str, Any]:
    return await records.create(Partner, {"name": name, "city": city, "is_customer": True, **values})


@pytest.fixture
async def printshop(core_db: str) -> Catalog:
    catalog = discover(extra=(PRINTSHOP,))
    register_apps(catalog.manifests.values())
    await lifecycle.install(catalog, ["printshop"])
    return catalog


@pytest.fixture
async def client(printshop: Catalog, core_db: str, settings_for):
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), printshop)
    async with app_client(app) as c:
        yield c


@pytest.fixture
async def zwaan() -> dict[str, Any]:
    org = await partner("Café De Zwaan", reference="C0042", street="Markt 21", postcode="3511 AA",
                        phone="+31 30 123 4567", email="info@zwaan.example")
    await partner("Marieke van den Heuvel", kind="person", parent=org["id"], job_title="Owner",
                  email="marieke@zwaan.example")
    return org


async def test_contact_sheet_pdf_holds_the_partner_and_its_people(client, zwaan) -> None:
    await make_user("mia", roles=("manager",))
    await sign_in(client, "mia")
    response = await client.get(f"/reports/partner_contact_sheet/{zwaan['id']}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = text_of(response.content)
    for expected in ("Café De Zwaan", "C0042", "Marieke van den Heuvel", "Contact sheet", "Page 1 of 1"):
        assert expected in text
    assert response.headers["content-disposition"] == (
        "inline; filename=\"contact-sheet-C0042.pdf\"; filename*=UTF-8''contact-sheet-C0042.pdf")


async def test_html_preview_renders_the_same_template(client, zwaan) -> None:
    await make_user("mia", roles=("manager",))
    await sign_in(client, "mia")
    response = await client.get(f"/reports/partner_contact_sheet/{zwaan['id']}.html", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Café De Zwaan" in response.text and "Marieke van den Heuvel" in response.text
    assert '<link rel="stylesheet" href="/static/core/reports.css">' in response.text
    assert "style=" not in response.text  # the preview lives under the app's strict CSP
    assert (await client.get("/static/core/reports.css")).status_code == 200


async def test_price_list_runs_over_pages_numbered_page_x_of_y(client) -> None:
    category = await records.create(ProductCategory, {"name": "Spare parts"})
    for i in range(70):
        await records.create(Product, {"code": f"SP-{i:03}", "name": f"Gasket {i}", "category": category["id"],
                                       "sale_price": Decimal("12.50") + i})
    await make_user("mia", roles=("manager",))
    await sign_in(client, "mia")
    response = await client.get("/reports/price_list.pdf")
    assert response.status_code == 200
    pages = pages_of(response.content)
    assert pages >= 2
    text = text_of(response.content)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "SP-069" in text and "70 products" in text


async def test_a_user_without_the_reports_permission_gets_403(client, zwaan) -> None:
    await make_user("nopes", permissions=("core.home.read",))
    await sign_in(client, "nopes")
    for url in (f"/reports/partner_contact_sheet/{zwaan['id']}.pdf",
                f"/reports/partner_contact_sheet/{zwaan['id']}.html", "/reports/price_list.pdf"):
        assert (await client.get(url, headers=HTML)).status_code == 403, url


async def test_a_signed_out_visitor_is_sent_to_sign_in(client, zwaan) -> None:
    response = await client.get(f"/reports/partner_contact_sheet/{zwaan['id']}.pdf", headers=HTML)
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]


async def test_record_rules_of_the_model_hide_the_record_as_404(client) -> None:
    utrecht = await partner("Bakkerij Utrecht", city="Utrecht")
    amsterdam = await partner("Bar Amsterdam", city="Amsterdam")
    await make_user("jan", roles=("technician",))
    await sign_in(client, "jan")
    assert (await client.get(f"/reports/printshop_sheet/{utrecht['id']}.pdf")).status_code == 200
    for kind in ("pdf", "html"):
        response = await client.get(f"/reports/printshop_sheet/{amsterdam['id']}.{kind}", headers=HTML)
        assert response.status_code == 404
    # The core contact sheet obeys the same rule (core.partner.read comes with the technician role).
    assert (await client.get(f"/reports/partner_contact_sheet/{amsterdam['id']}.pdf")).status_code == 404
    assert (await client.get(f"/reports/partner_contact_sheet/{utrecht['id']}.pdf")).status_code == 200


async def test_unknown_reports_records_and_formats_are_404(client, zwaan) -> None:
    await make_user("mia", roles=("manager",))
    await sign_in(client, "mia")
    for url in ("/reports/nothing/1.pdf", "/reports/partner_contact_sheet/999999.pdf",
                f"/reports/partner_contact_sheet/{zwaan['id']}.docx", "/reports/partner_contact_sheet.pdf",
                f"/reports/price_list/{zwaan['id']}.pdf", "/reports/partner_contact_sheet/x.pdf"):
        assert (await client.get(url, headers=HTML)).status_code == 404, url


async def test_the_fetcher_refuses_foreign_and_file_urls_but_serves_own_static(printshop, tmp_path) -> None:
    org = await partner("Bakkerij Utrecht")
    registry = await load(printshop)
    report = find(registry, "printshop_sheet")
    env = render.environment(printshop)
    rendered = await render.render_html(env, report, org["id"], await render.company(tmp_path))
    fetcher = StaticOnlyFetcher(module_dirs(printshop, "static"))
    pdf = render.html_to_pdf(rendered.html, module_dirs(printshop, "static"), rendered.paper, fetcher)
    assert pdf.startswith(b"%PDF")
    assert "http://example.com/x.png" in fetcher.refused
    assert "file:///etc/passwd" in fetcher.refused
    assert any("etc/passwd" in url and url.startswith("http://steward.invalid/") for url in fetcher.refused)
    assert sorted(fetcher.served) == ["http://steward.invalid/static/core/reports.css",
                                      "http://steward.invalid/static/printshop/dot.svg",
                                      "http://steward.invalid/static/printshop/sheet.css"]
    assert b"root:x:0:0" not in pdf


def test_linked_stylesheets_are_parsed_once_per_content_and_keep_their_order(tmp_path) -> None:
    (tmp_path / "t").mkdir()
    first, second = tmp_path / "t" / "first.css", tmp_path / "t" / "second.css"
    first.write_text("@page { size: 100mm 100mm; } p { color: red; }")
    second.write_text("@page { size: 120mm 80mm; }")  # later in the document: wins over `first`
    html = ('<!doctype html><html><head><link rel="stylesheet" href="/static/t/first.css">'
            '<link rel="stylesheet" href="/static/t/second.css"></head><body><p>Hallo</p></body></html>')

    def size(pdf: bytes) -> list[int]:
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        return [round(float(v) / 72 * 25.4) for v in (box.width, box.height)]

    fetcher = StaticOnlyFetcher([tmp_path])
    assert size(render.html_to_pdf(html, [tmp_path], "A4", fetcher)) == [120, 80]
    assert sorted(fetcher.served) == ["http://steward.invalid/static/t/first.css",
                                      "http://steward.invalid/static/t/second.css"]
    parsed = dict(render._layout.sheets)
    render.html_to_pdf(html, [tmp_path])
    assert render._layout.sheets == parsed  # the same parsed sheets, reused
    second.write_text("@page { size: 90mm 60mm; }")  # edited while serving: parsed again
    assert size(render.html_to_pdf(html, [tmp_path])) == [90, 60]
    second.unlink()  # a sheet that is gone is left to WeasyPrint, which logs and skips it
    assert size(render.html_to_pdf(html, [tmp_path])) == [100, 100]


async def test_the_file_name_header_is_safe_for_any_partner_name(client) -> None:
    odd = await partner('Café "Zuid"/Noord', city="Utrecht")
    await make_user("jan", roles=("technician",))
    await sign_in(client, "jan")
    response = await client.get(f"/reports/printshop_sheet/{odd['id']}.pdf")
    header = response.headers["content-disposition"]
    fallback, encoded = header.split("; filename*=UTF-8''")
    assert fallback == 'inline; filename="Caf_ -Zuid--Noord _ sheet.pdf"'
    assert unquote(encoded) == 'Café -Zuid--Noord — sheet.pdf'


async def test_paper_size_comes_from_the_manifest(client, zwaan) -> None:
    await make_user("jan", roles=("technician",))
    await sign_in(client, "jan")
    letter = (await client.get(f"/reports/printshop_sheet/{zwaan['id']}.pdf")).content
    a4 = (await client.get(f"/reports/partner_contact_sheet/{zwaan['id']}.pdf")).content
    assert [round(float(v)) for v in PdfReader(io.BytesIO(letter)).pages[0].mediabox[2:]] == [612, 792]
    assert [round(float(v)) for v in PdfReader(io.BytesIO(a4)).pages[0].mediabox[2:]] == [595, 842]


async def test_the_pdf_is_laid_out_off_the_event_loop(client, zwaan, monkeypatch) -> None:
    threads = []
    real = render.html_to_pdf

    def spy(*args: Any, **kwargs: Any) -> bytes:
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "html_to_pdf", spy)
    await make_user("mia", roles=("manager",))
    await sign_in(client, "mia")
    assert (await client.get(f"/reports/partner_contact_sheet/{zwaan['id']}.pdf")).status_code == 200
    assert threads and threads[0] != threading.get_ident()


async def test_record_pages_get_print_actions_for_reports_on_their_model(printshop) -> None:
    registry = await load(printshop)
    manager = await load_user((await make_user("mia", roles=("manager",)))["id"])
    tech = await load_user((await make_user("jan", roles=("technician",)))["id"])
    assert manager is not None and tech is not None
    assert [a.url for a in report_actions(registry, "core_partner", 7, manager)] == [
        "/reports/partner_contact_sheet/7.pdf"]
    assert [a.report for a in report_actions(registry, "core_partner", 7, tech)] == [
        "partner_contact_sheet", "printshop_sheet"]
    assert report_actions(registry, "core_product", 7, manager) == []


async def test_a_dutch_user_gets_the_report_in_dutch(client, zwaan) -> None:
    user = await make_user("els", roles=("manager",))
    await set_preferences(user["id"], language="nl", theme=None)
    await sign_in(client, "els")
    response = await client.get(f"/reports/partner_contact_sheet/{zwaan['id']}.pdf")
    text = " ".join(text_of(response.content).split())
    assert "Contactblad" in text and "Pagina 1 van 1" in text and "Contactpersonen" in text
    preview = await client.get(f"/reports/partner_contact_sheet/{zwaan['id']}.html", headers=HTML)
    assert '<html lang="nl">' in preview.text


def tiny_png() -> bytes:
    """A 2x2 opaque PNG, built by hand so the test needs no image library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1f\x5f\x8b" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def test_the_stored_company_logo_heads_the_report_and_nothing_outside_var_is_read(
        client, zwaan, settings_for, core_db) -> None:
    var_dir = settings_for(core_db).var_dir
    (var_dir / "company").mkdir(parents=True, exist_ok=True)
    (var_dir / "company" / "logo.png").write_bytes(tiny_png())
    row = await Company.select().first().run()
    await records.update(Company, row["id"], {"logo": "company/logo.png"}, version=row["version"])
    await make_user("mia", roles=("manager",))
    await sign_in(client, "mia")
    preview = await client.get(f"/reports/partner_contact_sheet/{zwaan['id']}.html", headers=HTML)
    assert 'src="data:image/png;base64,' in preview.text
    pdf = (await client.get(f"/reports/partner_contact_sheet/{zwaan['id']}.pdf")).content
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) >= 1
    for outside in ("../../../../etc/passwd", "/etc/hostname"):
        row = await Company.select().first().run()
        await records.update(Company, row["id"], {"logo": outside}, version=row["version"])
        assert (await render.company(var_dir))["logo_uri"] == ""
