"""The Settings page: the company (name, address, currency, language, time zone, logo)
and one section per installed module that declares settings in its manifest."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.response import File, Redirect, Template

from core.admin import company, settings_store
from core.admin.company import InvalidCompany, Logo
from core.admin.forms import Form, Multipart, checked, registry_of, see_other, text, version
from core.auth.current import SIGNED_IN
from core.db.records import StaleRecordError
from core.i18n import _
from core.modules.manifest import Manifest
from core.web.flash import flash
from core.web.pages import page

PERMISSION = "core.company.write"


async def _sections(request: Request) -> list[tuple[Manifest, dict[str, tuple[Any, int]]]]:
    registry = await registry_of(request)
    return [(m, await settings_store.settings_of(m)) for m in registry.manifests if m.settings]


async def _page(request: Request, *, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                section: str = "", section_values: dict[str, Any] | None = None,
                section_errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    current = await company.get_company()
    return await page(
        request, "core/admin/settings/page.html", status_code=status_code, title=_("Company & settings"),
        breadcrumbs=[(_("Company & settings"), "/admin/settings")],
        company=current, values=values or current, errors=errors or {},
        sections=await _sections(request), section=section, section_values=section_values or {},
        section_errors=section_errors or {},
        currencies=company.currencies(), countries=company.countries(), timezones=company.timezones(),
    )


def _upload(data: dict[str, Any]) -> UploadFile | None:
    file = data.get("logo")
    return file if isinstance(file, UploadFile) and file.filename else None


class SettingsController(Controller):
    path = "/admin/settings"

    @get("/", permission=PERMISSION)
    async def index(self, request: Request) -> Template:
        return await _page(request)

    @post("/company", permission=PERMISSION, status_code=303)
    async def save_company(self, request: Request, data: Multipart) -> Template | Redirect:
        fields = {k: text(data, k) for k in company.FIELDS}
        upload = _upload(data)
        logo = Logo(await upload.read(company.LOGO_MAX + 1)) if upload else None
        try:
            await company.save_company(fields, version=version(data), var_dir=request.app.state.settings.var_dir,
                                       logo=logo, remove_logo=checked(data, "remove_logo"))
        except InvalidCompany as exc:
            return await _page(request, values=fields, errors=exc.errors, status_code=400)
        except StaleRecordError as exc:
            return await _page(request, values=fields, errors={"_form": str(exc)}, status_code=409)
        request.app.state.registry.invalidate()
        flash(request, _("The company settings were saved."))
        return see_other("/admin/settings")

    @post("/modules/{module:str}", permission=PERMISSION, status_code=303)
    async def save_module(self, request: Request, module: str, data: Form) -> Template | Redirect:
        registry = await registry_of(request)
        manifest = next((m for m in registry.manifests if m.name == module and m.settings), None)
        if manifest is None:
            raise NotFoundException()
        try:
            await settings_store.save_section(manifest, data)
        except settings_store.InvalidSettings as exc:
            return await _page(request, section=module, section_values=data, section_errors=exc.errors,
                               status_code=400)
        except StaleRecordError:
            return await _page(request, section=module, section_values=data, status_code=409, section_errors={
                "_form": _("Someone else saved these settings while you edited them; review and save again.")})
        flash(request, _("The settings of %(module)s were saved.", module=module))
        return see_other(f"/admin/settings#settings-{module}")


@get("/company/logo", permission=SIGNED_IN)
async def company_logo(request: Request) -> File:
    """The company logo as uploaded (PNG or JPEG only, so no script can hide in it; the
    app-wide headers add nosniff)."""
    row = await company.get_company()
    found = company.logo_file(request.app.state.settings.var_dir, row["logo"] or "")
    if found is None:
        raise NotFoundException()
    path, content_type = found
    return File(path=path, media_type=content_type, content_disposition_type="inline",
                headers={"cache-control": "private, max-age=300"})
