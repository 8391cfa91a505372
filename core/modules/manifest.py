"""The manifest: a module's typed, frozen table of contents.

A module contributes only what its `MANIFEST` lists. Nothing registers itself at
import time; core reads manifests and builds the registry from installed ones.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piccolo.table import Table

VERSION_RE = re.compile(r"^\d+\.\d+(\.\d+)?$")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

DataLoader = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Permission:
    """`<module>.<concept>.<action>`, with a label for the roles page."""

    name: str
    label: str = ""


@dataclass(frozen=True)
class Role:
    """A role a module brings (core brings manager, technician, sales, warehouse, trainer)."""

    name: str
    label: str = ""


@dataclass(frozen=True)
class Menu:
    label: str
    route: str
    permission: str
    order: int = 100
    parent: str | None = None


@dataclass(frozen=True)
class RecordRule:
    """Restricts which rows of `table` a role sees; `domain` builds a Piccolo where-clause
    from the current user id (e.g. work orders assigned to the technician)."""

    name: str
    table: type[Table]
    roles: tuple[str, ...]
    domain: Callable[[int], Any]


@dataclass(frozen=True)
class Job:
    """A plain function; core wraps it as the Dramatiq actor `<module>.<name>`."""

    fn: Callable[..., Any]
    name: str = ""
    max_retries: int = 5
    queue: str = "default"


@dataclass(frozen=True)
class Schedule:
    job: str
    cron: str
    name: str = ""


@dataclass(frozen=True)
class Report:
    """A printable document: Jinja `template` rendered to PDF (and an HTML preview).

    `context(record_id)` builds the template's values (`record_id` is None when the
    report has no `model`). A report bound to a `model` (a table name such as
    `core_partner`) prints one record and gets a Print button on that record's page;
    record rules of the model apply. `filename` is formatted with the context (plus
    `name` and `id`), e.g. `"{number}.pdf"`. `language(record_id)` gives the language a
    record's document is written in whoever prints it (a customer document: the
    customer's, see `core.reports.render.partner_language`); None, or no function, is
    the reader's language.
    """

    name: str
    template: str
    context: Callable[..., Awaitable[Mapping[str, Any]]]
    permission: str
    model: str = ""
    paper: str = "A4"
    filename: str = "{name}.pdf"
    title: str = ""
    language: Callable[[int], Awaitable[str | None]] | None = None


@dataclass(frozen=True)
class Slot:
    """A fragment this module adds to another module's page (e.g. a tab)."""

    target: str
    template: str
    label: str = ""
    permission: str = ""
    order: int = 100


@dataclass(frozen=True)
class Widget:
    """A dashboard tile. `context(request)` returns the template's variables;
    `wide` tiles span two columns of the dashboard grid."""

    name: str
    template: str
    permission: str
    context: Callable[..., Awaitable[Mapping[str, Any]]] | None = None
    order: int = 100
    label: str = ""
    wide: bool = False


@dataclass(frozen=True)
class Subscriber:
    event: str
    handler: Callable[..., Awaitable[Any]]  # `core.events.ask` collects what it returns


@dataclass(frozen=True)
class SettingField:
    key: str
    label: str
    default: Any = None
    kind: str = "str"


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    summary: str
    category: str = "Uncategorized"
    depends: tuple[str, ...] = ()
    # Bridge modules: installed automatically once every module listed here is installed.
    auto_install: tuple[str, ...] = ()
    application: bool = False
    tables: tuple[type[Table], ...] = ()
    controllers: tuple[Any, ...] = ()
    menus: tuple[Menu, ...] = ()
    permissions: tuple[Permission, ...] = ()
    roles: tuple[Role, ...] = ()
    grants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    record_rules: tuple[RecordRule, ...] = ()
    jobs: tuple[Job, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    reports: tuple[Report, ...] = ()
    slots: tuple[Slot, ...] = ()
    widgets: tuple[Widget, ...] = ()
    events: tuple[str, ...] = ()
    subscribers: tuple[Subscriber, ...] = ()
    data: tuple[DataLoader, ...] = ()
    demo: tuple[DataLoader, ...] = ()
    settings: tuple[SettingField, ...] = ()
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Where the module's Piccolo migrations live; built-ins use migrations/<name>/.
    migrations: Path | None = None
    # Folder holding templates/ and static/; defaults to the manifest's package folder.
    root: Path | None = None

    @property
    def table_names(self) -> list[str]:
        return [t._meta.tablename for t in self.tables]

    @property
    def permission_names(self) -> list[str]:
        return [p.name for p in self.permissions]


@dataclass(frozen=True)
class Part:
    """A slice of a manifest. A large module (core) keeps each area's contributions
    in that area's `part.py` and assembles its manifest from the parts."""

    tables: tuple[type[Table], ...] = ()
    controllers: tuple[Any, ...] = ()
    menus: tuple[Menu, ...] = ()
    permissions: tuple[Permission, ...] = ()
    grants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    record_rules: tuple[RecordRule, ...] = ()
    jobs: tuple[Job, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    reports: tuple[Report, ...] = ()
    slots: tuple[Slot, ...] = ()
    widgets: tuple[Widget, ...] = ()
    data: tuple[DataLoader, ...] = ()
    demo: tuple[DataLoader, ...] = ()
    settings: tuple[SettingField, ...] = ()


_PART_TUPLES = ("tables", "controllers", "menus", "permissions", "record_rules", "jobs", "schedules",
                "reports", "slots", "widgets", "data", "demo", "settings")


def assemble(base: Manifest, *parts: Part) -> Manifest:
    """`base` plus every part's contributions, in order."""
    from dataclasses import replace

    values: dict[str, Any] = {name: getattr(base, name) for name in _PART_TUPLES}
    grants: dict[str, tuple[str, ...]] = {role: tuple(p) for role, p in base.grants.items()}
    for part in parts:
        for name in _PART_TUPLES:
            values[name] = (*values[name], *getattr(part, name))
        for role, perms in part.grants.items():
            grants[role] = (*grants.get(role, ()), *perms)
    return replace(base, grants=grants, **values)
