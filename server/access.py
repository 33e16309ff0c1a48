"""Who may use the dashboard and the API: the users and the API tokens, for admins.

An admin sees every user and token, makes a token (shown once) and revokes one;
anyone else logged in gets a 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from nojd.errors import ConfigError
from nojd.server import accounts
from nojd.server.errorpages import error_page
from nojd.server.login import User, to_login
from nojd.server.rendering import language, render
from nojd.server.webcontext import Shared, Web
from nojd.survey.translations import text

router = APIRouter(include_in_schema=False)


@router.get("/access", response_class=HTMLResponse)
def access(request: Request, web: Shared, user: User) -> Response:
    """The users and the tokens."""
    refused = refusal(request, user)
    return refused or _page(request, web, user)


@router.post("/access/tokens")
def make_token(request: Request, web: Shared, user: User, name: Annotated[str, Form()]) -> Response:
    """A new token, shown once on the page; a taken or bad name is a 400 that says why."""
    refused = refusal(request, user)
    if refused:
        return refused
    try:
        made = accounts.create_token(web.store.accounts, name.strip())
    except ConfigError as exc:
        shown = _page(request, web, user, error=str(exc))
        shown.status_code = 400
        return shown
    return _page(request, web, user, new_token=(name.strip(), made))


@router.post("/access/tokens/revoke")
def revoke_token(
    request: Request, web: Shared, user: User, name: Annotated[str, Form()]
) -> Response:
    """Revoke a token, then show the page again."""
    refused = refusal(request, user)
    if refused:
        return refused
    web.store.accounts.delete_token(name)
    return RedirectResponse(f"/access?lang={language(request)}", status_code=303)


def refusal(request: Request, user: dict[str, str] | None) -> Response | None:
    """The answer for anyone but a logged-in admin; None for an admin."""
    if user is None:
        return to_login(request)
    if user["role"] != "admin":
        return error_page(request, 403, text("dashboard.admins_only", language(request)))
    return None


def _page(request: Request, web: Web, user: dict[str, str] | None, **shown: Any) -> Response:
    lang = language(request)
    return render(
        request, web, "access", lang, title=text("dashboard.access", lang), user=user,
        page="access", users=web.store.accounts.users(), tokens=web.store.accounts.tokens(),
        **{"new_token": None, "error": None, **shown},
    )  # fmt: skip
