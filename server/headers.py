"""Security headers on every answer, and the dashboard's style sheet that lets its
Content-Security-Policy forbid every inline script and style.

- ``Content-Security-Policy``: nothing but this server's own style sheet and the pages'
  inline SVG; no script at all, no frames, forms only to this server.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``.
- ``Strict-Transport-Security`` when the request came over https.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000"
STYLE = (resources.files("nojd.assets") / "templates" / "nojd.css").read_text(encoding="utf-8")

ICON = (resources.files("nojd.assets") / "templates" / "favicon.svg").read_bytes()
#: Kept in a browser's cache: no page's secrets are in them.
STATIC = ("/static/nojd.css", "/favicon.ico", "/static/favicon.svg")

router = APIRouter(include_in_schema=False)


@router.get("/static/nojd.css")
def style() -> Response:
    """The dashboard's style sheet."""
    return Response(STYLE, media_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})  # fmt: skip


@router.get("/favicon.ico")
@router.get("/static/favicon.svg")
def icon() -> Response:
    """The dashboard's icon (SVG, also where browsers look for /favicon.ico)."""
    return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


def secure(request: Request, answer: Response) -> None:
    """Put the security headers on ``answer``; a page (not the style sheet) is not kept
    in any cache: it may show a token made once."""
    for name, value in HEADERS.items():
        answer.headers.setdefault(name, value)
    if request.url.path not in STATIC:
        answer.headers.setdefault("Cache-Control", "no-store")
    if request.url.scheme == "https":
        answer.headers.setdefault("Strict-Transport-Security", HSTS)


async def _secured(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    answer = await call_next(request)
    secure(request, answer)
    return answer


def install(app: FastAPI) -> None:
    """The headers on every answer of ``app``, and the style sheet's route."""
    app.middleware("http")(_secured)
    app.include_router(router)
