"""A customer return with three outcomes, through the RMA service: Restaurant Stratum
sends back its new twin-hopper grinder (dead on arrival: repaired by the maker, a
loaner meanwhile, now overdue), a leaking solenoid valve (claimed from the
wholesaler, the credit overdue) and two filter cartridges of the wrong size (refunded).

Ref: `rma.stratum` (the return).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from functools import partial

from core.db import records
from core.db.context import acting_as
from modules.warehouse.demo.refs import World, world
from modules.warehouse.demo.timeline import at, backdated, once, today, working_day
from modules.warehouse.models.lot import Lot
from modules.warehouse.models.move import Move
from modules.warehouse.models.rma import Return, ReturnLine, VendorClaim
from modules.warehouse.services import quant, repair, rma, vendor_claim

RMA_TABLES = ((Return, ("created_at", "updated_at")), (ReturnLine, ("created_at", "updated_at")),
              (VendorClaim, ("created_at", "updated_at")))
RECEIVED_DAYS_AGO = 33
REPAIR_DAYS = 10  # the maker promised the grinder back within ten days
CREDIT_DAYS = 14  # the wholesaler credits a claim within two weeks


async def load_returns() -> None:
    w = await world()
    await once("rma.stratum", Return, partial(_stratum, w))
    # This morning's daily job flagged what is overdue (without its mail).
    await repair.flag_overdue(today())
    await vendor_claim.flag_overdue(today())


async def _sold_serial(w: World, customer: str, code: str) -> str:
    row = await Move.select(Move.lot.name).where(
        (Move.product == w.product[code]) & (Move.transfer.partner == w.partner[customer])
        & (Move.transfer.kind == "delivery") & (Move.state == "done")).first().run()
    return str(row["lot.name"]) if row else f"{code}-UNKNOWN"


async def _in_stock_serial(w: World, code: str, shelf: str) -> str:
    found = await quant.lots_available(w.product[code], w.location[shelf])
    row = await Lot.select(Lot.name).where(Lot.id == found[0][0]).first().run() if found else None
    return str(row["name"]) if row else ""


async def _stratum(w: World) -> int:
    received, decided = working_day(RECEIVED_DAYS_AGO), working_day(RECEIVED_DAYS_AGO - 1)
    grinder = await _sold_serial(w, "restaurant_stratum", "GRD-K30")
    cartridges = await Lot.select(Lot.name).where(Lot.product == w.product["WT-CART-M"]).order_by(Lot.id).first().run()
    with acting_as(w.user["warehouse_pieter"]):
        async with backdated(at(received, 9), *RMA_TABLES):
            ret = await rma.create(w.partner["restaurant_stratum"], origin="Call of Joost van Rooij")
            await rma.add_line(ret["id"], w.product["GRD-K30"], D(1), serial=grinder,
                               reason="Motor hums but the burrs do not turn (dead on arrival).")
            await rma.add_line(ret["id"], w.product["SP-SOL-3W"], D(1), reason="Leaking after two weeks.")
            await rma.add_line(ret["id"], w.product["WT-CART-M"], D(2), serial=cartridges["name"] if cartridges else "",
                               reason="Ordered the wrong size; unopened.")
            await rma.receive(ret["id"], w.location["db_returns"])
        await Return.update({Return.received_on: received}).where(Return.id == ret["id"]).run()
    lines = {ln["product"]: ln["id"] for ln in await rma.lines(ret["id"])}
    with acting_as(w.user["manager_eva"]):
        async with backdated(at(decided, 10), *RMA_TABLES):
            await rma.carry_out(lines[w.product["WT-CART-M"]], "refund")
            done = await rma.carry_out(lines[w.product["SP-SOL-3W"]], "return_to_vendor", rma.Details(
                supplier=w.partner["horeca_onderdelen"], claim_number="HOC-RMA-22817", credit_expected=D("35.50")))
            claim = await vendor_claim.get(done["claim"])
            claim = await records.update(VendorClaim, claim["id"], {"due_on": decided + dt.timedelta(days=CREDIT_DAYS)},
                                         version=claim["version"])
            await vendor_claim.move(claim["id"], "submit", on=decided)
            await rma.carry_out(lines[w.product["GRD-K30"]], "repair", rma.Details(
                repairer=w.partner["macinatura_precisa"], carrier="DHL Express", tracking_number="JD014600003821947362",
                expected_return=decided + dt.timedelta(days=REPAIR_DAYS),
                loaner=await _in_stock_serial(w, "GRD-E65", "db_shelf_c")))
    return int(ret["id"])
