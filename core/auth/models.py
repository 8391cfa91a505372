"""Users, roles and the permissions granted to roles."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from core.db.mixins import Audited


class Role(Audited, Table, tablename="core_role"):
    name = Varchar(length=50, unique=True)
    label = Varchar(length=100, default="")


class User(Audited, Table, tablename="core_user"):
    login = Varchar(length=100, unique=True)
    name = Varchar(length=200, default="")
    email = Varchar(length=200, default="")
    password_hash = Varchar(length=255, default="")
    language = Varchar(length=5, default="en")
    active = Boolean(default=True)
    last_login = Timestamptz(null=True, default=None)


class UserRole(Table, tablename="core_user_role"):
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    role = ForeignKey(Role, on_delete=OnDelete.cascade)


class RoleGrant(Table, tablename="core_role_grant"):
    """A permission granted to a role. `module` is the module that declared the grant
    (empty when an admin added it by hand), so an uninstall removes only its own."""

    role = ForeignKey(Role, on_delete=OnDelete.cascade, index=True)
    permission = Varchar(length=150)
    module = Varchar(length=100, default="")
