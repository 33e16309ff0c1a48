"""No action from another site: every state-changing request (any method but GET, HEAD and
OPTIONS, on any route, logging in and out included) must come from this server's own pages.

Two checks, both on every such request (an app-wide dependency, so a route added later
is covered without a word):

1. **Where it comes from.** A browser says so in ``Sec-Fetch-Site``: only ``same-origin``
   (or ``none``, typed by the user) passes; ``same-site`` does not, so a page on another
   host of the municipality's domain cannot post either. Without that header, an
   ``Origin`` must name this host.
2. **A form token** in the field ``csrf``. A logged-in user's token is derived from their
   login cookie (which no other site can read); before logging in, it is the random
   cookie ``nojd_form`` (HTTP only, SameSite=Strict), which the login page sets.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import Response

from nojd.server.accounts import LOGIN_COOKIE

FORM_COOKIE = "nojd_form"
FIELD = "csrf"
SAFE = ("GET", "HEAD", "OPTIONS")
#: The largest form accepted: a login or a token name is far less.
MAX_FORM = 64 * 1024


def token(request: Request) -> str:
    """The form token for the pages answering ``request``; a new pre-login cookie is
    remembered on the request, for :func:`set_cookie`."""
    login = request.cookies.get(LOGIN_COOKIE)
    if login:
        return _derived(login)
    form = request.cookies.get(FORM_COOKIE) or getattr(request.state, "new_form_cookie", None)
    if not form:
        form = secrets.token_urlsafe(32)
        request.state.new_form_cookie = form
    return str(form)


def set_cookie(request: Request, answer: Response) -> None:
    """Send the pre-login cookie that :func:`token` made, if it made one."""
    made = getattr(request.state, "new_form_cookie", None)
    if made:
        answer.set_cookie(
            FORM_COOKIE, made, httponly=True, samesite="strict",
            secure=request.url.scheme == "https",
        )  # fmt: skip


def _derived(login: str) -> str:
    return hashlib.sha256(f"nojd form token\0{login}".encode()).hexdigest()


def _expected(request: Request) -> str | None:
    login = request.cookies.get(LOGIN_COOKIE)
    if login:
        return _derived(login)
    return request.cookies.get(FORM_COOKIE)


def foreign(request: Request) -> bool:
    """Whether the browser says the request comes from another site or origin."""
    fetched_from = request.headers.get("sec-fetch-site")
    if fetched_from is not None:
        return fetched_from not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not a browser's cross-site request: the token decides
    return origin == "null" or urlsplit(origin).netloc != request.headers.get("host", "")


class FormRefused(HTTPException):
    """A state-changing request from elsewhere, or without the right form token."""

    def __init__(self, why: str) -> None:
        super().__init__(403, why)


async def guard(request: Request) -> None:
    """Refuse a state-changing request from elsewhere, or without the right form token,
    with a 403 (answered as a page of the dashboard)."""
    if request.method in SAFE:
        return
    if foreign(request):
        raise FormRefused("cross-site request")
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_FORM:
        raise HTTPException(413, "a form of at most 64 KiB, with its length")
    expected = _expected(request)
    content_type = request.headers.get("content-type", "")
    submitted = None
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        submitted = (await request.form()).get(FIELD)
    if (
        not expected
        or not isinstance(submitted, str)
        or not hmac.compare_digest(submitted, expected)
    ):
        raise FormRefused("form token missing or wrong")
