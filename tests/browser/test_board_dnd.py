"""In a real browser: dragging a card to another column moves it (the card's own form,
sent by htmx); a refused drop shows why and leaves the card; without JavaScript the
Move button does the same job."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CARD = "#board-tasks-card-{id}"
COLUMN = "#board-tasks section[data-stage='{stage}']"


@pytest.fixture
def live_modules() -> tuple[str, ...]:
    return ("fixture_modules.board:TASKBOARD",)


@pytest.fixture
def live_install() -> tuple[str, ...]:
    return ("taskboard",)


@pytest.fixture
def live_users() -> dict[str, tuple[str, ...]]:
    return {"mia": ("manager",), "jan": ("technician",), "sem": ("technician",)}


@pytest.fixture
def live_demo() -> bool:
    return True


def task(database: Any, title: str) -> dict[str, Any]:
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT id, stage, version FROM taskboard_task WHERE title = ?", (title,)).fetchone()
    assert row is not None, title
    return dict(row)


DESCALE = "Descale espresso machine at Café De Kroon"
QUOTE = "Quote for milk frother"  # unassigned: the board refuses to mark it done


def test_dragging_a_card_to_another_column_moves_it(live_server, browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    live_server.sign_in(page, "mia")
    page.goto(f"{live_server.url}/taskboard/board")
    card = task(live_server.database, DESCALE)
    assert card["stage"] == "todo"
    page.wait_for_selector("#board-tasks.has-dnd")  # board.js is active
    page.drag_and_drop(CARD.format(id=card["id"]), COLUMN.format(stage="done"))
    page.wait_for_selector(f"{COLUMN.format(stage='done')} {CARD.format(id=card['id'])}")
    page.wait_for_selector(".board-message.flash-success")
    assert "Moved “" in page.inner_text(".board-message")
    moved = task(live_server.database, DESCALE)
    assert (moved["stage"], moved["version"]) == ("done", card["version"] + 1)
    assert page.url == f"{live_server.url}/taskboard/board"  # swapped in place, no reload

    quote = task(live_server.database, QUOTE)
    page.drag_and_drop(CARD.format(id=quote["id"]), COLUMN.format(stage="done"))
    page.wait_for_selector(".board-message.flash-error")
    assert "cannot be done without an assignee" in page.inner_text(".board-message")
    assert page.locator(f"{COLUMN.format(stage='todo')} {CARD.format(id=quote['id'])}").count() == 1
    assert task(live_server.database, QUOTE)["stage"] == "todo"
    assert errors == []
    context.close()


def test_the_move_form_works_without_javascript(live_server, browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    live_server.sign_in(page, "mia")
    page.goto(f"{live_server.url}/taskboard/board")
    card = task(live_server.database, DESCALE)
    form = page.locator(f"{CARD.format(id=card['id'])} form.board-move")
    form.locator("select[name=stage]").select_option("doing")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url == f"{live_server.url}/taskboard/board"
    assert "Moved “" in page.inner_text("#flashes")
    assert page.locator(f"{COLUMN.format(stage='doing')} {CARD.format(id=card['id'])}").count() == 1
    assert task(live_server.database, DESCALE)["stage"] == "doing"
    context.close()
