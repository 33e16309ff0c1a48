"""Rendering a dashboard page: the templates of ``nojd.assets``, the helpers they call
(texts, numbers, local times) and the language the visitor of the dashboard chose.

Every language with a translation file can be chosen (``?lang=``); anything else
gets the default language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from nojd.server import csrf
from nojd.server.webcontext import Web
from nojd.survey import format_interval, format_number, format_percent, format_share, format_target
from nojd.survey.translations import DEFAULT_LANGUAGE, full_languages, text

_TEMPLATES = Environment(
    loader=FileSystemLoader(str(resources.files("nojd.assets") / "templates")),
    autoescape=select_autoescape(),
)


def language(request: Request) -> str:
    """The language asked for, if it has a translation file, else the default one."""
    lang = request.query_params.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in full_languages() else DEFAULT_LANGUAGE


def templates() -> Environment:
    """The templates of ``nojd.assets`` (pages, and the servicerapport)."""
    return _TEMPLATES


def helpers(lang: str) -> dict[str, Any]:
    """What every template calls to write text and numbers in ``lang``."""
    return {
        "t": lambda key, **more: text(key, lang, **more),
        "percent": lambda value, decimals=1: format_percent(value, lang, decimals),
        # a share beside its verdict: never "90,0 %" with ✗ for 89.96 against 90
        "share": lambda value, target=None, decimals=1: format_share(value, lang, decimals, target),
        "goal": lambda value: format_target(value, lang),
        "number": lambda value: format_number(value, lang),
        "interval": lambda value: format_interval(value, lang),
    }


def render(request: Request, web: Web, name: str, lang: str, **values: Any) -> HTMLResponse:
    """Template ``name``.html in ``lang``, with ``values`` and the helpers every page uses."""
    args = dict(request.query_params)
    args.pop("lang", None)
    html = _TEMPLATES.get_template(f"{name}.html").render(
        lang=lang,
        **helpers(lang),
        when=lambda stamp: local_time(stamp, web.config.zone),
        ago=lambda stamp: ago(stamp, lang),
        site_names={key: site.name for key, site in web.config.organisation.sites.items()},
        query=urlencode({**args, "lang": lang}),
        other_languages=[
            (code, text("language.name", code), urlencode({**args, "lang": code}))
            for code in full_languages()
            if code != lang
        ],
        csrf=csrf.token(request),
        health=web.health(),
        **values,
    )
    answer = HTMLResponse(html)
    csrf.set_cookie(request, answer)
    return answer


def ago(stamp: str | None, lang: str, now: datetime | None = None) -> str:
    """How long ago a stored UTC time stamp was: "nyss", "för 5 min sedan", "för 3 h
    sedan", "för 2 dagar sedan"; empty when there is none."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 60:
        return text("dashboard.just_now", lang)
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return text(f"dashboard.ago_{unit}", lang, n=int(seconds // size))
    return ""


def local_time(stamp: str | None, zone: ZoneInfo) -> str:
    """A stored UTC time stamp as local time, to the minute."""
    if not stamp:
        return "–"
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
