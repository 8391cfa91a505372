"""`/reports/...`: a report as PDF (inline download) or as an HTML preview.

Routes are open to signed-in users; the handler then checks the report's own
permission (403) and, for a report bound to a model, that the user may see the
record under the model's record rules (404, as the record's page would).
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Response

from core.auth.current import SIGNED_IN, current_user
from core.auth.rules import visible
from core.modules.manifest import Report
from core.reports import render
from core.reports.lookup import ReportNotFound, find, model_table

KINDS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def _split(file: str) -> tuple[str, str]:
    stem, _, kind = file.rpartition(".")
    if kind not in KINDS or not stem:
        raise NotFoundException()
    return stem, kind


async def _authorised(request: Request, name: str, record_id: int | None) -> Report:
    registry = await request.app.state.registry.get()
    user = current_user(request)
    assert user is not None  # the guard let only signed-in users through
    try:
        report = find(registry, name)
    except ReportNotFound:
        raise NotFoundException() from None
    if bool(report.model) != (record_id is not None):
        raise NotFoundException()  # a record report without an id, or a list report with one
    if not user.can(report.permission):
        raise PermissionDeniedException(f"you lack the permission {report.permission}")
    if record_id is not None and not await visible(registry, model_table(registry, report.model), user, record_id):
        raise NotFoundException()
    return report


async def _respond(request: Request, report: Report, record_id: int | None, kind: str) -> Response:
    templates = request.app.template_engine
    assert templates is not None  # create_app always configures the themed engine
    env = templates.engine  # the request's theme, like the record's page
    letterhead = await render.company(request.app.state.settings.var_dir)
    if kind == "html":
        rendered = await render.render_html(env, report, record_id, letterhead)
        return Response(rendered.html, media_type=KINDS["html"])
    pdf, name = await render.render_pdf(env, request.app.state.catalog, report, record_id, letterhead)
    return Response(pdf, media_type=KINDS["pdf"],
                    headers={"content-disposition": render.content_disposition(name)})


class ReportController(Controller):
    path = "/reports"

    @get("/{name:str}/{file:str}", permission=SIGNED_IN)
    async def record_report(self, request: Request, name: str, file: str) -> Response:
        stem, kind = _split(file)
        if not stem.isdigit() or not 0 < int(stem) < 2**31:
            raise NotFoundException()
        report = await _authorised(request, name, int(stem))
        return await _respond(request, report, int(stem), kind)

    @get("/{file:str}", permission=SIGNED_IN)
    async def report(self, request: Request, file: str) -> Response:
        name, kind = _split(file)
        report = await _authorised(request, name, None)
        return await _respond(request, report, None, kind)
