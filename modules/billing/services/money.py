"""Invoice arithmetic, in Decimal, rounding half up to cents.

Each line's net amount is rounded to cents (quantity x unit price less the discount).
VAT is computed per rate over the sum of the line nets at that rate and rounded once,
as Dutch invoices show it ("BTW 21% over € 1.234,50"); rounding per line instead would
drift by a cent for every few lines. Where a line's own share of the VAT is needed (the
accounting export has one row per line), the rate's VAT is spread over its lines so the
shares add up to it exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
# The Dutch VAT rates: standard, reduced, zero (exports, intra-EU supplies, exempt).
VAT_RATES = (Decimal(21), Decimal(9), Decimal(0))


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal, discount: Decimal = ZERO) -> Decimal:
    """quantity x unit price, less `discount` percent, rounded half up to cents."""
    gross = Decimal(quantity) * Decimal(unit_price)
    return cents(gross * (HUNDRED - Decimal(discount)) / HUNDRED)


@dataclass(frozen=True)
class VatGroup:
    rate: Decimal
    net: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    groups: tuple[VatGroup, ...]  # per rate, highest rate first


def _rate(line: Mapping[str, Any]) -> Decimal:
    return Decimal(line["vat_rate"]).normalize() + 0  # 21.00 and 21 are one rate


def totals(lines: Iterable[Mapping[str, Any]]) -> Totals:
    """Net, VAT and gross of lines carrying `amount_net` and `vat_rate`."""
    nets: dict[Decimal, Decimal] = {}
    for line in lines:
        nets[_rate(line)] = nets.get(_rate(line), ZERO) + Decimal(line["amount_net"])
    groups = tuple(VatGroup(rate, cents(net), cents(net * rate / HUNDRED))
                   for rate, net in sorted(nets.items(), reverse=True))
    net = sum((g.net for g in groups), ZERO)
    vat = sum((g.vat for g in groups), ZERO)
    return Totals(net=net, vat=vat, gross=net + vat, groups=groups)


def line_vat(lines: Sequence[Mapping[str, Any]]) -> list[Decimal]:
    """Each line's share of its rate's VAT: its own VAT rounded, the rate's rounding
    difference given to the rate's largest line, so the shares sum to `totals().vat`."""
    shares = [cents(Decimal(ln["amount_net"]) * _rate(ln) / HUNDRED) for ln in lines]
    for group in totals(lines).groups:
        members = [i for i, ln in enumerate(lines) if _rate(ln) == group.rate]
        diff = group.vat - sum((shares[i] for i in members), ZERO)
        if diff and members:
            largest = max(members, key=lambda i: (abs(Decimal(lines[i]["amount_net"])), -i))
            shares[largest] += diff
    return shares
