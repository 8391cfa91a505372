"""Water hardness tests at customer sites, and the softening each site needs."""
