"""Web layer: app-wide guards, templating, shared page helpers."""
