"""The equipment register (installed base): machines at customers' sites, their warranties,
contract and condition, and everything done to them (work orders, parts, checks).

    from modules.field_service.services import equipment

    state = equipment.warranty_state(row, on_date)   # Warranty(parts="running", labour="expired", ...)
    row = await equipment.create({...})              # InvalidValues with a message per field
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.db import records
from core.db.engine import transaction
from core.i18n import _
from core.partners.models import Partner
from core.products.models import Product
from core.web.kit.calendar import firm_timezone
from modules.field_service.models.contract import Contract
from modules.field_service.models.equipment import CONDITIONS, Equipment
from modules.field_service.models.work_order import CheckLine, PartLine, WorkOrder
from modules.field_service.services.errors import InvalidValues

# A warranty of one kind on a day: it runs, it ran out, or the machine never had one.
RUNNING, EXPIRED, NONE = "running", "expired", "none"
OPEN_STATES = ("new", "scheduled", "in_progress", "on_hold")
FIELDS = ("product", "serial", "lot", "partner", "site_name", "street", "postcode", "city", "install_date",
          "parts_warranty_end", "labour_warranty_end", "contract", "condition", "condition_checked", "notes",
          "active")


@dataclass(frozen=True)
class Warranty:
    """The equipment's warranties on one day; `*_end` is the last day covered."""

    parts: str
    labour: str
    parts_end: dt.date | None
    labour_end: dt.date | None

    @property
    def any_running(self) -> bool:
        return RUNNING in (self.parts, self.labour)


def _one(end: dt.date | None, on_date: dt.date) -> str:
    if end is None:
        return NONE
    return RUNNING if on_date <= end else EXPIRED


def warranty_state(equipment: Mapping[str, Any], on_date: dt.date) -> Warranty:
    """Which of the equipment's warranties (parts, labour) run on `on_date`: the warranty's
    end date is its last covered day. Coverage pricing and the pages share this rule."""
    parts_end, labour_end = equipment.get("parts_warranty_end"), equipment.get("labour_warranty_end")
    return Warranty(_one(parts_end, on_date), _one(labour_end, on_date), parts_end, labour_end)


async def today() -> dt.date:
    """Today in the firm's time zone."""
    return dt.datetime.now(await firm_timezone()).date()


async def get(equipment_id: int) -> dict[str, Any]:
    row = await Equipment.select().where(Equipment.id == equipment_id).first().run()
    if row is None:
        raise InvalidValues({"equipment": _("This equipment does not exist.")})
    return row


async def _check(values: Mapping[str, Any], equipment_id: int | None) -> dict[str, str]:
    """The rules a form cannot see alone: one machine per product serial, a contract of the
    same customer, warranty ends not before the installation."""
    errors: dict[str, str] = {}
    serial = str(values.get("serial") or "").strip()
    if not serial:
        errors["serial"] = _("This field is required.")
    if values.get("condition") not in CONDITIONS:
        errors["condition"] = _("Choose one of the options.")
    if not await Product.exists().where(Product.id == values.get("product")).run():
        errors["product"] = _("Choose one of the options.")
    if not await Partner.exists().where(Partner.id == values.get("partner")).run():
        errors["partner"] = _("Choose one of the options.")
    if serial and "product" not in errors:
        query = Equipment.exists().where((Equipment.product == values["product"]) & (Equipment.serial == serial))
        if equipment_id is not None:
            query = query.where(Equipment.id != equipment_id)
        if await query.run():
            errors["serial"] = _("This product already has a machine with serial %(serial)s.", serial=serial)
    installed = values.get("install_date")
    for name in ("parts_warranty_end", "labour_warranty_end"):
        end = values.get(name)
        if installed and end and end < installed:
            errors[name] = _("The warranty cannot end before the installation date.")
    checked = values.get("condition_checked")
    if checked and checked > await today():
        errors["condition_checked"] = _("The last check cannot be in the future.")
    contract = values.get("contract")
    if contract is not None and "partner" not in errors:
        row = await Contract.select(Contract.partner).where(Contract.id == contract).first().run()
        if row is None:
            errors["contract"] = _("Choose one of the options.")
        elif row["partner"] != values.get("partner"):
            errors["contract"] = _("This contract belongs to another customer.")
    return errors


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k in FIELDS}
    if "serial" in out:
        out["serial"] = str(out["serial"] or "").strip()
    return out


async def create(values: Mapping[str, Any]) -> dict[str, Any]:
    """Register a machine. A condition given without a check date was checked today."""
    data = {"condition": "good", **_clean(values)}
    if errors := await _check(data, None):
        raise InvalidValues(errors)
    if data.get("condition") != "good" and not data.get("condition_checked"):
        data["condition_checked"] = await today()
    return await records.create(Equipment, data)


async def update(equipment_id: int, values: Mapping[str, Any], *, version: int) -> dict[str, Any]:
    """Save changes (StaleRecordError when someone saved since `version`). Changing the
    condition without a new check date records today as the day it was checked."""
    async with transaction():
        old = await get(equipment_id)
        data = _clean(values)
        if errors := await _check({**old, **data}, equipment_id):
            raise InvalidValues(errors)
        if ("condition" in data and data["condition"] != old["condition"]
                and data.get("condition_checked", old["condition_checked"]) == old["condition_checked"]):
            data["condition_checked"] = await today()
        return await records.update(Equipment, equipment_id, data, version=version)


async def set_condition(equipment_id: int, condition: str, *, checked: dt.date | None = None) -> dict[str, Any]:
    """Record the technical condition found at a check (work orders call this)."""
    async with transaction():
        row = await get(equipment_id)
        return await update(equipment_id, {"condition": condition, "condition_checked": checked or await today()},
                            version=row["version"])


# -- What was done to a machine ------------------------------------------------------------

def work_order_query(equipment_id: int) -> Any:
    return WorkOrder.select(
        WorkOrder.id, WorkOrder.number, WorkOrder.kind, WorkOrder.state, WorkOrder.priority,
        WorkOrder.description, WorkOrder.scheduled_start, WorkOrder.done_at, WorkOrder.work_done,
        WorkOrder.billing_state, WorkOrder.created_at,
    ).where(WorkOrder.equipment == equipment_id).order_by(WorkOrder.created_at, ascending=False).order_by(
        WorkOrder.id, ascending=False)


def parts_query(equipment_id: int) -> Any:
    """Parts used on the machine (planned-only lines are not history)."""
    return PartLine.select(
        PartLine.id, PartLine.work_order, PartLine.work_order.number.as_alias("number"),
        PartLine.work_order.done_at.as_alias("done_at"), PartLine.product,
        PartLine.product.code.as_alias("code"), PartLine.product.name.as_alias("name"), PartLine.used,
        PartLine.coverage, PartLine.amount,
    ).where((PartLine.work_order.equipment == equipment_id) & (PartLine.used > 0)).order_by(
        PartLine.work_order.created_at, ascending=False).order_by(PartLine.id)


def checks_query(equipment_id: int) -> Any:
    return CheckLine.select(
        CheckLine.id, CheckLine.work_order, CheckLine.work_order.number.as_alias("number"), CheckLine.label,
        CheckLine.kind, CheckLine.unit, CheckLine.passed, CheckLine.value, CheckLine.text,
        CheckLine.out_of_tolerance, CheckLine.done_at,
    ).where((CheckLine.work_order.equipment == equipment_id) & CheckLine.done_at.is_not_null()).order_by(
        CheckLine.done_at, ascending=False).order_by(CheckLine.sequence)


async def history(equipment_id: int, limit: int = 500) -> dict[str, list[dict[str, Any]]]:
    """Every work order, part used and check done on the machine, newest first."""
    return {
        "work_orders": await work_order_query(equipment_id).limit(limit).run(),
        "parts": await parts_query(equipment_id).limit(limit).run(),
        "checks": await checks_query(equipment_id).limit(limit).run(),
    }


def partner_equipment_query(partner_id: int) -> Any:
    return Equipment.select(
        Equipment.id, Equipment.serial, Equipment.product.name.as_alias("product_name"), Equipment.site_name,
        Equipment.city, Equipment.condition, Equipment.parts_warranty_end, Equipment.labour_warranty_end,
        Equipment.contract.number.as_alias("contract_number"),
    ).where((Equipment.partner == partner_id) & (Equipment.active == True)).order_by(  # noqa: E712
        Equipment.serial)


def open_work_orders_query(partner_id: int) -> Any:
    return WorkOrder.select(
        WorkOrder.id, WorkOrder.number, WorkOrder.kind, WorkOrder.state, WorkOrder.scheduled_start,
        WorkOrder.equipment.serial.as_alias("serial"),
    ).where((WorkOrder.partner == partner_id) & WorkOrder.state.is_in(list(OPEN_STATES))).order_by(
        WorkOrder.created_at, ascending=False)


# -- Links to a machine's page (QR labels, mail) -------------------------------------------

async def base_url() -> str:
    """Where people reach Steward: the field service setting `public_url`, else the address
    `steward serve` listens on (config.toml web.host/web.port)."""
    from core.admin.settings_store import get_setting
    from modules.field_service.manifest import MANIFEST  # the manifest imports this module

    url = str(await get_setting(MANIFEST, "public_url") or "").strip()
    if not url:
        from core.settings import load_settings

        web = load_settings().web
        url = f"http://{web.host}:{web.port}"
    return url.rstrip("/")


async def equipment_url(equipment_id: int) -> str:
    return f"{await base_url()}/field-service/equipment/{equipment_id}"
