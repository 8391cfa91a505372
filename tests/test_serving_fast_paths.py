"""The request paths that every signed-in page goes through stay correct when made fast:
the liveness probe, pooled SQLite connections, sessions read from files, list cells."""

from __future__ import annotations

import pytest

from core.app import create_app
from core.db import engine as db
from core.partners.models import Partner
from core.testing import app_client, make_user, post_form, sign_in

HTML = {"accept": "text/html"}


@pytest.fixture
async def app(core_db: str, catalog, settings_for):
    return create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)


async def test_livez_answers_plain_ok_without_session_or_login(app) -> None:
    async with app_client(app) as client:
        response = await client.get("/livez", headers={"cookie": "steward_session=not-issued"})
        assert response.status_code == 200
        assert response.text == "ok"
        assert response.headers["content-type"].startswith("text/plain")
        assert "steward_session" not in response.headers.get("set-cookie", "")


async def test_sqlite_reads_reuse_connections_and_see_committed_writes(core_db: str) -> None:
    engine = db.current()
    if not isinstance(engine, db.PooledSQLiteEngine):
        pytest.skip("SQLite only")
    await db.stop()
    assert await db.start(pool_size=3) is True
    try:
        for _ in range(10):
            await Partner.count().run()
        # Reads run on the loop's own connection; the pool's threads are left for writes.
        assert engine._reader is not None and engine._idle == []
        await Partner.insert(Partner(name="Pooled write B.V.")).run()  # autocommit, on a pooled connection
        assert len(engine._idle) == 1
        assert await Partner.exists().where(Partner.name == "Pooled write B.V.").run()
        async with db.transaction():
            await Partner.insert(Partner(name="Pooled read B.V.")).run()
        assert await Partner.exists().where(Partner.name == "Pooled read B.V.").run()
        journal = await Partner.raw("PRAGMA journal_mode").run()
        assert journal[0]["journal_mode"] == "wal"
    finally:
        await db.stop()
    assert engine._idle == [] and engine._reader is None


async def test_a_failed_pooled_query_drops_its_connection(core_db: str) -> None:
    engine = db.current()
    if not isinstance(engine, db.PooledSQLiteEngine):
        pytest.skip("SQLite only")
    await db.stop()
    await db.start(pool_size=2)
    try:
        await Partner.count().run()
        with pytest.raises(Exception, match="no such table"):
            await Partner.raw("SELECT * FROM no_such_table").run()
        assert engine._idle == []
        assert await Partner.count().run() >= 0
    finally:
        await db.stop()


async def test_signed_in_requests_keep_their_session_and_list_cells_are_escaped(app) -> None:
    await make_user("kim", roles=("manager",))
    await Partner.insert(Partner(name="<b>Bold</b> & Co", city="<i>Delft</i>", is_customer=True)).run()
    async with app_client(app) as client:
        await sign_in(client, "kim")
        for _ in range(3):
            page = await client.get("/contacts/partners", headers=HTML)
            assert page.status_code == 200
        assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co</a>" in page.text
        assert "<td>&lt;i&gt;Delft&lt;/i&gt;</td>" in page.text
        assert '<td class="center"><span class="kit-yes" title="Yes">' in page.text
        rows = await client.get("/contacts/partners?q=bold", headers={**HTML, "hx-request": "true"})
        assert rows.status_code == 200 and "<html" not in rows.text and "Bold" in rows.text
        assert (await post_form(client, "/logout", {})).status_code == 303
        assert (await client.get("/contacts/partners")).status_code == 401


async def test_a_serving_process_freezes_what_start_up_built(core_db: str, catalog, settings_for) -> None:
    import gc

    served = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog, serving=True)
    tested = create_app(settings_for(core_db, registry_check_seconds=0.0), catalog)
    try:
        async with app_client(tested) as client:
            assert (await client.get("/livez")).status_code == 200
        assert gc.get_freeze_count() == 0  # test apps leave the collector alone
        async with app_client(served) as client:
            assert (await client.get("/livez")).status_code == 200
            assert gc.get_freeze_count() > 10_000  # modules, templates, the registry
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual
