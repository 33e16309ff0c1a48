"""The dashboard: server-rendered HTML (Jinja2), no JavaScript build step.

Pages: overview (share satisfied against target per site), the report table
per question as municipal reports print it, terminals (online, backlog,
missing, quarantined), and CSV/XLSX downloads.  Swedish by default, English
one click away; every page but the login needs a session.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from nojd.server import accounts
from nojd.server.charts import trend_svg
from nojd.server.config import ServerConfig
from nojd.server.figures import report
from nojd.server.report import to_csv, to_xlsx
from nojd.server.store import SqliteStore
from nojd.survey import format_interval, format_number, format_percent
from nojd.survey.errors import ConfigError
from nojd.survey.translations import text

COOKIE = "nojd_session"


def add_dashboard(app: FastAPI, config: ServerConfig, store: SqliteStore) -> None:
    """Add the dashboard's routes to ``app``."""
    folder = resources.files("nojd.assets") / "templates"
    templates = Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape())
    survey = config.surveys()["service"]

    def page(request: Request, name: str, lang: str, **values: Any) -> HTMLResponse:
        args = dict(request.query_params)
        args.pop("lang", None)
        html = templates.get_template(f"{name}.html").render(
            lang=lang,
            t=lambda key, **more: text(key, lang, **more),
            percent=lambda value, decimals=1: format_percent(value, lang, decimals),
            number=lambda value: format_number(value, lang),
            interval=lambda value: format_interval(value, lang),
            when=lambda stamp: _local(stamp, config),
            query=urlencode({**args, "lang": lang}),
            query_without_lang=urlencode(args),
            **values,
        )
        return HTMLResponse(html)

    def language(request: Request) -> str:
        lang = request.query_params.get("lang", "sv")
        return lang if lang in ("sv", "en") else "sv"

    def filters(request: Request) -> dict[str, Any]:
        today = datetime.now(config.zone).date()
        params = request.query_params
        first = _month(params.get("from"), date(today.year, 1, 1))
        last_month = _month(params.get("to"), today.replace(day=1))
        last = last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])
        return {
            "first": first.isoformat(),
            "last": last.isoformat(),
            "by": params.get("by", "site"),
            "period": params.get("period", "total"),
            "device": params.get("device") or None,
        }

    def figures_for(chosen: dict[str, Any]) -> dict[str, Any]:
        return report(
            store, survey, config.organisation, first=date.fromisoformat(chosen["first"]),
            last=date.fromisoformat(chosen["last"]), by=chosen["by"], period=chosen["period"],
            device=chosen["device"],
        )  # fmt: skip

    def signed_in(request: Request) -> dict[str, str] | None:
        return accounts.session_user(store, request.cookies.get(COOKIE))

    def to_login(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/login?lang={language(request)}", status_code=303)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> Response:
        lang = language(request)
        return page(
            request,
            "login",
            lang,
            title=text("dashboard.login_title", lang),
            user=None,
            failed=False,
        )

    @app.post("/login", include_in_schema=False)
    def login(request: Request, name: str = Form(...), password: str = Form(...)) -> Response:
        cookie = accounts.log_in(store, name, password)
        lang = language(request)
        if cookie is None:
            shown = page(
                request,
                "login",
                lang,
                title=text("dashboard.login_title", lang),
                user=None,
                failed=True,
            )
            shown.status_code = 401
            return shown
        answer = RedirectResponse(f"/?lang={lang}", status_code=303)
        answer.set_cookie(
            COOKIE, cookie, httponly=True, samesite="lax", secure=request.url.scheme == "https",
            max_age=accounts.SESSION_HOURS * 3600,
        )  # fmt: skip
        return answer

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        accounts.log_out(store, request.cookies.get(COOKIE))
        answer = to_login(request)
        answer.delete_cookie(COOKIE)
        return answer

    def view(name: str, title_key: str) -> Any:
        def show(request: Request) -> Response:
            user = signed_in(request)
            if user is None:
                return to_login(request)
            lang = language(request)
            chosen = filters(request)
            try:
                figures = figures_for(chosen) if name != "devices" else None
            except ConfigError as exc:
                return HTMLResponse(str(exc), status_code=400)
            known = store.devices()
            trends = (
                _trends(figures_for({**chosen, "period": "month"}), survey, lang)
                if name == "overview"
                else {}
            )
            return page(
                request, name, lang, title=text(title_key, lang), user=user, page=name,
                report=figures, survey=survey, filters=chosen,
                devices=known if name == "devices" else [d["device"] for d in known],
                options={q.id: {o.id: o.text[lang] for o in q.options} for q in survey.questions},
                trends=trends,
            )  # fmt: skip

        return show

    app.get("/", response_class=HTMLResponse, include_in_schema=False)(
        view("overview", "dashboard.overview")
    )
    app.get("/report", response_class=HTMLResponse, include_in_schema=False)(
        view("report", "dashboard.report")
    )
    app.get("/devices", response_class=HTMLResponse, include_in_schema=False)(
        view("devices", "dashboard.devices")
    )

    def export(kind: str) -> Any:
        def download(request: Request) -> Response:
            if signed_in(request) is None:
                return to_login(request)
            chosen = filters(request)
            figures = figures_for(chosen)
            lang = language(request)
            name = f"nojd-{chosen['first']}-{chosen['last']}-{chosen['by']}.{kind}"
            body = (
                to_csv(figures, survey, lang) if kind == "csv" else to_xlsx(figures, survey, lang)
            )
            media = "text/csv; charset=utf-8" if kind == "csv" else (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )  # fmt: skip
            headers = {"Content-Disposition": f'attachment; filename="{name}"'}
            return Response(body, media_type=media, headers=headers)

        return download

    app.get("/export.csv", include_in_schema=False)(export("csv"))
    app.get("/export.xlsx", include_in_schema=False)(export("xlsx"))


def _trends(monthly: dict[str, Any], survey: Any, lang: str) -> dict[str, str]:
    """Per group: an SVG of the share satisfied with the service as a whole, month by month."""
    question = survey.question("overall")
    points: dict[str, list[tuple[str, float | None]]] = {}
    for group in monthly["groups"]:
        figures = group["questions"]["overall"]
        points.setdefault(group["key"], []).append((group["period"], figures["satisfied_share"]))
    label = text("dashboard.trend", lang, question=question.text[lang])
    return {
        key: trend_svg(sorted(series), question.target, label, lambda v: format_percent(v, lang, 0))
        for key, series in points.items()
    }


def _local(stamp: str | None, config: ServerConfig) -> str:
    """A stored UTC time stamp as local time, to the minute."""
    if not stamp:
        return "–"
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")


def _month(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(f"{value[:7]}-01")
    except ValueError:
        return default
