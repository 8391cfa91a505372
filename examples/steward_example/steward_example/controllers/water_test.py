"""The water tests page: the list of tests and the form to add one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from core.web.pages import page
from steward_example.services import water_test, water_test_due
from steward_example.services.water_test import InvalidWaterTest

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _list_page(
    request: Request, form: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Template:
    return await page(
        request,
        "example/water_test/list.html",
        status_code=400 if errors else 200,
        tests=await water_test.recent(),
        due=await water_test_due.open_flags(),
        partners=await water_test.partner_choices(),
        today=dt.date.today(),
        form=form or {},
        errors=errors or {},
    )


class WaterTestController(Controller):
    path = "/example/water-tests"

    @get("/", permission="example.water_test.read")
    async def index(self, request: Request) -> Template:
        return await _list_page(request)

    @post("/", permission="example.water_test.write")
    async def add(self, request: Request, data: FormData) -> Template | Redirect:
        try:
            await water_test.record(water_test.parse(data))
        except InvalidWaterTest as exc:
            # Nothing was saved: show the form again with what was typed and why it failed.
            return await _list_page(request, data, exc.errors)
        return Redirect(self.path, status_code=303)
