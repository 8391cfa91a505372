"""Finding reports and their model tables in the registry, and the Print actions of a record."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.table import Table

from core.auth.current import CurrentUser
from core.modules.manifest import Report
from core.registry import Registry


class ReportNotFound(LookupError):
    """No installed module declares a report of that name."""


@dataclass(frozen=True)
class PrintAction:
    """A Print button for one report of one record (a link to the PDF)."""

    label: str
    url: str
    report: str


def find(registry: Registry, name: str) -> Report:
    for report in registry.reports:
        if report.name == name:
            return report
    raise ReportNotFound(f"no installed module declares a report named {name!r}")


def model_table(registry: Registry, tablename: str) -> type[Table]:
    """The table class of an installed module named `tablename` (e.g. `core_partner`)."""
    for manifest in registry.manifests:
        for table in manifest.tables:
            if table._meta.tablename == tablename:
                return table
    raise ReportNotFound(f"no installed module has a table named {tablename!r}")


def pdf_url(report: Report, record_id: int | None, kind: str = "pdf") -> str:
    if report.model:
        return f"/reports/{report.name}/{record_id}.{kind}"
    return f"/reports/{report.name}.{kind}"


def report_actions(registry: Registry, model: str, record_id: int, user: CurrentUser) -> list[PrintAction]:
    """Print actions for a record page: every installed report bound to `model`
    that the user may run (record rules were already applied by the page itself)."""
    return [
        PrintAction(label=r.title or r.name, url=pdf_url(r, record_id), report=r.name)
        for r in registry.reports
        if r.model == model and user.can(r.permission)
    ]
