"""Error pages: every 4xx and 5xx the dashboard gives is a page of the dashboard, in the
user's language, with its navigation, and everything it shows escaped.

The API (``/api/…``, ``/healthz``) answers errors as JSON, which a browser does not run.
A message may hold what the request sent (``by: '<script>' is not one of …``): it goes
into the page through the template's autoescaping, never as markup.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from nojd.server import accounts, headers
from nojd.server.csrf import FormRefused
from nojd.server.rendering import language, render
from nojd.server.webcontext import shared
from nojd.survey.translations import text

log = logging.getLogger("nojd.web")

#: The statuses with a title of their own; any other has the generic one.
TITLED = (400, 403, 404, 405, 422, 429, 500)


def error_page(request: Request, status: int, message: str = "") -> HTMLResponse:
    """A dashboard page saying what went wrong, with status ``status``."""
    web = shared(request)
    lang = language(request)
    key = f"dashboard.error_{status if status in TITLED else 'other'}"
    shown = render(
        request, web, "error", lang, title=text(key, lang),
        user=accounts.login_user(
            web.store.accounts, request.cookies.get(accounts.LOGIN_COOKIE),
            web.config.dashboard.idle_minutes,
        ),
        page="error", message=message, status=status,
    )  # fmt: skip
    shown.status_code = status
    return shown


#: What the API's fields take, for its one-line errors.
EXPECTED = {"from": "a day like 2026-01-31", "to": "a day like 2026-01-31"}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # registered for HTTPException only
    if _is_api(request):
        return await http_exception_handler(request, exc)
    expired = text("dashboard.form_expired", language(request))
    shown = error_page(request, exc.status_code, expired if isinstance(exc, FormRefused) else "")
    for name, value in (exc.headers or {}).items():
        shown.headers[name] = value
    return shown


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # registered for it only
    if _is_api(request):
        return JSONResponse({"detail": invalid_fields(exc)}, status_code=422)
    fields = ", ".join(".".join(str(part) for part in error["loc"][1:]) for error in exc.errors())
    return error_page(request, 422, fields)


def invalid_fields(exc: RequestValidationError) -> str:
    """One line naming each refused field, its value and what was expected."""
    said = []
    for error in exc.errors():
        name = str(error["loc"][-1]) if error.get("loc") else "request"
        if error.get("type") == "missing":
            said.append(f"{name}: missing; expected {EXPECTED.get(name, 'a value')}")
        else:
            shown = repr(error.get("input"))[:60]
            said.append(f"{name}: {shown} is not {EXPECTED.get(name, 'valid')} ({error['msg']})")
    return "; ".join(said)


async def _crashed(request: Request, exc: Exception) -> Response:
    log.exception("%s %s failed", request.method, request.url.path)
    if _is_api(request):
        shown: Response = Response(
            '{"detail":"internal error"}', 500, media_type="application/json"
        )
    else:
        shown = error_page(request, 500)
    # Starlette answers a crash outside the other middleware: the headers are set here too
    headers.secure(request, shown)
    return shown


def install(app: FastAPI) -> None:
    """Answer the app's errors with these pages."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(Exception, _crashed)
