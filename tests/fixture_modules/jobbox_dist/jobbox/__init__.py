"""A test module with jobs and a schedule; its effects are audit entries named jobbox_*."""
