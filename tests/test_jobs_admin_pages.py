"""The admin Jobs and Schedules pages: runs with their details, retry, pause and resume."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fixture_modules.jobs_support import (
    in_process_worker,
    jobbox,
    jobs_catalog,
    jobs_settings,
    settled,
)

from core.app import create_app
from core.jobs import scheduler
from core.jobs.enqueue import enqueue
from core.modules import lifecycle
from core.testing import app_client, make_user, post_form, sign_in

HTML = {"accept": "text/html"}


@pytest.fixture
async def setup(core_db: str, settings_for):
    catalog = jobs_catalog()
    await lifecycle.install(catalog, ["jobbox"])
    settings = jobs_settings(settings_for(core_db, registry_check_seconds=0.0), "embedded")
    app = create_app(replace(settings, jobs=replace(settings.jobs, embedded_worker=False)), catalog)
    await make_user("root", roles=("admin",))
    await make_user("eva", roles=("manager",))
    async with app_client(app) as client, in_process_worker(settings, catalog) as system:
        yield client, system


async def test_a_dead_job_shows_its_error_and_can_be_retried_from_the_jobs_page(setup) -> None:
    client, _ = setup
    await enqueue("jobbox.guarded", 11)
    [run] = await settled("jobbox.guarded")
    assert run["state"] == "dead"
    await sign_in(client, "root")
    page = await client.get("/admin/jobs?state=dead", headers=HTML)
    assert page.status_code == 200
    assert "jobbox.guarded" in page.text and "[11]" in page.text and "PermissionError" in page.text
    assert f'action="/admin/jobs/{run["id"]}/retry"' in page.text

    await jobbox().effect("allow", 11)
    response = await post_form(client, f"/admin/jobs/{run['id']}/retry", {})
    assert response.status_code == 303
    [again] = await settled("jobbox.guarded")
    assert (again["id"], again["state"], again["attempts"], again["error"]) == (run["id"], "done", 2, "")
    assert await jobbox().effects("guarded", 11) == 1
    done_page = await client.get("/admin/jobs?state=done&module=jobbox", headers=HTML)
    assert "jobbox.guarded" in done_page.text and f'/admin/jobs/{run["id"]}/retry' not in done_page.text


async def test_a_done_run_cannot_be_retried(setup) -> None:
    client, _ = setup
    await enqueue("jobbox.record", 12)
    [run] = await settled("jobbox.record")
    await sign_in(client, "root")
    await post_form(client, f"/admin/jobs/{run['id']}/retry", {})
    page = await client.get("/admin/jobs", headers=HTML)
    assert "only failed or dead runs can be retried" in page.text
    [same] = await settled("jobbox.record")
    assert same["attempts"] == 1


async def test_an_admin_pauses_and_resumes_a_schedule(setup) -> None:
    client, system = setup
    await scheduler.sync(system)
    [row] = await scheduler.listing()
    await sign_in(client, "root")
    page = await client.get("/admin/jobs/schedules", headers=HTML)
    assert "jobbox.tick" in page.text and "0 0 1 1 *" in page.text
    assert (await post_form(client, f"/admin/jobs/schedules/{row['id']}/pause", {})).status_code == 303
    assert (await scheduler.listing())[0]["paused"] is True
    assert "Resume" in (await client.get("/admin/jobs/schedules", headers=HTML)).text
    await post_form(client, f"/admin/jobs/schedules/{row['id']}/resume", {})
    assert (await scheduler.listing())[0]["paused"] is False


async def test_the_jobs_pages_need_the_job_admin_permission(setup) -> None:
    client, _ = setup
    await sign_in(client, "eva")
    assert (await client.get("/admin/jobs", headers=HTML)).status_code == 403
    assert (await client.get("/admin/jobs/schedules", headers=HTML)).status_code == 403
    assert (await post_form(client, "/admin/jobs/1/retry", {})).status_code == 403
