"""The audit log browser: newest first, filters, pages without counting the whole log."""

from __future__ import annotations

import datetime as dt

import pytest

from core.admin import audit_log
from core.app import create_app
from core.company.models import Company
from core.db import records
from core.db.audit import AuditEntry
from core.db.context import current_user_id
from core.partners.models import Partner
from core.testing import app_client, make_user, sign_in

HTML = {"accept": "text/html"}


@pytest.fixture
async def app(core_db: str, catalog, settings_for):
    return create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)


async def _rename_company(user_id: int, names: list[str]) -> int:
    row = await Company.select(Company._meta.primary_key, Company.version).first().run()
    assert row is not None
    token = current_user_id.set(user_id)
    try:
        version = row["version"]
        for name in names:
            version = (await records.update(Company, row["id"], {"name": name}, version=version))["version"]
    finally:
        current_user_id.reset(token)
    return row["id"]


async def test_entries_are_newest_first_with_user_names_and_filters(app) -> None:
    eva = await make_user("eva", roles=("manager",))
    await make_user("root", roles=("admin",))
    company_id = await _rename_company(eva["id"], ["First name", "Second name"])
    async with app_client(app) as client:
        await sign_in(client, "root")
        page = (await client.get("/admin/audit", headers=HTML)).text
        assert page.index("Second name") < page.index("First name")
        assert "eva" in page

        only = (await client.get(f"/admin/audit?table=core_company&record={company_id}&action=write&user={eva['id']}",
                                 headers=HTML)).text
        assert "Second name" in only and "core_user" not in only.split("<tbody>", 1)[1]
        assert "core_user" in (await client.get("/admin/audit?table=core_user", headers=HTML)).text
        text = (await client.get("/admin/audit?q=second", headers=HTML)).text.split("<tbody>", 1)[1]
        assert "Second name" in text and "password_hash" not in text
        none = (await client.get("/admin/audit?action=delete", headers=HTML)).text
        assert "No entries match." in none


async def test_date_filters_use_whole_days_and_bad_input_is_explained(app) -> None:
    await make_user("root", roles=("admin",))
    today = dt.date.today()
    async with app_client(app) as client:
        await sign_in(client, "root")
        hit = (await client.get(f"/admin/audit?date_from={today - dt.timedelta(days=1)}&date_to={today + dt.timedelta(days=1)}",
                                headers=HTML)).text
        assert "core_user" in hit
        miss = (await client.get(f"/admin/audit?date_to={today - dt.timedelta(days=2)}", headers=HTML)).text
        assert "No entries match." in miss
        bad = (await client.get("/admin/audit?date_from=yesterday&record=abc", headers=HTML)).text
        assert "Enter a date like 2026-01-31." in bad and "Enter a number." in bad


async def test_pages_follow_ids_both_ways(core_db: str) -> None:
    await AuditEntry.insert(*[AuditEntry(table_name="core_partner", record_id=n, action="create")
                              for n in range(1, 8)]).run()
    flt = audit_log.AuditFilter(table="core_partner")
    first = await audit_log.browse(flt, size=3)
    assert [e["record_id"] for e in first.entries] == [7, 6, 5] and first.newer is None
    second = await audit_log.browse(flt, before=first.older, size=3)
    assert [e["record_id"] for e in second.entries] == [4, 3, 2]
    last = await audit_log.browse(flt, before=second.older, size=3)
    assert [e["record_id"] for e in last.entries] == [1] and last.older is None
    back = await audit_log.browse(flt, after=second.newer, size=3)
    assert [e["record_id"] for e in back.entries] == [7, 6, 5] and back.newer is None
    assert back.older == first.older


async def test_paging_links_keep_the_filters(app) -> None:
    await make_user("root", roles=("admin",))
    await AuditEntry.insert(*[AuditEntry(table_name=Partner._meta.tablename, record_id=n, action="write",
                                         field="name", new=f"v{n}") for n in range(1, 56)]).run()
    async with app_client(app) as client:
        await sign_in(client, "root")
        page = (await client.get("/admin/audit?table=core_partner", headers=HTML)).text
        assert "v55" in page and "v5<" not in page
        older = page.split('href="/admin/audit?', 2)[1].split('"', 1)[0]
        assert "table=core_partner" in older and "before=" in older
        rest = (await client.get("/admin/audit?" + older.replace("&amp;", "&"), headers=HTML)).text
        assert "v5<" in rest and "v55" not in rest and "Newer" in rest


async def test_the_audit_log_needs_its_permission(app) -> None:
    await make_user("eva", roles=("manager",))
    async with app_client(app) as client:
        await sign_in(client, "eva")
        assert (await client.get("/admin/audit", headers=HTML)).status_code == 403
