"""The delivery note / packing slip of a transfer: who receives what, from where, what is
still to follow on a backorder, and a line to sign for receipt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.i18n import _
from modules.warehouse.models.move import Move
from modules.warehouse.models.transfer import Transfer
from modules.warehouse.services.stock_levels import dec, fmt_qty


def title(kind: str) -> str:
    """The document's name for a transfer of this kind."""
    return {
        "delivery": _("Delivery note"), "internal": _("Packing slip"), "receipt": _("Goods received note"),
        "customer_return": _("Return receipt"), "repair_out": _("Repair dispatch note"),
        "repair_in": _("Repair receipt"), "scrap": _("Scrap note"), "adjustment": _("Stock adjustment"),
    }.get(kind, _("Packing slip"))


async def _lines(transfer: int, states: list[str]) -> list[dict[str, Any]]:
    rows = await Move.select(
        Move.id, Move.quantity, Move.state, Move.product.code.as_alias("code"), Move.product.name.as_alias("name"),
        Move.product.unit.as_alias("unit"), Move.lot.name.as_alias("lot_name"),
    ).where((Move.transfer == transfer) & Move.state.is_in(states)).order_by(Move.id).run()
    return [{**r, "quantity": dec(r["quantity"])} for r in rows]


async def delivery_note(record_id: int | None) -> dict[str, Any]:
    t = await Transfer.select(
        *Transfer.all_columns(),
        Transfer.source.full_name.as_alias("source_name"), Transfer.destination.full_name.as_alias("destination_name"),
        *Transfer.partner.all_columns(exclude=["id"]),
        *Transfer.source.warehouse.all_columns(exclude=["id"]),
        *Transfer.destination.warehouse.all_columns(exclude=["id"]),
        Transfer.backorder_of.number.as_alias("backorder_of_number"),
    ).where(Transfer.id == record_id).first().run()
    if t is None:
        raise LookupError(f"transfer #{record_id} does not exist")
    done = t["state"] == "done"
    lines = await _lines(t["id"], ["done"] if done else ["draft", "reserved"])
    followups = await Transfer.select(Transfer.id, Transfer.number).where(
        (Transfer.backorder_of == t["id"]) & (Transfer.state != "cancelled")).order_by(Transfer.id).run()
    still = [{**line, "number": f["number"]} for f in followups for line in await _lines(f["id"], ["draft", "reserved"])]
    return {
        "transfer": t,
        "title": title(t["kind"]),
        "lines": lines,
        "backorders": still,
        "units": sum((line["quantity"] for line in lines), Decimal(0)),
        "done": done,
        "date": (t["done_at"].date() if isinstance(t["done_at"], dt.datetime) else t["scheduled"]) or dt.date.today(),
        "slug": str(t["number"]).replace("/", "-"),
        "qty": fmt_qty,
    }
