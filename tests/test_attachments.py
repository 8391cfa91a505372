"""Attachments: upload, list, download and delete on any record, with size and type
limits, permissions derived from the table, record rules, and safe storage."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from detail_fixture.manifests import DETAIL_TEST, GHOST

from core.app import create_app
from core.attachments import kinds, service
from core.attachments.controllers import content_disposition
from core.attachments.models import Attachment
from core.db import records
from core.db.context import acting_as
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import discover
from core.partners.models import Partner
from core.settings import SettingsError, load_settings
from core.testing import app_client, csrf_token, make_user, post_form, sign_in
from core.web.kit.history import history_page

HTML = {"accept": "text/html"}
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Site:
    client: httpx.AsyncClient
    store: Path


@pytest.fixture
async def site(core_db: str, settings_for) -> AsyncIterator[Site]:
    catalog = discover(extra=(DETAIL_TEST, GHOST))
    register_apps(catalog.manifests.values())
    await lifecycle.install(catalog, ["detailtest"])
    settings = settings_for(core_db, registry_check_seconds=0.0)
    settings = replace(settings, attachments=replace(settings.attachments, max_mb=1))
    app = create_app(settings, catalog)
    async with app_client(app) as client:
        yield Site(client, service.storage_root(settings.var_dir))


async def partner(user_id: int | None = None) -> dict:
    with acting_as(user_id):
        return await records.create(Partner, {"name": "Installatiebedrijf Vos"})


def url(record_id: int) -> str:
    return f"/records/core_partner/{record_id}/attachments"


async def upload(client: httpx.AsyncClient, record_id: int, name: str, data: bytes,
                 headers: dict[str, str] | None = None, next_url: str = "") -> httpx.Response:
    return await client.post(url(record_id), files={"file": (name, data, "application/octet-stream")},
                             data={"_csrf_token": csrf_token(client), "next": next_url},
                             headers={**HTML, **(headers or {})})


def stored_files(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


async def writer(client: httpx.AsyncClient) -> None:
    await make_user("wim", permissions=("core.partner.read", "core.partner.write"))
    await sign_in(client, "wim")


async def test_upload_list_download_delete_round_trip(site: Site) -> None:
    await writer(site.client)
    row = await partner()
    back = f"/detailtest/partners/{row['id']}?tab=attachments"
    response = await upload(site.client, row["id"], "offerte.pdf", PDF, next_url=back)
    assert response.status_code == 303 and response.headers["location"] == back
    (att,) = await service.for_record("core_partner", row["id"])
    assert (att["filename"], att["content_type"], att["size"]) == ("offerte.pdf", "application/pdf", len(PDF))
    assert stored_files(site.store) == [site.store / att["sha256"][:2] / att["sha256"]]

    listing = (await site.client.get(url(row["id"]), headers=HTML)).text
    assert f'href="{url(row["id"])}/{att["id"]}"' in listing and "offerte.pdf" in listing
    detail = (await site.client.get(back, headers=HTML)).text
    assert "offerte.pdf" in detail and 'enctype="multipart/form-data"' in detail

    download = await site.client.get(f"{url(row['id'])}/{att['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"

    gone = await post_form(site.client, f"{url(row['id'])}/{att['id']}/delete", {"next": back}, headers=HTML)
    assert gone.status_code == 303 and gone.headers["location"] == back
    assert await service.for_record("core_partner", row["id"]) == []
    assert stored_files(site.store) == []
    actions = [(c.action, c.new or c.old) for c in (await history_page(Partner, row["id"])).changes]
    assert actions[:2] == [("detach", "offerte.pdf"), ("attach", "offerte.pdf")]


async def test_htmx_upload_and_delete_answer_with_the_panel(site: Site) -> None:
    await writer(site.client)
    row = await partner()
    htmx = {"hx-request": "true", "x-csrftoken": csrf_token(site.client)}
    response = await upload(site.client, row["id"], "foto.png", PNG, headers=htmx)
    assert response.status_code == 200
    assert response.text.strip().startswith('<div id="attachments-panel"') and "foto.png" in response.text
    refused = await upload(site.client, row["id"], "foto.exe", b"MZ\x90\x00", headers=htmx)
    assert refused.status_code == 200 and 'class="field-error"' in refused.text  # htmx swaps only 2xx
    (att,) = await service.for_record("core_partner", row["id"])
    deleted = await site.client.post(f"{url(row['id'])}/{att['id']}/delete", headers={**HTML, **htmx})
    assert deleted.status_code == 200 and "No files attached." in deleted.text


async def test_htmx_upload_on_a_detail_page_reloads_its_tabs(site: Site) -> None:
    await writer(site.client)
    row = await partner()
    back = f"/detailtest/partners/{row['id']}?tab=attachments"
    htmx = {"hx-request": "true", "x-csrftoken": csrf_token(site.client)}
    response = await upload(site.client, row["id"], "foto.png", PNG, headers=htmx, next_url=back)
    assert response.status_code == 200
    assert json.loads(response.headers["hx-location"]) == {
        "path": back, "target": "#detail-tabs", "select": "#detail-tabs", "swap": "outerHTML"}
    tabs = await site.client.get(back, headers={**HTML, "hx-request": "true", "hx-target": "detail-tabs"})
    assert "Attachments <span class=\"tab-count\">1</span>" in tabs.text and "foto.png" in tabs.text


@pytest.mark.parametrize(("name", "data", "message"), [
    ("leeg.pdf", b"", "The file is empty."),
    ("", b"", "Choose a file to attach."),
    ("virus.exe", b"MZ\x90\x00" * 10, "Files of this type cannot be attached. Allowed: csv, docx, eml"),
    ("nep.pdf", b"<html><script>alert(1)</script></html>", "do not match its extension .pdf"),
    ("groot.pdf", b"%PDF-" + b"0" * (1024 * 1024), "files may be at most 1 MB"),
])
async def test_refused_uploads_give_a_field_error_and_store_nothing(
    site: Site, name: str, data: bytes, message: str
) -> None:
    await writer(site.client)
    row = await partner()
    response = await upload(site.client, row["id"], name, data)
    assert response.status_code == 400
    assert 'class="field-error"' in response.text and message in response.text
    assert 'aria-invalid="true"' in response.text
    assert await Attachment.count().run() == 0 and stored_files(site.store) == []


async def test_a_body_far_over_the_limit_is_refused_before_it_is_read(site: Site) -> None:
    await writer(site.client)
    row = await partner()
    htmx = {"hx-request": "true", "x-csrftoken": csrf_token(site.client)}
    response = await upload(site.client, row["id"], "huge.pdf", b"%PDF-" + b"0" * (3 * 1024 * 1024), headers=htmx)
    assert response.status_code == 200 and "larger than 1 MB" in response.text
    assert await Attachment.count().run() == 0


async def test_without_read_permission_list_and_download_are_forbidden(site: Site) -> None:
    await make_user("wim", permissions=("core.partner.read", "core.partner.write"))
    await make_user("nora", permissions=("core.home.read",))
    row = await partner()
    await sign_in(site.client, "wim")
    await upload(site.client, row["id"], "a.txt", b"hello")
    (att,) = await service.for_record("core_partner", row["id"])
    await sign_in(site.client, "nora")
    assert (await site.client.get(url(row["id"]), headers=HTML)).status_code == 403
    assert (await site.client.get(f"{url(row['id'])}/{att['id']}", headers=HTML)).status_code == 403
    assert (await upload(site.client, row["id"], "b.txt", b"hi")).status_code == 403


async def test_readers_cannot_upload_or_delete(site: Site) -> None:
    await make_user("wim", permissions=("core.partner.read", "core.partner.write"))
    await make_user("rob", permissions=("core.partner.read",))
    row = await partner()
    await sign_in(site.client, "wim")
    await upload(site.client, row["id"], "a.txt", b"hello")
    (att,) = await service.for_record("core_partner", row["id"])
    await sign_in(site.client, "rob")
    listing = (await site.client.get(url(row["id"]), headers=HTML)).text
    assert "a.txt" in listing and "Upload" not in listing and "Remove" not in listing
    assert (await upload(site.client, row["id"], "b.txt", b"hi")).status_code == 403
    delete = await post_form(site.client, f"{url(row['id'])}/{att['id']}/delete", {}, headers=HTML)
    assert delete.status_code == 403 and await Attachment.count().run() == 1


async def test_a_record_outside_a_record_rule_is_not_found(site: Site) -> None:
    rita = await make_user("rita", permissions=("core.partner.read", "core.partner.write"))
    theirs, mine = await partner(), await partner(rita["id"])
    await sign_in(site.client, "rita")
    assert (await upload(site.client, mine["id"], "a.txt", b"mine")).status_code == 303
    with acting_as(None):
        other = await service.add(site.store, "core_partner", theirs["id"], "b.txt", b"theirs", max_bytes=10**6)
    assert (await site.client.get(url(theirs["id"]), headers=HTML)).status_code == 404
    assert (await site.client.get(f"{url(theirs['id'])}/{other['id']}", headers=HTML)).status_code == 404
    assert (await upload(site.client, theirs["id"], "c.txt", b"x")).status_code == 404
    # An attachment id of another record, through a record the user may see.
    assert (await site.client.get(f"{url(mine['id'])}/{other['id']}", headers=HTML)).status_code == 404


async def test_unknown_tables_and_records_are_not_found(site: Site) -> None:
    await writer(site.client)
    row = await partner()
    for path in ("/records/core_nope/1/attachments", "/records/gamma_thing/1/attachments",
                 "/records/detailghost_x/1/attachments", f"/records/core_partner/{row['id'] + 99}/attachments"):
        assert (await site.client.get(path, headers=HTML)).status_code == 404, path


async def test_path_traversal_in_the_filename_is_harmless(site: Site, tmp_path: Path) -> None:
    await writer(site.client)
    row = await partner()
    for name in ("../../../../etc/passwd.txt", "..\\..\\boot.ini.txt", "/tmp/x/../evil.txt"):
        response = await upload(site.client, row["id"], name, name.encode())
        assert response.status_code == 303, name
    names = sorted(a["filename"] for a in await service.for_record("core_partner", row["id"]))
    assert names == ["boot.ini.txt", "evil.txt", "passwd.txt"]
    assert all(p.parent.parent == site.store and len(p.name) == 64 for p in stored_files(site.store))
    assert not (tmp_path / "etc").exists()


async def test_download_headers_are_safe_and_name_the_file_per_rfc_6266(site: Site) -> None:
    await writer(site.client)
    row = await partner()
    await upload(site.client, row["id"], 'offerte "zomer" €.csv', "naam;prijs\nketel;€ 12\n".encode())
    (att,) = await service.for_record("core_partner", row["id"])
    response = await site.client.get(f"{url(row['id'])}/{att['id']}")
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"offerte _zomer_ .csv\"; filename*=UTF-8''offerte%20%22zomer%22%20%E2%82%AC.csv"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"


def test_content_disposition_never_lets_a_name_break_the_header() -> None:
    header = content_disposition('a";\r\nset-cookie: x=1.txt')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="a____set-cookie: x=1.txt"; filename*=UTF-8\'\'')


async def test_identical_files_are_stored_once(site: Site) -> None:
    await writer(site.client)
    first, second = await partner(), await partner()
    await upload(site.client, first["id"], "a.pdf", PDF)
    await upload(site.client, second["id"], "b.pdf", PDF)
    assert len(stored_files(site.store)) == 1
    (att,) = await service.for_record("core_partner", first["id"])
    await post_form(site.client, f"{url(first['id'])}/{att['id']}/delete", {}, headers=HTML)
    assert stored_files(site.store) == [site.store / hashlib.sha256(PDF).hexdigest()[:2] / hashlib.sha256(PDF).hexdigest()]
    download = await site.client.get(f"{url(second['id'])}/{(await service.for_record('core_partner', second['id']))[0]['id']}")
    assert download.content == PDF


async def test_a_failed_insert_leaves_no_file_behind(core_db: str, tmp_path: Path, monkeypatch) -> None:
    async def broken(*args: object, **kw: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(service.records, "create", broken)
    with pytest.raises(RuntimeError):
        await service.add(tmp_path, "core_partner", 1, "a.txt", b"hello", max_bytes=10**6)
    assert stored_files(tmp_path) == [] and await Attachment.count().run() == 0


def _zip(entries: dict[str, bytes], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), entries.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_office_documents_and_mail_are_recognised_by_content() -> None:
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    xlsx = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    odt = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}, "mimetype")
    ods = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}, "mimetype")
    eml = b"From: Eva <eva@example.nl>\r\nTo: a@b.nl\r\nSubject: Offerte\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n\r\nHoi\r\n"
    assert kinds.detect("a.docx", docx) == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert kinds.detect("a.xlsx", xlsx) == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert kinds.detect("a.odt", odt) == "application/vnd.oasis.opendocument.text"
    assert kinds.detect("a.ods", ods) == "application/vnd.oasis.opendocument.spreadsheet"
    assert kinds.detect("a.eml", eml) == "message/rfc822"
    assert kinds.detect("a.JPG", b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert kinds.detect("a.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert kinds.detect("a.gif", b"GIF89a....") == "image/gif"
    assert kinds.detect("a.txt", "prijs: € 5".encode("windows-1252")) == "text/plain; charset=windows-1252"
    # Swapped extensions, a docx that is really a spreadsheet, binary posing as text:
    assert kinds.detect("a.xlsx", docx) is None and kinds.detect("a.odt", ods) is None
    assert kinds.detect("a.docx", b"PK\x03\x04 not really a zip") is None
    assert kinds.detect("a.txt", b"\x7fELF\x02\x01\x01\x00") is None
    assert kinds.detect("a.eml", b"just some text\n") is None
    assert kinds.detect("a.png", PDF) is None and kinds.detect("pdf", PDF) is None


def test_the_attachment_size_limit_is_a_setting(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[attachments]\nmax_mb = 25\n")
    assert load_settings(cfg, env={}).attachments.max_mb == 25
    empty = tmp_path / "empty.toml"
    empty.touch()
    assert load_settings(empty, env={}).attachments.max_mb == 10
    assert load_settings(cfg, env={"STEWARD_ATTACHMENTS_MAX_MB": "3"}).attachments.max_mb == 3
    cfg.write_text("[attachments]\nmax_mb = 0\n")
    with pytest.raises(SettingsError, match="key 'attachments.max_mb': expected 1-100, got 0"):
        load_settings(cfg, env={})
