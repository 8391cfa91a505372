"""Small modules used only by the lifecycle tests (never discovered by the real app)."""
