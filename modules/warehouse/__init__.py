"""Warehouse: stock per location and serial, vans, reordering, purchasing, returns and repairs sent out."""
