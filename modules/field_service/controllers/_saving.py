"""The kit's create/edit flow for records saved through a field service service function
(equipment, contracts, plans): field errors inline, nothing saved on error, a stale
version answered 409, a refused rule shown on its field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from core.db.records import StaleRecordError
from core.i18n import _
from core.web.flash import flash
from core.web.kit import Resource, submitted, validate
from core.web.kit import resource as kit
from core.web.kit.crud import form_page
from core.web.kit.records import signed_in
from modules.field_service.services.errors import FieldServiceError, InvalidValues

Store = Callable[[dict[str, Any], int], Awaitable[dict[str, Any]]]


async def record_of(res: Resource, request: Request, record_id: int) -> dict[str, Any]:
    """The record through the user's record rules, or 404."""
    record = await kit.fetch(res, record_id, await request.app.state.registry.get(), signed_in(request))
    if record is None:
        raise NotFoundException()
    return record


async def submit(res: Resource, request: Request, record: dict[str, Any] | None, store: Store) -> Template | Redirect:
    data = await request.form()
    raw = submitted(res.form, data)
    version_text = str(data.get("version") or "")
    version = int(version_text) if version_text.isdigit() else -1
    shown = {**record, "version": version} if record else None
    if search := str(data.get("_search") or ""):
        return await form_page(res, request, record=shown, raw=raw, errors={},
                               search=(search, str(data.get(f"_q_{search}") or "").strip()))
    registry = await request.app.state.registry.get()
    values, errors = await validate(res.form, data, registry, signed_in(request), record["id"] if record else None)
    if not errors:
        try:
            row = await store(values, version)
        except StaleRecordError:
            return await form_page(res, request, record=shown, raw=raw, errors={}, status_code=409, stale=True)
        except InvalidValues as exc:
            names = {f.name for f in res.form.fields}
            errors = {(k if k in names else res.form.fields[0].name): v for k, v in exc.errors.items()}
        except FieldServiceError as exc:
            errors = {res.form.fields[0].name: str(exc)}
        else:
            what = _(res.singular)
            flash(request, _("%(what)s saved.", what=what) if record else _("%(what)s created.", what=what))
            return Redirect(f"{res.path}/{row['id']}", status_code=303)
    return await form_page(res, request, record=shown, raw=raw, errors=errors, status_code=400)
