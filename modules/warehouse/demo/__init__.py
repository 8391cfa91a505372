"""Demo data: Koffiepunt Service's stock, continuing core's demo story (see core/demo).

Two warehouses ('s-Hertogenbosch with its shelves, workshop and returns area, and a
small Utrecht branch), vans for Jan, Sem and Noor, supplier prices with price breaks
from core's demo suppliers, reordering rules for the shelves and the vans, three
months of history played through the services, then the present: purchase orders in
every state and this morning's reordering run, a customer return with a repair out
and a vendor claim both overdue, and inventory counts. Everything is keyed in core's
shipped-data table (module "warehouse"), so loading twice adds nothing.
"""

from modules.warehouse.demo.count import load_counts
from modules.warehouse.demo.history import load_history
from modules.warehouse.demo.purchase_order import load_purchase_orders
from modules.warehouse.demo.reorder_rule import load_reorder_rules
from modules.warehouse.demo.rma import load_returns
from modules.warehouse.demo.supplier_price import load_supplier_prices
from modules.warehouse.demo.warehouse import load_warehouses


async def load_demo() -> None:
    await load_warehouses()
    await load_supplier_prices()
    await load_reorder_rules()
    await load_history()
    await load_returns()
    await load_purchase_orders()
    await load_counts()
