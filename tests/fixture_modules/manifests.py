"""Test modules: alpha <- beta, gamma, a bridge on alpha+gamma, and one whose data fails."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from litestar import get
from piccolo.columns import ForeignKey, OnDelete, Varchar
from piccolo.table import Table

from core.db import data
from core.db.mixins import Audited
from core.modules.manifest import Manifest, Menu, Permission

HERE = Path(__file__).parent / "migrations"


class Note(Audited, Table, tablename="alpha_note"):
    title = Varchar(length=100)
    body = Varchar(length=200, default="")


class Item(Audited, Table, tablename="beta_item"):
    note = ForeignKey(Note, on_delete=OnDelete.restrict)
    name = Varchar(length=100)


class Thing(Table, tablename="gamma_thing"):
    name = Varchar(length=100)


class Link(Table, tablename="bridge_link"):
    name = Varchar(length=100)


class Wreck(Table, tablename="broken_wreck"):
    name = Varchar(length=100)


@get("/alpha", permission="alpha.note.read")
async def alpha_page() -> str:
    return "alpha"


@get("/beta", permission="beta.item.read")
async def beta_page() -> str:
    return "beta"


async def seed_notes(body: str = "shipped v1") -> None:
    await data.ensure("alpha", "note_seed", Note, {"title": "Seed", "body": body})
    await data.ensure("alpha", "note_other", Note, {"title": "Other", "body": body})


async def fail() -> None:
    raise RuntimeError("data file is corrupt")


ALPHA = Manifest(
    name="alpha", version="1.0.0", summary="Alpha notes", depends=("core",),
    tables=(Note,), controllers=(alpha_page,),
    menus=(Menu("Alpha", "/alpha", "alpha.note.read"),),
    permissions=(Permission("alpha.note.read"),), grants={"manager": ("alpha.note.read",)},
    data=(seed_notes,), migrations=HERE / "alpha",
)
BETA = Manifest(
    name="beta", version="1.0.0", summary="Beta items", depends=("alpha",),
    tables=(Item,), controllers=(beta_page,), permissions=(Permission("beta.item.read"),),
    migrations=HERE / "beta",
)
GAMMA = Manifest(name="gamma", version="1.0.0", summary="Gamma", depends=("core",),
                 tables=(Thing,), migrations=HERE / "gamma")
BRIDGE = Manifest(name="bridge", version="1.0.0", summary="Alpha+Gamma glue",
                  depends=("alpha", "gamma"), auto_install=("alpha", "gamma"),
                  tables=(Link,), migrations=HERE / "bridge")
BROKEN = Manifest(name="broken", version="1.0.0", summary="Fails while loading data",
                  depends=("alpha",), tables=(Wreck,), data=(fail,), migrations=HERE / "broken")

ALL = (ALPHA, BETA, GAMMA, BRIDGE, BROKEN)


async def seed_notes_v2() -> None:
    await seed_notes("shipped v2")


# Alpha 1.1.0: one more migration (adds alpha_note.colour) and new shipped data.
ALPHA_V2 = replace(ALPHA, version="1.1.0", data=(seed_notes_v2,), migrations=HERE / "alpha_v2")
