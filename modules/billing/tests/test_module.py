"""The billing module installs (with its sequence and constraints) and uninstalls cleanly."""

from __future__ import annotations

import pytest

from core.db.sequence import Sequence
from core.modules import lifecycle
from core.modules.discovery import Catalog
from core.modules.state import states
from modules.billing.models.invoice import Invoice, InvoiceLine
from modules.billing.tests.conftest import draft


async def test_billing_installs_and_uninstalls_cleanly(billing_db: str, catalog: Catalog) -> None:
    assert (await states())["billing"] == "installed"
    assert await Sequence.exists().where(Sequence.code == "billing.invoice").run()
    await draft()
    plan = await lifecycle.plan_uninstall(catalog, ["billing"])
    described = plan.describe()
    assert "drop table billing_invoice (billing): 1 rows lost" in described
    assert "drop table billing_invoice_line (billing): 2 rows lost" in described
    await lifecycle.uninstall(catalog, plan)
    assert (await states()).get("billing") == "uninstalled"
    assert not await Invoice.table_exists().run() and not await InvoiceLine.table_exists().run()
    await lifecycle.install(catalog, ["billing"])  # and back, with its constraints
    assert (await draft())["amount_net"] > 0
    with pytest.raises(Exception, match="(?i)check"):
        await Invoice.update({Invoice.state: "lost"}, force=True).run()
