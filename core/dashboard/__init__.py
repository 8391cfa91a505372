"""The start page: a dashboard of tiles that installed modules contribute."""
