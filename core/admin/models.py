"""Values of the settings modules declare in their manifest (`Manifest.settings`)."""

from __future__ import annotations

from piccolo.columns import Text, Varchar
from piccolo.table import Table

from core.db.mixins import Audited


class Setting(Audited, Table, tablename="core_setting"):
    """One stored value; a setting without a row has its declared default.
    (module, key) is unique: the migration adds the composite index Piccolo cannot declare."""

    module = Varchar(length=100, index=True)
    key = Varchar(length=100)
    value = Text(default="")
