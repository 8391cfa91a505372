"""Products: what the firm sells, installs, stocks and services."""
