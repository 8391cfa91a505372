"""The admin pages: apps, users, roles, company and module settings, the audit log."""
