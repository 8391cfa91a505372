"""The work order documents render as PDF: the service report shows the checklist (with
the measurement and its flag), the parts, the time, the technician and the signature; the
repair form and maintenance record render too, and a technician prints only their own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from core.modules.discovery import Catalog
from core.reports import render
from core.settings import Settings
from modules.field_service import reports_work_order as reports
from modules.field_service.tests.report_fixtures import finished_job, settings  # noqa: F401

pytestmark = pytest.mark.usefixtures("fs_db")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())  # words in reading order, wrapped cells joined


def keep(pdf: bytes, name: str) -> None:
    """To look at the documents: FS_REPORT_DIR=/tmp/reports pytest ... writes them there."""
    folder = os.environ.get("FS_REPORT_DIR")
    if folder:
        (Path(folder) / f"{name}.pdf").write_bytes(pdf)


def pdf_images(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return len(listing.strip().splitlines()) - 2  # two header lines


async def test_the_service_report_shows_checklist_parts_time_and_signature(settings: Settings,  # noqa: F811
                                                                          catalog: Catalog, tmp_path: Path) -> None:
    order = await finished_job(settings.var_dir, language="en")
    env = render.environment(catalog)
    letterhead = await render.company(settings.var_dir)
    html = (await render.render_html(env, reports.SERVICE_REPORT, order["id"], letterhead)).html
    assert 'src="data:image/png;base64,' in html  # the signature, embedded
    pdf, name = await render.render_pdf(env, catalog, reports.SERVICE_REPORT, order["id"], letterhead)
    assert name == f"service-report-{order['number'].replace('/', '-')}.pdf"
    keep(pdf, "service_report")
    text = pdf_text(pdf, tmp_path)
    for expected in ("Service report", order["number"], "Café De Zwaan", "LM-1001", "Replaced the group gasket",
                     "Brew pressure", "10.20", "Out of tolerance", "Leak test", "Fail", "Drips at the group head",
                     "GSK-58", "Part GSK-58", "jan", "Travel", "M. de Zwaan", "Page 1 of"):
        assert expected in text, expected
    assert "2 points need attention" in text
    assert pdf_images(pdf, tmp_path) == 1  # the signature (the test company has no logo)


async def test_the_repair_form_and_maintenance_record_render(settings: Settings, catalog: Catalog,  # noqa: F811
                                                             tmp_path: Path) -> None:
    order = await finished_job(settings.var_dir, complete=False, language="en")
    env, letterhead = render.environment(catalog), await render.company(settings.var_dir)
    pdf, _name = await render.render_pdf(env, catalog, reports.REPAIR_FORM, order["id"], letterhead)
    keep(pdf, "repair_form")
    text = pdf_text(pdf, tmp_path)
    assert "Repair form" in text and "Pump noisy, low pressure" in text and "Brew pressure" in text
    assert "Out of tolerance" not in text  # not done yet: a blank sheet to fill in
    pdf, _name = await render.render_pdf(env, catalog, reports.MAINTENANCE_RECORD, order["id"], letterhead)
    keep(pdf, "maintenance_record")
    text = pdf_text(pdf, tmp_path)
    assert "Maintenance record" in text and "No maintenance plan" in text


async def test_the_documents_are_written_in_the_customers_language(settings: Settings,  # noqa: F811
                                                                   catalog: Catalog, tmp_path: Path) -> None:
    order = await finished_job(settings.var_dir, language="nl")  # printed by a reader in English
    env, letterhead = render.environment(catalog), await render.company(settings.var_dir)
    for report, title in ((reports.SERVICE_REPORT, "Servicerapport"), (reports.REPAIR_FORM, "Reparatieformulier")):
        pdf, _name = await render.render_pdf(env, catalog, report, order["id"], letterhead)
        text = pdf_text(pdf, tmp_path)
        assert title in text and "Pagina 1 van" in text and "Page 1 of" not in text
