"""Users, roles, permissions."""
