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

from nojd.errors import ConfigError
from nojd.server import accounts
from nojd.server.charts import heatmap_svg, target_bars_svg, trend_svg
from nojd.server.config import ServerConfig
from nojd.server.exports import to_csv, to_xlsx
from nojd.server.figures import heatmap, report
from nojd.server.store import SqliteStore
from nojd.survey import format_interval, format_number, format_percent
from nojd.survey.periods import period_labels
from nojd.survey.translations import text

COOKIE = "nojd_session"


def add_dashboard(app: FastAPI, config: ServerConfig, store: SqliteStore) -> None:
    """Add the dashboard's routes to ``app``."""
    folder = resources.files("nojd.assets") / "templates"
    templates = Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape())
    survey = config.surveys()["service"]
    organisation = config.organisation

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

    def filters(request: Request, name: str) -> dict[str, Any]:
        today = datetime.now(config.zone).date()
        params = request.query_params
        # The trend and the target per year look further back than this year.
        start = date(today.year - (2 if name == "trend" else 0), 1, 1)
        first = _month(params.get("from"), start)
        last_month = _month(params.get("to"), today.replace(day=1))
        last = last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])
        periods = PAGE_PERIODS.get(name, PAGE_PERIODS["report"])
        period = params.get("period", periods[0])
        question = params.get("question", "overall")
        return {
            "first": first.isoformat(),
            "last": last.isoformat(),
            "by": params.get("by", "site"),
            "period": period if period in periods else periods[0],
            "periods": periods,
            "device": params.get("device") or None,
            "site": params.get("site") or None,
            "unit": params.get("unit") or None,
            "question": question if question in survey.question_ids else "overall",
        }

    def figures_for(chosen: dict[str, Any], **change: Any) -> dict[str, Any]:
        chosen = {**chosen, **change}
        return report(
            store, survey, organisation, first=date.fromisoformat(chosen["first"]),
            last=date.fromisoformat(chosen["last"]), by=chosen["by"], period=chosen["period"],
            device=chosen["device"], site=chosen["site"], unit=chosen["unit"],
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

    def choices(devices: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
        """The options of the site, unit and device filters: configured and seen."""
        sites = set(organisation.sites) | {
            organisation.site_of(d["device"], d["site"]) for d in devices if d["site"]
        }
        units = set(organisation.units) | {organisation.unit_of(site) for site in sites}
        return {
            "sites": sorted((key, organisation.name("site", key)) for key in sites),
            "units": sorted((key, organisation.name("unit", key)) for key in units),
            "devices": [(d["device"], d["device"]) for d in devices],
        }

    def content(name: str, chosen: dict[str, Any], lang: str) -> dict[str, Any]:
        """What page ``name`` shows beyond the filters."""
        if name == "overview":
            figures = figures_for(chosen)
            monthly = figures_for(chosen, period="month")
            return {"report": figures, "trends": _trends(monthly, survey, ["overall"], lang)}
        if name == "report":
            return {"report": figures_for(chosen)}
        if name == "trend":
            figures = figures_for(chosen)
            yearly = figures_for(chosen, period="year")
            return {
                "report": figures,
                "groups": list(dict.fromkeys((g["key"], g["name"]) for g in figures["groups"])),
                "trends": _trends(figures, survey, survey.question_ids, lang),
                "targets": _targets(yearly, survey, lang),
            }
        if name == "hours":
            cells = heatmap(
                store, survey, organisation, first=date.fromisoformat(chosen["first"]),
                last=date.fromisoformat(chosen["last"]), question=chosen["question"],
                device=chosen["device"], site=chosen["site"], unit=chosen["unit"],
            )  # fmt: skip
            return {"heatmaps": _heatmaps(cells, survey, lang)}
        return {}

    def view(name: str, title_key: str) -> Any:
        def show(request: Request) -> Response:
            user = signed_in(request)
            if user is None:
                return to_login(request)
            lang = language(request)
            chosen = filters(request, name)
            try:
                shown = content(name, chosen, lang)
            except ConfigError as exc:
                return HTMLResponse(str(exc), status_code=400)
            known = store.devices()
            return page(
                request, name, lang, title=text(title_key, lang), user=user, page=name,
                survey=survey, filters=chosen, choices=choices(known), devices=known,
                options={q.id: {o.id: o.text[lang] for o in q.options} for q in survey.questions},
                **{"report": None, "trends": {}, **shown},
            )  # fmt: skip

        return show

    for path, name in (
        ("/", "overview"),
        ("/report", "report"),
        ("/trend", "trend"),
        ("/hours", "hours"),
        ("/devices", "devices"),
    ):
        app.get(path, response_class=HTMLResponse, include_in_schema=False)(
            view(name, "dashboard.trend_page" if name == "trend" else f"dashboard.{name}")
        )

    def admin(request: Request) -> dict[str, str] | Response:
        """The signed-in admin, or the answer for anyone else."""
        user = signed_in(request)
        if user is None:
            return to_login(request)
        if user["role"] != "admin":
            lang = language(request)
            return HTMLResponse(text("dashboard.admins_only", lang), status_code=403)
        return user

    def access_page(request: Request, user: dict[str, str], **shown: Any) -> Response:
        lang = language(request)
        return page(
            request, "access", lang, title=text("dashboard.access", lang), user=user,
            page="access", users=store.users(), tokens=store.tokens(),
            **{"new_token": None, "error": None, **shown},
        )  # fmt: skip

    @app.get("/access", response_class=HTMLResponse, include_in_schema=False)
    def access(request: Request) -> Response:
        user = admin(request)
        return user if isinstance(user, Response) else access_page(request, user)

    @app.post("/access/tokens", include_in_schema=False)
    def make_token(request: Request, name: str = Form(...)) -> Response:
        user = admin(request)
        if isinstance(user, Response):
            return user
        try:
            made = accounts.create_token(store, name.strip())
        except ConfigError as exc:
            shown = access_page(request, user, error=str(exc))
            shown.status_code = 400
            return shown
        return access_page(request, user, new_token=(name.strip(), made))

    @app.post("/access/tokens/revoke", include_in_schema=False)
    def revoke_token(request: Request, name: str = Form(...)) -> Response:
        user = admin(request)
        if isinstance(user, Response):
            return user
        store.delete_token(name)
        return RedirectResponse(f"/access?lang={language(request)}", status_code=303)

    def export(kind: str) -> Any:
        def download(request: Request) -> Response:
            if signed_in(request) is None:
                return to_login(request)
            chosen = filters(request, "report")
            try:
                figures = figures_for(chosen)
            except ConfigError as exc:
                return HTMLResponse(str(exc), status_code=400)
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


#: The period choices of each page (the first is the default).
PAGE_PERIODS = {
    "overview": ("total", "month", "tertial", "year"),
    "report": ("total", "month", "tertial", "year"),
    "trend": ("month", "tertial", "year"),
}


def _share(figures: dict[str, Any]) -> float | None:
    """The share satisfied of a rating question, the share resolved of a choice question."""
    return figures.get("satisfied_share", figures.get("resolved_share"))


def _answered(figures: dict[str, Any]) -> set[tuple[str, str]]:
    """(group, question) pairs with at least one answer in some period: the charts worth drawing."""
    return {
        (group["key"], question)
        for group in figures["groups"]
        for question, answered in group["questions"].items()
        if answered["n"]
    }


def _trends(
    figures: dict[str, Any], survey: Any, questions: list[str], lang: str
) -> dict[str, dict[str, str]]:
    """Per group and question: an SVG of the share satisfied per period, with the target."""
    points: dict[str, dict[str, list[tuple[str, float | None]]]] = {}
    targets: dict[tuple[str, str], float | None] = {}
    for group in figures["groups"]:
        for question in questions:
            answered = group["questions"][question]
            if "satisfied_share" not in answered and "resolved_share" not in answered:
                continue
            series = points.setdefault(group["key"], {}).setdefault(question, [])
            series.append((group["period"], _share(answered)))
            if answered.get("target") is not None:
                targets[(group["key"], question)] = answered["target"]
    axis = period_labels(
        date.fromisoformat(figures["from"]), date.fromisoformat(figures["to"]), figures["period"]
    )
    period = text(f"dashboard.per_{figures['period']}", lang)
    answered_ever = _answered(figures)
    return {
        key: {
            question: trend_svg(
                [(label, dict(series).get(label)) for label in axis],
                targets.get((key, question), survey.question(question).target),
                text("dashboard.trend", lang, per=period,
                     question=survey.question(question).text[lang]),
                lambda v: format_percent(v, lang, 0),
            )
            for question, series in by_question.items()
            if (key, question) in answered_ever
        }
        for key, by_question in points.items()
    }  # fmt: skip


def _targets(yearly: dict[str, Any], survey: Any, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Per group and question with a target: target versus outcome per year (VP/VB) as bars."""
    rows: dict[tuple[str, str], list[tuple[str, float | None, float | None, str]]] = {}
    for group in sorted(yearly["groups"], key=lambda g: (g["key"], g["period"])):
        for question in survey.questions:
            answered = group["questions"][question.id]
            if answered.get("target") is None:
                continue
            goal = format_percent(answered["target"], lang, 0)
            if answered.get("suppressed"):
                verdict = text("figures.too_few_answers", lang)
            elif answered["target_met"]:
                verdict = text("figures.target_met", lang)
            else:
                verdict = text("figures.target_not_met", lang)
            value = None if answered.get("suppressed") else _share(answered)
            rows.setdefault((group["key"], question.id), []).append(
                (group["period"], value, answered["target"], f"{verdict} ({goal})")
            )
    answered_ever = _answered(yearly)
    charts: dict[str, list[tuple[str, str]]] = {}
    for question in survey.questions:
        for (key, asked), items in rows.items():
            if asked == question.id and (key, asked) in answered_ever:
                label = text("dashboard.targets_of", lang, question=question.text[lang])
                svg = target_bars_svg(items, label, lambda v: format_percent(v, lang, 0))
                charts.setdefault(key, []).append((question.text[lang], svg))
    return charts


def _heatmaps(cells: dict[str, Any], survey: Any, lang: str) -> dict[str, Any]:
    """The responses grid and the share grid of an hour × weekday heatmap."""
    if not cells["cells"]:
        return {}
    question = survey.question(cells["question"])
    seen = [cell["hour"] for cell in cells["cells"]]
    hours = list(range(min(seen), max(seen) + 1))
    days = [text(f"dashboard.weekday_{day}", lang) for day in range(1, 8)]
    most = max(cell["responses"] for cell in cells["cells"]) or 1
    counts, shares = {}, {}
    for cell in cells["cells"]:
        key = (cell["weekday"], cell["hour"])
        counts[key] = (str(cell["responses"]), cell["responses"] / most, False)
        figures = cell["figures"]
        if figures["suppressed"]:
            shares[key] = ("–", None, False)
        else:
            share = _share(figures)
            below = figures.get("target_met") is False
            shares[key] = (format_percent(share, lang, 0), share / 100, below)
    return {
        "responses": heatmap_svg(days, hours, counts, text("dashboard.heat_responses", lang)),
        "shares": heatmap_svg(
            days, hours, shares, text("dashboard.heat_share", lang, question=question.text[lang])
        ),
        "target": question.target,
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
