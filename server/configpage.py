"""The dashboard's Konfiguration page, for admins: each site's and terminal's central
configuration as TOML, a form to set or clear one, each terminal's version (sent, applied
or refused), and who changed what, and when."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from nojd.errors import ConfigError, NojdError
from nojd.server import central
from nojd.server.access import refusal
from nojd.server.login import User
from nojd.server.rendering import language, render
from nojd.server.webcontext import Shared, Web
from nojd.survey.translations import text

router = APIRouter(include_in_schema=False)


@router.get("/config", response_class=HTMLResponse)
def config_page(request: Request, web: Shared, user: User) -> Response:
    """Every scope's config, every terminal's state, and the change log."""
    refused = refusal(request, user)
    return refused or _page(request, web, user)


@router.post("/config")
def set_config(
    request: Request,
    web: Shared,
    user: User,
    scope: Annotated[str, Form(max_length=200)],
    body: Annotated[str, Form(max_length=central.MAX_TOML)] = "",
    clear: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Set (or clear) a scope's config as the logged-in admin; a bad one is a 400 that
    says why, with what was typed kept in the form."""
    refused = refusal(request, user)
    if refused:
        return refused
    assert user is not None  # refusal answers anyone else
    who = f"{user['name']} (dashboard)"
    try:
        kind, _, name = scope.strip().partition(":")
        if kind not in ("site", "device"):
            raise ConfigError(f"scope: {scope!r} is not site:ID or device:ID")
        chosen = central.scope_name(**{kind: name})
        data = None if clear else central.parse_toml(body, chosen)
        central.set_config(web.store, web.config, chosen, data, who)
    except NojdError as exc:  # a wrong config, or a clash with another change
        shown = _page(request, web, user, error=str(exc), typed=(scope, body))
        shown.status_code = 400
        return shown
    return RedirectResponse(f"/config?lang={language(request)}", status_code=303)


def _page(request: Request, web: Web, user: dict[str, str] | None, **shown: Any) -> Response:
    lang = language(request)
    configs = web.store.central.configs()
    sent = web.store.central.sent()
    devices = {row["device"]: row for row in web.store.devices()}
    terminals = [
        {"device": device, "site": site, "sent": sent.get(device, (None, ""))[0],
         **{key: devices.get(device, {}).get(key)
            for key in ("config_applied", "config_refused", "config_reason")}}
        for device, site in sorted(central.terminals(web.store, web.config).items())
    ]  # fmt: skip
    scopes = [
        (scope, version, _toml(body)) for scope, (body, version) in sorted(configs.items())
        if body is not None
    ]  # fmt: skip
    return render(
        request, web, "config", lang, title=text("dashboard.config", lang), user=user,
        page="config", scopes=scopes, terminals=terminals,
        changes=web.store.central.changes(50),
        shown_body=lambda body: "–" if body is None else json.dumps(body, ensure_ascii=False),
        **{"error": None, "typed": ("", ""), **shown},
    )  # fmt: skip


def _toml(body: dict[str, Any] | None) -> str:
    """A scope's config written back as TOML, for the form."""
    if not body:
        return ""
    lines = []
    tables = []
    for key, value in body.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    for name, table in tables:
        lines.append(f"\n[{name}]")
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in table.items()]
    return "\n".join(lines).strip()
