"""Document numbers (`WO/2026/00042`) that stay unique under concurrent use."""

from __future__ import annotations

import datetime as dt

from piccolo.columns import Integer, Varchar
from piccolo.table import Table

from core.db.engine import transaction


class Sequence(Table, tablename="core_sequence"):
    code = Varchar(length=100, unique=True)
    name = Varchar(length=200, default="")
    # Python format string; fields: number, year, month.
    pattern = Varchar(length=100, default="{number:05d}")
    reset = Varchar(length=10, default="yearly")  # never | yearly | monthly


class SequenceCounter(Table, tablename="core_sequence_counter"):
    # "<code>@<period>", one counter per sequence and reset period.
    key = Varchar(length=130, unique=True)
    last = Integer(default=0)


class UnknownSequence(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(f"no sequence with code '{code}'")


async def define(code: str, pattern: str, *, name: str = "", reset: str = "yearly") -> None:
    """Create a sequence if it does not exist yet (module data calls this)."""
    await Sequence.insert(Sequence(code=code, name=name or code, pattern=pattern, reset=reset)).on_conflict(
        target=Sequence.code, action="DO NOTHING"
    ).run()


async def next_number(code: str, when: dt.date | None = None) -> str:
    """Allocate the next number: one atomic UPDATE ... RETURNING, so no two callers share it."""
    when = when or dt.date.today()
    seq = await Sequence.select().where(Sequence.code == code).first().run()
    if seq is None:
        raise UnknownSequence(code)
    period = {"never": "all", "yearly": f"{when:%Y}", "monthly": f"{when:%Y-%m}"}[seq["reset"]]
    key = f"{code}@{period}"
    async with transaction():
        await SequenceCounter.insert(SequenceCounter(key=key, last=0)).on_conflict(
            target=SequenceCounter.key, action="DO NOTHING"
        ).run()
        row = (
            await SequenceCounter.update({SequenceCounter.last: SequenceCounter.last + 1})
            .where(SequenceCounter.key == key)
            .returning(SequenceCounter.last)
            .run()
        )[0]
    return seq["pattern"].format(number=row["last"], year=when.year, month=when.month)
