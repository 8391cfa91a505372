"""Files attached to any record, stored outside the web root."""
