"""The dashboard's pages: server-rendered HTML (Jinja2), no JavaScript build step.

Overview (share satisfied against target per site), the report table per question
as municipal reports print it, the trend with target and outcome per year, the
hour × weekday heatmap and the terminals (online, backlog, missing, quarantined).
Each shows one survey (``?survey=``, the default survey without one) in one
language (``?lang=``); every page needs a login (:mod:`nojd.server.login`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from nojd.errors import ConfigError
from nojd.server import central, comparison, notify
from nojd.server.errorpages import error_page
from nojd.server.figures import EARLIEST, Report, heatmap
from nojd.server.filters import Filters, chosen_filters, filtered_report
from nojd.server.login import User, to_login
from nojd.server.quality import quality
from nojd.server.rendering import language, render
from nojd.server.reportcharts import heatmaps, targets, trends
from nojd.server.webcontext import Shared, Web
from nojd.survey import Survey, SurveyError
from nojd.survey.translations import text

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/")
def overview(request: Request, web: Shared, user: User) -> Response:
    """Share satisfied against target per group, and its trend per month."""
    return _show(request, web, user, "overview", "dashboard.overview")


@router.get("/report")
def report(request: Request, web: Shared, user: User) -> Response:
    """Every question's answers, shares, index and target per group and period."""
    return _show(request, web, user, "report", "dashboard.report")


@router.get("/trend")
def trend(request: Request, web: Shared, user: User) -> Response:
    """Each question's share per period, and target against outcome per year."""
    return _show(request, web, user, "trend", "dashboard.trend_page")


@router.get("/compare")
def compare_page(request: Request, web: Shared, user: User) -> Response:
    """Sites or units ranked by one question's share, with its change and significance."""
    return _show(request, web, user, "compare", "dashboard.compare")


@router.get("/hours")
def hours(request: Request, web: Shared, user: User) -> Response:
    """Responses and one question's share per weekday and hour."""
    return _show(request, web, user, "hours", "dashboard.hours")


@router.get("/devices")
def devices(request: Request, web: Shared, user: User) -> Response:
    """Every terminal: state, last seen, backlog, responses today, missing, quarantined."""
    return _show(request, web, user, "devices", "dashboard.devices")


@router.get("/alerts")
def alerts_page(request: Request, web: Shared, user: User) -> Response:
    """The alert episodes, open ones first, with their history."""
    return _show(request, web, user, "alerts", "dashboard.alerts")


def _show(
    request: Request, web: Web, user: dict[str, str] | None, name: str, title_key: str
) -> Response:
    """Page ``name`` for a logged-in user; the login for anyone else."""
    if user is None:
        return to_login(request)
    lang = language(request)
    try:
        survey = web.survey(request.query_params.get("survey"))
        chosen = chosen_filters(request, web, name, survey)
        shown = _content(web, name, survey, chosen, lang)
    except (ConfigError, SurveyError) as exc:
        return error_page(request, 400, str(exc))  # escaped: the message holds input
    known = web.store.devices()
    return render(
        request, web, name, lang, title=text(title_key, lang), user=user, page=name,
        survey=survey, surveys=list(web.surveys.values()), filters=chosen,
        choices=_choices(web, known), devices=known,
        options={q.id: {o.id: o.text[lang] for o in q.options} for q in survey.questions},
        sent=web.store.central.sent() if name == "devices" else {},
        closed=_closed_now(web) if name == "devices" else set(),
        **{"report": None, "trends": {}, **shown},
    )  # fmt: skip


def _closed_now(web: Web) -> set[str]:
    """The terminals whose centrally set opening hours say their desk is closed now."""
    now = datetime.now(UTC)
    return {
        device
        for device, hours in central.hours_by_device(web.store, web.config).items()
        if not hours.is_open(now)
    }


def _content(web: Web, name: str, survey: Survey, chosen: Filters, lang: str) -> dict[str, Any]:
    """What page ``name`` shows beyond the filters."""
    if name == "overview":
        figures = filtered_report(web, survey, chosen)
        monthly = filtered_report(web, survey, chosen, period="month")
        headline = survey.headline.id
        return {"report": figures, "trends": trends(monthly, survey, [headline], lang)}
    if name == "report":
        shown = filtered_report(web, survey, chosen)
        first, last = date.fromisoformat(chosen["first"]), date.fromisoformat(chosen["last"])
        hours = central.hours_by_device(web.store, web.config)
        found = quality(web.store, web.config.organisation, survey.id, first, last, chosen["by"],
                        hours, device=chosen["device"], site=chosen["site"],
                        unit=chosen["unit"])  # fmt: skip
        return {"report": shown, "quality": found}
    if name == "trend":
        figures = filtered_report(web, survey, chosen)
        yearly = filtered_report(web, survey, chosen, period="year")
        return {
            "report": figures,
            "groups": list(dict.fromkeys((g["key"], g["name"]) for g in figures["groups"])),
            "trends": trends(figures, survey, survey.question_ids, lang),
            "targets": targets(yearly, survey, lang),
        }
    if name == "compare":
        first, last = date.fromisoformat(chosen["first"]), date.fromisoformat(chosen["last"])
        earlier, last_year = comparison.before(first, last), comparison.year_before(first, last)
        now = filtered_report(web, survey, chosen)

        def over(days: tuple[date, date]) -> Report:
            if days[0] < EARLIEST:  # before any answer can be: nothing to compare with
                return {**now, "groups": []}
            return filtered_report(web, survey, chosen, first=days[0].isoformat(),
                                   last=days[1].isoformat())  # fmt: skip

        rows = comparison.compare(now, over(earlier), over(last_year), chosen["question"])
        return {"report": now, "rows": rows, "earlier": [d.isoformat()[:7] for d in earlier],
                "last_year": [d.isoformat()[:7] for d in last_year]}  # fmt: skip
    if name == "alerts":
        rules = {rule.name: rule for rule in web.config.alerts.rules}
        shown_alerts = []
        for episode in web.store.alerts.history():
            kind = rules[episode["rule"]].kind if episode["rule"] in rules else None
            shown_alerts.append({**episode, "kind": kind,
                                 "said": notify.detail(episode, kind, lang, web.config),
                                 "where": notify.subject_name(kind, episode["subject"],
                                                              web.config)})  # fmt: skip
        worded = [(rule.name, notify.rule_words(rule, lang)) for rule in rules.values()]
        told = bool(web.config.alerts.email_to or web.config.alerts.webhooks)
        return {"alerts": shown_alerts, "rules": worded, "told": told}
    if name == "hours":
        cells = heatmap(
            web.store, survey, web.config.organisation, first=date.fromisoformat(chosen["first"]),
            last=date.fromisoformat(chosen["last"]), question=chosen["question"],
            device=chosen["device"], site=chosen["site"], unit=chosen["unit"],
        )  # fmt: skip
        opening = central.opening_of(web.store, web.config, chosen["site"], chosen["device"])
        return {"heatmaps": heatmaps(cells, survey, lang, opening)}
    return {}


def _choices(web: Web, devices: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """The options of the site, unit and device filters: configured and seen."""
    organisation = web.config.organisation
    sites = set(organisation.sites) | {
        organisation.site_of(d["device"], d["site"]) for d in devices if d["site"]
    }
    units = set(organisation.units) | {organisation.unit_of(site) for site in sites}
    return {
        "sites": sorted((key, organisation.name("site", key)) for key in sites),
        "units": sorted((key, organisation.name("unit", key)) for key in units),
        "devices": [(d["device"], d["device"]) for d in devices],
    }
