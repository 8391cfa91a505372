"""What the dashboard area contributes to core's manifest."""

from core.dashboard import widgets
from core.modules.manifest import Part, Widget

PART = Part(
    widgets=(
        Widget("core.customers_by_territory", "core/dashboard/customers.html", "core.partner.read",
               widgets.customers_by_territory, order=10, label="Customers per territory", wide=True),
        Widget("core.products_by_kind", "core/dashboard/products.html", "core.product.read",
               widgets.products_by_kind, order=20, label="Active products by kind"),
        Widget("core.recent_changes", "core/dashboard/changes.html", "core.audit.read",
               widgets.recent_changes, order=90, label="Recent changes", wide=True),
    ),
)
