"""Records every install needs: the invoice number sequence (a new series each year)."""

from __future__ import annotations

from core.db import sequence
from modules.billing.services.invoice import SEQUENCE


async def load_data() -> None:
    await sequence.define(SEQUENCE, "INV/{year}/{number:05d}", name="Invoices")
