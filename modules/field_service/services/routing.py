"""Routing: which team and technician a new request goes to.

The first active rule by sequence whose conditions all hold wins: kind ("" = any), the
customer's territory and the equipment product's category (empty = any). Its method:
- manual: the rule's team (and its user, if it names one); a dispatcher assigns later;
- round_robin: the team member after the rule's `last_user`, taken with a conditional
  UPDATE of `last_user` (retried when another request took the turn meanwhile), so two
  requests routed at once never get the same turn;
- least_loaded: the member with the fewest open requests plus open work orders.
Members are the team's active technicians (all active technicians for a rule without team).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.query.functions.aggregate import Count

from core.partners.models import Partner
from modules.field_service.models.equipment import Equipment
from modules.field_service.models.request import Request
from modules.field_service.models.routing import RoutingRule
from modules.field_service.models.technician import Technician
from modules.field_service.models.work_order import Assignment

METHOD_LABELS = {"manual": "Manual", "round_robin": "Round robin", "least_loaded": "Least loaded"}
OPEN_REQUESTS = ("new", "assigned", "waiting_customer", "waiting_parts")
OPEN_WORK_ORDERS = ("new", "scheduled", "in_progress", "on_hold")
TURN_ATTEMPTS = 20


@dataclass(frozen=True)
class Route:
    rule: int | None = None
    team: int | None = None
    user: int | None = None


async def facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """What rules look at: kind, the customer's territory, the equipment's product category."""
    territory = category = None
    if values.get("partner") is not None:
        row = await Partner.select(Partner.territory).where(Partner.id == values["partner"]).first().run()
        territory = row["territory"] if row else None
    if values.get("equipment") is not None:
        row = await Equipment.select(Equipment.product.category.as_alias("category")).where(
            Equipment.id == values["equipment"]).first().run()
        category = row["category"] if row else None
    return {"kind": values.get("kind") or "", "territory": territory, "category": category}


def matches(rule: Mapping[str, Any], seen: Mapping[str, Any]) -> bool:
    return ((not rule["kind"] or rule["kind"] == seen["kind"])
            and (rule["territory"] is None or rule["territory"] == seen["territory"])
            and (rule["category"] is None or rule["category"] == seen["category"]))


async def rule_for(values: Mapping[str, Any]) -> dict[str, Any] | None:
    seen = await facts(values)
    rules = await RoutingRule.select().where(RoutingRule.active == True).order_by(  # noqa: E712
        RoutingRule.sequence).order_by(RoutingRule.id).run()
    return next((r for r in rules if matches(r, seen)), None)


async def members(team: int | None) -> list[int]:
    """User ids of the team's active technicians (every active technician without a team), by id."""
    query = Technician.select(Technician.user).where(
        (Technician.active == True) & (Technician.user.active == True))  # noqa: E712
    if team is not None:
        query = query.where(Technician.team == team)
    return [r["user"] for r in await query.order_by(Technician.user).run()]


async def route(values: Mapping[str, Any]) -> Route:
    """Where a request with these values (kind, partner, equipment) goes; Route() when no rule matches."""
    rule = await rule_for(values)
    if rule is None:
        return Route()
    if rule["method"] == "round_robin":
        return Route(rule["id"], rule["team"], await next_turn(rule))
    if rule["method"] == "least_loaded":
        return Route(rule["id"], rule["team"], await least_loaded(await members(rule["team"])))
    return Route(rule["id"], rule["team"], rule["user"])


async def next_turn(rule: Mapping[str, Any]) -> int | None:
    """The member after `last_user`, claimed atomically: the UPDATE only lands while
    `last_user` is still what this call read; otherwise another request took that turn."""
    people = await members(rule["team"])
    if not people:
        return None
    last = rule["last_user"]
    for _attempt in range(TURN_ATTEMPTS):
        chosen = next((u for u in people if last is None or u > last), people[0])
        same = RoutingRule.last_user.is_null() if last is None else RoutingRule.last_user == last
        won = await RoutingRule.update({RoutingRule.last_user: chosen}).where(
            (RoutingRule.id == rule["id"]) & same).returning(RoutingRule.id).run()
        if won:
            return chosen
        row = await RoutingRule.select(RoutingRule.last_user).where(RoutingRule.id == rule["id"]).first().run()
        last = row["last_user"] if row else None
    return chosen


async def load(users: list[int]) -> dict[int, int]:
    """Open requests assigned plus open work orders assigned, per user."""
    if not users:
        return {}
    counts = dict.fromkeys(users, 0)
    requests = await Request.select(Request.assignee, Count(Request.id, alias="n")).where(
        Request.assignee.is_in(users) & Request.state.is_in(list(OPEN_REQUESTS))).group_by(Request.assignee).run()
    for row in requests:
        counts[row["assignee"]] += row["n"]
    orders = await Assignment.select(Assignment.user, Count(Assignment.id, alias="n")).where(
        Assignment.user.is_in(users) & Assignment.work_order.state.is_in(list(OPEN_WORK_ORDERS))).group_by(
        Assignment.user).run()
    for row in orders:
        counts[row["user"]] += row["n"]
    return counts


async def least_loaded(users: list[int]) -> int | None:
    counts = await load(users)
    return min(users, key=lambda u: (counts[u], u)) if users else None

