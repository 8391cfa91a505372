"""What can go wrong in the warehouse, named for what went wrong (messages in messages.py)."""

from __future__ import annotations

from decimal import Decimal


class WarehouseError(Exception):
    """A warehouse rule refused the operation; `str(error)` is the user's message."""


class InsufficientStock(WarehouseError):
    """Fewer units are available at `location` than `wanted`. Callers of the stock service
    API (field service, CRM) catch this to tell the user what is short and where."""

    def __init__(self, product_id: int, location_id: int, wanted: Decimal, available: Decimal,
                 product: str = "", location: str = "") -> None:
        self.product_id, self.location_id = product_id, location_id
        self.wanted, self.available = wanted, available
        self.product, self.location = product or f"#{product_id}", location or f"#{location_id}"
        from core.i18n import _

        super().__init__(_("Not enough {product} at {location}: {wanted} wanted, {available} available.").format(
            product=self.product, location=self.location, wanted=_qty(wanted), available=_qty(available)))


class SerialElsewhere(WarehouseError):
    """A serial-tracked unit is not where the move says it comes from (it is in one place only)."""


class InvalidTransition(WarehouseError):
    """A document was asked to go to a state it cannot reach from its current one."""


class NotAllowed(WarehouseError):
    """The operation is refused by a warehouse rule (e.g. editing a done move)."""


def _qty(value: Decimal) -> str:
    """3.000 -> "3", 2.500 -> "2.5": quantities as people write them."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
