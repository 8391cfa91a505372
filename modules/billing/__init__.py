"""Billing: invoices with numbered lines, from draft to issued to paid, their PDF and the accounting export."""
