"""Test module `taskboard`: tasks on a kanban board and a timeline, built with the UI kit
(core.web.kit.board, core.web.kit.calendar). No core table has stages, so this is
what proves the components; the browser tests serve it too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table

from core.auth.models import User
from core.auth.rules import restrict
from core.db import records
from core.db.mixins import Audited
from core.modules.manifest import Manifest, Menu, Permission, RecordRule
from core.web.kit.board import Badge, Board, Stage, board_move, board_page
from core.web.kit.calendar import Calendar, Item, Person, Window, calendar_page

HERE = Path(__file__).parent
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class Task(Audited, Table, tablename="taskboard_task"):
    title = Varchar(length=200)
    stage = Varchar(length=30, default="todo")
    sequence = Integer(default=0)
    assignee = Integer(null=True, default=None)  # a core_user id
    starts_at = Timestamptz(null=True, default=None)
    ends_at = Timestamptz(null=True, default=None)


def done_needs_assignee(task: dict[str, Any], stage: str) -> str | None:
    if stage == "done" and task["assignee"] is None:
        return f"“{task['title']}” cannot be done without an assignee."
    return None


async def user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await User.select(User.id, User.name).where(User.id.is_in(list(ids))).run()
    return {r["id"]: r["name"] for r in rows}


async def with_assignee_names(rows: list[dict[str, Any]]) -> None:
    names = await user_names({r["assignee"] for r in rows if r["assignee"] is not None})
    for row in rows:
        row["assignee_name"] = names.get(row["assignee"], "")


BOARD = Board(
    name="tasks", table=Task, stage_field="stage", url="/taskboard/board",
    stages=(
        Stage("todo", "To do"),
        Stage("doing", "In progress", wip_limit=2),
        Stage("done", "Done"),
        Stage("cancelled", "Cancelled", folded=True),
    ),
    title_field="title", subtitle_field="assignee_name", sequence_field="sequence",
    badges=(Badge("id", "#"),),
    read_permission="taskboard.task.read", write_permission="taskboard.task.write",
    check_move=done_needs_assignee, enrich=with_assignee_names,
)


async def scheduled(window: Window) -> list[Item]:
    query = Task.select().where(
        (Task.starts_at < window.end) & (Task.ends_at > window.start)  # type: ignore[operator]
    ).order_by(Task.starts_at)
    rows = await restrict(query, window.registry, Task, window.user).run()
    names = await user_names({r["assignee"] for r in rows if r["assignee"] is not None})
    return [
        Item(id=r["id"], title=r["title"], start=r["starts_at"], end=r["ends_at"], person=r["assignee"],
             person_name=names.get(r["assignee"], ""), tone="ok" if r["stage"] == "done" else "",
             url=f"/taskboard/board#board-tasks-card-{r['id']}")
        for r in rows
    ]


async def technicians(window: Window) -> list[Person]:
    rows = await User.select(User.id, User.name).where(User.login.is_in(["jan", "sem"])).order_by(User.name).run()
    return [Person(r["id"], r["name"]) for r in rows]


CALENDAR = Calendar(name="tasks", url="/taskboard/calendar", load=scheduled, people=technicians)


class TaskBoardController(Controller):
    path = "/taskboard"

    @get("/board", permission="taskboard.task.read")
    async def board(self, request: Request) -> Template:
        return await board_page(request, BOARD, template="taskboard/board.html", title="Tasks")

    @post("/board/{task_id:int}/move", permission="taskboard.task.write")
    async def move(self, request: Request, task_id: int, data: FormData) -> Template | Redirect:
        return await board_move(request, BOARD, task_id, data, template="taskboard/board.html", title="Tasks")

    @get("/calendar", permission="taskboard.task.read")
    async def calendar(self, request: Request) -> Template:
        return await calendar_page(request, CALENDAR, template="taskboard/calendar.html", title="Task planning")


async def demo_tasks() -> None:
    """A small week of work for jan and sem (browser tests and screenshots)."""
    tz = ZoneInfo("Europe/Amsterdam")
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    users = {r["login"]: r["id"] for r in await User.select(User.id, User.login).where(User.login.is_in(["jan", "sem"])).run()}

    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), tz)

    for seq, (title, stage, who, start, end) in enumerate([
        ("Descale espresso machine at Café De Kroon", "todo", "jan", at(0, 9), at(0, 12)),
        ("Replace grinder burrs, Hotel Aurora", "todo", "sem", at(1, 8), at(1, 11)),
        ("Install bean-to-cup at Bakkerij Van Dam", "doing", "jan", at(1, 9), at(3, 17)),
        ("Annual service, Kantoor Zuidas", "doing", "jan", at(2, 10), at(2, 14)),
        ("Quote for milk frother", "todo", None, at(4, 13), at(4, 15)),
        ("Warranty repair, boiler leak", "done", "sem", at(0, 13), at(0, 16)),
        ("Old order, customer moved", "cancelled", None, None, None),
    ]):
        await records.create(Task, {"title": title, "stage": stage, "sequence": seq + 1,
                                    "assignee": users.get(who) if who else None,
                                    "starts_at": start, "ends_at": end})


TASKBOARD = Manifest(
    name="taskboard", version="1.0.0", summary="Tasks on a board and a timeline (UI kit test module)",
    depends=("core",), tables=(Task,), controllers=(TaskBoardController,),
    menus=(Menu("Tasks", "/taskboard/board", "taskboard.task.read"),
           Menu("Board", "/taskboard/board", "taskboard.task.read", parent="Tasks"),
           Menu("Planning", "/taskboard/calendar", "taskboard.task.read", parent="Tasks")),
    permissions=(Permission("taskboard.task.read", "See tasks"),
                 Permission("taskboard.task.write", "Move tasks")),
    grants={"manager": ("taskboard.task.read", "taskboard.task.write"),
            "technician": ("taskboard.task.read", "taskboard.task.write")},
    record_rules=(RecordRule("own tasks", Task, ("technician",), lambda uid: Task.assignee == uid),),
    demo=(demo_tasks,), migrations=HERE / "migrations" / "taskboard", root=HERE / "taskboard",
)
