"""Logging in to the dashboard and out again, and who is logged in.

A login is a random cookie (``nojd_login``, HTTP only) whose SHA-256 the account
store keeps for the config's ``[dashboard] login_hours``, ending it sooner after
``idle_minutes`` without a page, or when the user's password changes; every dashboard page but
this one sends a visitor without a live login here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from nojd.server import accounts
from nojd.server.errorpages import error_page
from nojd.server.rendering import language, render
from nojd.server.throttle import BUSY_WAIT, Busy
from nojd.server.webcontext import Shared, Web
from nojd.survey.translations import text

COOKIE = accounts.LOGIN_COOKIE

router = APIRouter(include_in_schema=False)


def signed_in(request: Request, web: Shared) -> dict[str, str] | None:
    """The user of the request's login cookie, or None."""
    idle = web.config.dashboard.idle_minutes
    return accounts.login_user(web.store.accounts, request.cookies.get(COOKIE), idle)


#: A route parameter of this type receives the logged-in user (name, role), or None.
User = Annotated[dict[str, str] | None, Depends(signed_in)]


def to_login(request: Request) -> RedirectResponse:
    """Where a visitor without a login goes, in the language asked for."""
    return RedirectResponse(f"/login?lang={language(request)}", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, web: Shared) -> Response:
    """The login form."""
    return _form(request, web, failed=False)


@router.post("/login")
async def log_in(
    request: Request,
    web: Shared,
    name: Annotated[str, Form(max_length=256)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    """A login cookie and the overview for a right name and password; the form again else;
    a 429 page with ``Retry-After`` past the throttle's limits, or while too many password
    checks wait (:mod:`nojd.server.throttle`). Async: a waiting check holds no thread."""
    address = request.client.host if request.client else ""
    wait = web.throttle.attempt(address, name)
    if wait:
        return _too_many(request, wait)
    hours = web.config.dashboard.login_hours
    try:
        cookie = await web.throttle.check(
            lambda: accounts.log_in(web.store.accounts, name, password, hours)
        )
    except Busy:
        return _too_many(request, BUSY_WAIT)
    if cookie is None:
        shown = _form(request, web, failed=True)
        shown.status_code = 401
        return shown
    web.throttle.succeeded(address, name)
    answer = RedirectResponse(f"/?lang={language(request)}", status_code=303)
    answer.set_cookie(
        COOKIE, cookie, httponly=True, samesite="lax", secure=request.url.scheme == "https",
        max_age=web.config.dashboard.login_hours * 3600,
    )  # fmt: skip
    return answer


@router.post("/logout")
def log_out(request: Request, web: Shared) -> Response:
    """End the login and forget its cookie."""
    accounts.log_out(web.store.accounts, request.cookies.get(COOKIE))
    answer = to_login(request)
    answer.delete_cookie(COOKIE)
    return answer


def _too_many(request: Request, wait: int) -> Response:
    lang = language(request)
    shown = error_page(request, 429, text("dashboard.too_many", lang, seconds=wait))
    shown.headers["Retry-After"] = str(wait)
    return shown


def _form(request: Request, web: Web, failed: bool) -> HTMLResponse:
    lang = language(request)
    title = text("dashboard.login_title", lang)
    return render(request, web, "login", lang, title=title, user=None, failed=failed)
