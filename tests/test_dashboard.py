"""The start page shows the tiles the user may see, with real figures."""

from __future__ import annotations

from core.app import create_app
from core.db import records
from core.partners.models import Partner, Territory
from core.testing import app_client, make_user, sign_in
from core.web.charts import Point, bar_chart, donut_chart

HTML = {"accept": "text/html"}


async def test_dashboard_counts_customers_per_territory(core_db: str, catalog, settings_for) -> None:
    north = await records.create(Territory, {"code": "N", "name": "Noord"})
    for name in ("Café A", "Café B"):
        await records.create(Partner, {"name": name, "is_customer": True, "territory": north["id"]})
    await records.create(Partner, {"name": "Supplier", "is_supplier": True, "territory": north["id"]})
    await make_user("eva", roles=("manager",))
    app = create_app(settings_for(core_db), catalog)
    async with app_client(app) as client:
        await sign_in(client, "eva")
        page = (await client.get("/", headers=HTML)).text
    assert "2 active customers in 1 territories" in page
    assert f"/contacts/partners?customer=yes&amp;territory={north['id']}" in page
    assert "tile-core-recent_changes" not in page  # managers lack core.audit.read


async def test_tiles_need_their_permission(core_db: str, catalog, settings_for) -> None:
    await make_user("sophie", roles=("trainer",))
    app = create_app(settings_for(core_db), catalog)
    async with app_client(app) as client:
        await sign_in(client, "sophie")
        page = (await client.get("/", headers=HTML)).text
    assert "tile-core-customers_by_territory" not in page and "tile-core-products_by_kind" not in page


def test_charts_escape_labels_and_scale_bars() -> None:
    svg = str(bar_chart([Point("<script>x</script>", 10), Point("b", 5)]))
    assert "<script>x" not in svg and "&lt;script&gt;" in svg
    assert 'width="214.0"' in svg and 'width="107.0"' in svg
    donut = str(donut_chart([Point("a", 1), Point("b", 3)]))
    assert donut.count("<path") == 2 and ">4<" in donut
    assert "—" in str(bar_chart([]))
