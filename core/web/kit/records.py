"""Access to one record of any installed table, for routes generic over records.

Routes such as `/records/{table}/{record_id}/attachments` serve every module's
records, so they cannot declare one permission. They declare `signed-in` and
call `record_access`, which derives the permission from the table's name
(`<module>_<concept>` -> `<module>.<concept>.<action>`) and applies record rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request
from litestar.exceptions import NotFoundException, PermissionDeniedException
from piccolo.table import Table

from core.auth.current import CurrentUser, current_user
from core.auth.rules import visible
from core.registry import Registry


@dataclass(frozen=True)
class RecordRef:
    """A table of an installed module, named the way its permissions are."""

    table: type[Table]
    module: str
    concept: str

    @property
    def table_name(self) -> str:
        return self.table._meta.tablename

    def permission(self, action: str) -> str:
        return f"{self.module}.{self.concept}.{action}"


def find_table(registry: Registry, table_name: str) -> RecordRef | None:
    """The installed module's table called `table_name`, or None."""
    for manifest in registry.manifests:
        for table in manifest.tables:
            if table._meta.tablename == table_name and table_name.startswith(f"{manifest.name}_"):
                return RecordRef(table, manifest.name, table_name.removeprefix(f"{manifest.name}_"))
    return None


async def record_access(request: Request, table_name: str, record_id: int, action: str) -> RecordRef:
    """The table, if the user holds `<module>.<concept>.<action>` and may see the record.

    404 for a table no installed module owns or a record that does not exist or is
    outside the user's record rules; 403 for a missing permission.
    """
    registry: Registry = await request.app.state.registry.get()
    ref = find_table(registry, table_name)
    if ref is None:
        raise NotFoundException()
    user = signed_in(request)
    if not user.can(ref.permission(action)):
        raise PermissionDeniedException(f"you lack the permission {ref.permission(action)}")
    if not await visible(registry, ref.table, user, record_id):
        raise NotFoundException()
    return ref


def signed_in(request: Request) -> CurrentUser:
    user = current_user(request)
    if user is None:  # the guard lets no anonymous request reach a signed-in route
        raise PermissionDeniedException("sign in first")
    return user
