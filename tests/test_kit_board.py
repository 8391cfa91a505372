"""The kanban board of the UI kit (core.web.kit.board), proven with the taskboard test module:
cards grouped by stage, moves through the card's form with the record's rules."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fixture_modules.board import BOARD, TASKBOARD, Task

from core.app import create_app
from core.auth.current import load_user
from core.db import records
from core.db.audit import AuditEntry
from core.db.migrations import register_apps
from core.modules import lifecycle
from core.modules.discovery import Catalog, discover
from core.testing import app_client, make_user, post_form, sign_in
from core.web.kit.board import columns

HTML = {"accept": "text/html"}
HTMX = {"accept": "text/html", "hx-request": "true"}


@pytest.fixture
async def taskboard(core_db: str) -> Catalog:
    catalog = discover(extra=(TASKBOARD,))
    register_apps(catalog.manifests.values())
    await lifecycle.install(catalog, ["taskboard"])
    return catalog


@pytest.fixture
async def people(taskboard: Catalog) -> dict[str, int]:
    made = {
        "mia": await make_user("mia", roles=("manager",)),
        "jan": await make_user("jan", roles=("technician",)),
        "sem": await make_user("sem", roles=("technician",)),
        "rita": await make_user("rita", permissions=("taskboard.task.read",)),
        "sales": await make_user("sales", roles=("sales",)),
    }
    return {login: user["id"] for login, user in made.items()}


async def task(title: str, stage: str = "todo", assignee: int | None = None, sequence: int = 0) -> dict[str, Any]:
    return await records.create(Task, {"title": title, "stage": stage, "assignee": assignee, "sequence": sequence})


async def stored(task_id: int) -> dict[str, Any]:
    return await Task.select().where(Task.id == task_id).first().run()


@pytest.fixture
async def client_as(taskboard: Catalog, core_db: str, settings_for) -> AsyncIterator[Any]:
    app = create_app(settings_for(core_db, registry_check_seconds=0.0), taskboard)
    async with app_client(app) as client:

        async def login(name: str) -> httpx.AsyncClient:
            client.cookies.clear()
            assert (await sign_in(client, name)).status_code == 303
            return client

        yield login


def column_html(html: str, stage: str) -> str:
    """The markup of one column of the board."""
    match = re.search(rf'data-stage="{stage}".*?</section>', html, re.S)
    assert match, f"no column {stage}"
    return match.group(0)


async def registry_of(catalog: Catalog):
    from core.registry import load

    return await load(catalog)


async def test_cards_are_grouped_by_stage_in_sequence_order(taskboard: Catalog, people: dict[str, int]) -> None:
    second = await task("Second", sequence=2)
    first = await task("First", sequence=1)
    doing = await task("Busy", "doing", assignee=people["jan"])
    user = await load_user(people["mia"])
    assert user is not None
    cols = await columns(BOARD, await registry_of(taskboard), user)
    assert [c.stage.value for c in cols] == ["todo", "doing", "done", "cancelled"]
    assert [c.id for c in cols[0].cards] == [first["id"], second["id"]]
    assert [c.id for c in cols[1].cards] == [doing["id"]]
    assert cols[1].cards[0].subtitle == "jan"  # enrich added the assignee's name
    assert cols[2].count == 0


async def test_a_long_column_shows_its_first_cards_and_counts_them_all(
    taskboard: Catalog, people: dict[str, int]
) -> None:
    for n in range(3):
        await task(f"Job {n}", sequence=n)
    await task("Elsewhere", "doing", assignee=people["jan"])
    user = await load_user(people["mia"])
    assert user is not None
    todo, doing, *_ = await columns(replace(BOARD, column_limit=2), await registry_of(taskboard), user)
    assert [c.title for c in todo.cards] == ["Job 0", "Job 1"]
    assert (todo.count, todo.hidden) == (3, 1)
    assert (doing.count, doing.hidden) == (1, 0)


async def test_board_page_shows_each_card_in_its_column_with_a_move_form(client_as, people) -> None:
    todo = await task("Descale machine")
    await task("Fit new gasket", "doing", assignee=people["jan"])
    client = await client_as("mia")
    page = await client.get("/taskboard/board", headers=HTML)
    assert page.status_code == 200
    assert "Descale machine" in column_html(page.text, "todo")
    assert "Fit new gasket" in column_html(page.text, "doing")
    assert "Descale machine" not in column_html(page.text, "doing")
    form = re.search(rf'<form method="post" action="/taskboard/board/{todo["id"]}/move".*?</form>', page.text, re.S)
    assert form, "each card has a real move form"
    assert 'name="version" value="1"' in form.group(0) and 'name="_csrf_token"' in form.group(0)
    assert '<option value="todo" selected>' in form.group(0)


async def test_moving_with_the_form_saves_the_stage_and_is_audited(client_as, people) -> None:
    card = await task("Descale machine")
    await task("Already busy", "doing", assignee=people["jan"], sequence=7)
    client = await client_as("mia")
    moved = await post_form(client, f"/taskboard/board/{card['id']}/move", {"stage": "doing", "version": "1"})
    assert moved.status_code == 303 and moved.headers["location"] == "/taskboard/board"
    row = await stored(card["id"])
    assert (row["stage"], row["version"], row["sequence"]) == ("doing", 2, 8)  # at the end of the column
    audit = await AuditEntry.select().where(
        (AuditEntry.table_name == "taskboard_task") & (AuditEntry.record_id == card["id"])
        & (AuditEntry.field == "stage")
    ).run()
    assert [(a["action"], a["old"], a["new"], a["user_id"]) for a in audit] == [
        ("create", None, "todo", None), ("write", "todo", "doing", people["mia"])]
    board = await client.get("/taskboard/board", headers=HTML)
    assert "Moved “Descale machine” to In progress." in board.text
    assert "Descale machine" in column_html(board.text, "doing")


async def test_an_htmx_move_answers_with_the_board_fragment(client_as, people) -> None:
    card = await task("Descale machine")
    client = await client_as("mia")
    moved = await post_form(client, f"/taskboard/board/{card['id']}/move", {"stage": "doing", "version": "1"},
                            headers=HTMX)
    assert moved.status_code == 200
    assert moved.text.lstrip().startswith('<div class="board" id="board-tasks"')
    assert "<html" not in moved.text
    assert "Descale machine" in column_html(moved.text, "doing")
    assert (await stored(card["id"]))["stage"] == "doing"


async def test_moving_without_the_write_permission_is_forbidden(client_as, people) -> None:
    card = await task("Descale machine")
    client = await client_as("rita")
    page = await client.get("/taskboard/board", headers=HTML)
    assert page.status_code == 200 and "Descale machine" in page.text
    assert "board-move" not in page.text and 'draggable="true"' not in page.text
    refused = await post_form(client, f"/taskboard/board/{card['id']}/move", {"stage": "doing", "version": "1"},
                              headers=HTML)
    assert refused.status_code == 403
    assert (await stored(card["id"]))["stage"] == "todo"


async def test_the_board_needs_the_read_permission(client_as, people) -> None:
    client = await client_as("sales")
    assert (await client.get("/taskboard/board", headers=HTML)).status_code == 403


async def test_moving_a_card_the_record_rules_hide_is_not_found(client_as, people) -> None:
    sems = await task("Sem's repair", assignee=people["sem"])
    client = await client_as("jan")
    hidden = await post_form(client, f"/taskboard/board/{sems['id']}/move", {"stage": "doing", "version": "1"},
                             headers=HTML)
    assert hidden.status_code == 404
    missing = await post_form(client, "/taskboard/board/999999/move", {"stage": "doing", "version": "1"},
                              headers=HTML)
    assert missing.status_code == 404
    assert (await stored(sems["id"]))["stage"] == "todo"


async def test_record_rules_hide_other_technicians_cards(client_as, people) -> None:
    await task("Jan's install", assignee=people["jan"])
    await task("Sem's repair", assignee=people["sem"])
    await task("Nobody's quote")
    jan = await client_as("jan")
    page = (await jan.get("/taskboard/board", headers=HTML)).text
    assert "Jan&#39;s install" in page
    assert "Sem&#39;s repair" not in page and "Nobody&#39;s quote" not in page
    assert '<span class="board-count" title="Cards">1<' in column_html(page, "todo")
    mia = await client_as("mia")
    everything = (await mia.get("/taskboard/board", headers=HTML)).text
    assert all(t in everything for t in ("Jan&#39;s install", "Sem&#39;s repair", "Nobody&#39;s quote"))


async def test_a_stale_move_is_refused_and_the_board_reloaded(client_as, people) -> None:
    card = await task("Descale machine", assignee=people["jan"])
    await records.update(Task, card["id"], {"title": "Descale machine (urgent)"}, version=1)
    client = await client_as("mia")
    stale = await post_form(client, f"/taskboard/board/{card['id']}/move", {"stage": "doing", "version": "1"},
                            headers=HTML)
    assert stale.status_code == 409
    assert "Someone else changed this card in the meantime" in stale.text
    assert "Descale machine (urgent)" in column_html(stale.text, "todo")  # the fresh board
    assert 'name="version" value="2"' in stale.text
    row = await stored(card["id"])
    assert (row["stage"], row["version"]) == ("todo", 2)


async def test_a_move_the_board_refuses_shows_why_and_changes_nothing(client_as, people) -> None:
    card = await task("Unassigned repair", "doing")
    client = await client_as("mia")
    for headers in (HTML, HTMX):
        refused = await post_form(client, f"/taskboard/board/{card['id']}/move",
                                  {"stage": "done", "version": "1"}, headers=headers)
        assert refused.status_code == 400
        assert "“Unassigned repair” cannot be done without an assignee." in refused.text
        assert 'role="alert"' in refused.text
        assert "Unassigned repair" in column_html(refused.text, "doing")  # the card stays
    row = await stored(card["id"])
    assert (row["stage"], row["version"]) == ("doing", 1)
    writes = await AuditEntry.count().where(
        (AuditEntry.table_name == "taskboard_task") & (AuditEntry.action == "write")).run()
    assert writes == 0


async def test_an_unknown_stage_or_missing_version_is_refused(client_as, people) -> None:
    card = await task("Descale machine")
    client = await client_as("mia")
    unknown = await post_form(client, f"/taskboard/board/{card['id']}/move", {"stage": "won", "version": "1"},
                              headers=HTML)
    assert unknown.status_code == 400 and "Unknown stage “won”." in unknown.text
    no_version = await post_form(client, f"/taskboard/board/{card['id']}/move", {"stage": "doing"}, headers=HTML)
    assert no_version.status_code == 400 and "version is missing" in no_version.text
    assert (await stored(card["id"]))["version"] == 1


async def test_columns_count_cards_and_warn_over_the_wip_limit(client_as, people) -> None:
    for n in range(3):
        await task(f"Job {n}", "doing", assignee=people["jan"])
    client = await client_as("mia")
    page = (await client.get("/taskboard/board", headers=HTML)).text
    doing = column_html(page, "doing")
    assert "is-over-limit" in page.split('data-stage="doing"')[0].rsplit("<section", 1)[1]
    assert "Over the limit of 2 cards" in doing
    assert '3<span class="muted"> / 2</span>' in doing
    assert "Over the limit" not in column_html(page, "todo")
    assert "<details" in column_html(page, "cancelled")  # a folded column


async def test_card_titles_are_escaped(client_as, people) -> None:
    await task('<script>alert("x")</script>')
    client = await client_as("mia")
    page = (await client.get("/taskboard/board", headers=HTML)).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


async def test_the_board_speaks_the_users_language(client_as, people) -> None:
    from core.auth.models import User

    user = await User.select(User.version).where(User.id == people["mia"]).first().run()
    await records.update(User, people["mia"], {"language": "nl"}, version=user["version"])
    await task("Ontkalken", "doing", assignee=people["jan"])
    for n in range(2):
        await task(f"Klus {n}", "doing", assignee=people["jan"])
    client = await client_as("mia")
    page = (await client.get("/taskboard/board", headers=HTML)).text
    assert ">Verplaatsen</button>" in page
    assert "Boven de limiet van 2 kaarten" in page
    assert "1 kaart" not in page and "0 kaarten" in page  # the folded, empty Cancelled column
