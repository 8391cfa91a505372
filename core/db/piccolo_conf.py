"""Piccolo's configuration module, filled in at run time by `core.db.engine.configure`.

Piccolo finds its engine and apps through a module named by `PICCOLO_CONF`; ours
starts empty because the database URL and the installed modules are only known
once settings are read and modules discovered.
"""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

DB: Engine | None = None
APP_REGISTRY = AppRegistry(apps=[])
