"""The firm running Steward: its name, currency, language and time zone."""
