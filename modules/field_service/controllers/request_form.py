"""The public service request form: no sign-in, CSRF-protected, rate-limited per IP.

A customer leaves contact details, the machine's serial number (matched to the
equipment register when known), the kind of help and a description, with up to
five photos. The answer is a thank-you page with the request number (kept in the
session, so the page cannot be made to show another text). English or Dutch,
chosen with `?lang=` (else the firm's language).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from core.attachments import kinds
from core.attachments import service as attachments
from core.auth import throttle
from core.auth.controllers import client_ip
from core.auth.sessions import session_of
from core.i18n import LANGUAGES, _, language
from core.settings import MAX_ATTACHMENT_MB
from core.web.kit import Field, Form, parse
from core.web.pages import page
from modules.field_service.models.request import KINDS
from modules.field_service.models.request import Request as ServiceRequest
from modules.field_service.services import request as requests
from modules.field_service.services.errors import InvalidValues

PATH = "/field-service/request"
TEMPLATE = "field_service/public/request_form.html"
ACTION = "field_service.request"
# Per address: a busy office may send a few, a script may not.
LIMIT, WINDOW = 5, dt.timedelta(minutes=10)
PHOTO_TYPES = ("png", "jpg", "jpeg", "gif", "webp")
PHOTO_MB = 5
SESSION_KEY = "field_service.request_number"

FORM = Form(
    table=ServiceRequest,
    fields=(
        Field("contact_name", "Your name", required=True),
        Field("email", "E-mail", "email"),
        Field("phone", "Phone", "phone"),
        Field("serial", "Serial number of the machine",
              help="On the type plate, usually at the back or under the drip tray."),
        Field("kind", "What do you need?", "select", required=True,
              choices=tuple((k, requests.KIND_LABELS[k]) for k in KINDS), default="repair"),
        Field("description", "Describe the problem", "textarea", required=True, max_length=4000),
    ),
    rules=(lambda v: {} if v["email"] or v["phone"] else
           {"email": _("Give an e-mail address or a phone number so we can reach you.")},),
)


def _language(request: Request, data: Any = None) -> str:
    """The language asked for (`lang` in the query or form), set for this response."""
    asked = str((data or {}).get("lang") or request.query_params.get("lang") or "")
    if asked in LANGUAGES:
        language.set(asked)
    return language.get()


async def _form(request: Request, raw: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Template:
    return await page(request, TEMPLATE, status_code=status_code, title=_("Service request"), form=FORM, raw=raw,
                      errors=errors, options={}, search=("", ""), currency="EUR", lang=language.get(),
                      limit_mb=PHOTO_MB, max_files=requests.MAX_FILES, photo_types="JPEG, PNG, GIF")


def _limit(request: Request) -> int:
    return min(PHOTO_MB, int(request.app.state.settings.attachments.max_mb)) * attachments.MB


async def _photos(request: Request, form: Any) -> tuple[list[tuple[str, bytes]], str]:
    """(name, bytes) of the posted photos, or an error message."""
    uploads = [u for u in form.getall("photos", []) if isinstance(u, UploadFile) and u.filename]
    if len(uploads) > requests.MAX_FILES:
        return [], _("Attach at most %(n)s photos.", n=requests.MAX_FILES)
    found = []
    for upload in uploads:
        if kinds.extension(upload.filename) not in PHOTO_TYPES:
            return [], _("%(file)s is not a photo (JPEG, PNG, GIF or WebP).", file=upload.filename)
        data = await upload.read()
        if len(data) > _limit(request):
            return [], _("%(file)s is larger than %(limit)s MB.", file=upload.filename, limit=_limit(request) // attachments.MB)
        found.append((upload.filename, data))
    return found, ""


class PublicRequestController(Controller):
    path = PATH

    @get("", public=True)
    async def form(self, request: Request) -> Template:
        _language(request)
        return await _form(request, {f.name: str(f.default or "") for f in FORM.fields}, {})

    @post("", public=True, status_code=303, request_max_body_size=(MAX_ATTACHMENT_MB + 1) * 1024 * 1024)
    async def submit(self, request: Request) -> Template | Redirect:
        data = await request.form()
        _language(request, data)
        raw = {f.name: str(data.get(f.name) or "") for f in FORM.fields}
        if not await throttle.allow(ACTION, client_ip(request), LIMIT, WINDOW):
            return await _form(request, raw, {"_": _("Too many requests from your address. Please try again in a "
                                                     "few minutes, or call us.")}, status_code=429)
        values, errors = parse(FORM, data)
        photos, problem = await _photos(request, data)
        if problem:
            errors["photos"] = problem
        if not errors:
            try:
                row = await requests.create(
                    {**values, "channel": "web", "priority": "normal"}, files=photos,
                    attachments_root=attachments.storage_root(request.app.state.settings.var_dir),
                    max_bytes=_limit(request))
            except InvalidValues as exc:
                errors = {("photos" if k == "files" else k): v for k, v in exc.errors.items()}
            else:
                session_of(request.scope).set(SESSION_KEY, row["number"])
                return Redirect(f"{PATH}/thanks?lang={language.get()}", status_code=303)
        return await _form(request, raw, errors, status_code=400)

    @get("/thanks", public=True)
    async def thanks(self, request: Request) -> Template | Redirect:
        _language(request)
        number = session_of(request.scope).get(SESSION_KEY)
        if not number:
            return Redirect(PATH, status_code=303)
        return await page(request, "field_service/public/thanks.html", title=_("Thank you"), number=number,
                          lang=language.get())

