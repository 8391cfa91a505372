"""Steward core: the platform that loads installable modules through one registry."""
