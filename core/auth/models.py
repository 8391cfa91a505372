"""Users, roles and the permissions granted to roles."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
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
    theme = Varchar(length=50, default="")  # empty: the configured theme
    active = Boolean(default=True)
    last_login = Timestamptz(null=True, default=None)
    # Raised when the password changes: a session signed in under an older value is over.
    session_epoch = Integer(default=0)


class UserRole(Table, tablename="core_user_role"):
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    role = ForeignKey(Role, on_delete=OnDelete.cascade)


class RoleGrant(Table, tablename="core_role_grant"):
    """A permission granted to a role. `module` is the module that declared the grant
    (empty when an admin added it by hand), so an uninstall removes only its own."""

    role = ForeignKey(Role, on_delete=OnDelete.cascade, index=True)
    permission = Varchar(length=150)
    module = Varchar(length=100, default="")


class LoginAttempt(Table, tablename="core_login_attempt"):
    """Every sign-in attempt, kept for throttling and for the audit trail."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    login = Varchar(length=100, index=True)
    ip = Varchar(length=64, index=True)
    success = Boolean(default=False)


class ApiToken(Table, tablename="core_api_token"):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=12)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
