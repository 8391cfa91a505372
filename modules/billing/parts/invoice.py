"""Invoices: the tables, pages, permissions, the printed invoice, the accounting export and the tile."""

from core.modules.manifest import Menu, Part, Permission, SettingField, Widget
from modules.billing.controllers.accounting import AccountingController
from modules.billing.controllers.invoice import (
    ISSUE,
    READ,
    WRITE,
    InvoiceController,
    open_invoices_tile,
)
from modules.billing.models.invoice import Invoice, InvoiceLine
from modules.billing.reports import INVOICE
from modules.billing.services.invoice import DEFAULT_TERMS

PART = Part(
    tables=(Invoice, InvoiceLine),
    controllers=(InvoiceController, AccountingController),
    menus=(
        Menu("Billing", "/billing/invoices", READ, order=60),
        Menu("Invoices", "/billing/invoices", READ, order=10, parent="Billing"),
        Menu("Accounting export", "/billing/accounting", READ, order=20, parent="Billing"),
    ),
    permissions=(
        # READ also shows the History and Attachments tabs (the kit derives them from `billing_invoice`).
        Permission(READ, "See invoices and export them"),
        Permission(WRITE, "Prepare draft invoices"),
        Permission(ISSUE, "Issue invoices, record payments and cancel issued invoices"),
    ),
    grants={
        "manager": (READ, WRITE, ISSUE),
        # Sales prepare invoices (picking customers and products); a manager issues them.
        "sales": (READ, WRITE),
    },
    reports=(INVOICE,),
    widgets=(Widget("billing.open_invoices", "billing/dashboard/open_invoices.html", READ, open_invoices_tile,
                    order=50, label="Open invoices", wide=True),),
    settings=(
        SettingField("payment_terms", "Payment terms of new invoices (days)", DEFAULT_TERMS, "int"),
        SettingField("revenue_account", "Revenue ledger account (accounting export)", "8000", "str"),
    ),
)
