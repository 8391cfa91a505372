"""Data layer: engine set-up, base mixins, transactions, sequences, audit log."""

import os

# Piccolo looks its engine up through this module; set before any table is used.
os.environ.setdefault("PICCOLO_CONF", "core.db.piccolo_conf")
