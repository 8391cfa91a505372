"""Partners (organisations and people) and the territories they sit in."""
