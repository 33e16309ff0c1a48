"""The report of the dashboard's filters as a download: CSV for Swedish Excel, XLSX, or
the servicerapport as PDF.

The same report and the same filters as the report page (:mod:`nojd.server.filters`);
the files themselves come from :mod:`nojd.server.exports`.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nojd.errors import ConfigError, SurveyError
from nojd.server import servicerapport
from nojd.server.errorpages import error_page
from nojd.server.exports import to_csv, to_xlsx
from nojd.server.filters import chosen_filters, filtered_report
from nojd.server.login import User, to_login
from nojd.server.rendering import language
from nojd.server.webcontext import Shared, Web

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = APIRouter(include_in_schema=False)


@router.get("/export.csv")
def csv(request: Request, web: Shared, user: User) -> Response:
    """The report as CSV: one row per group, period and question, for Swedish Excel."""
    return _download(request, web, user, "csv")


@router.get("/export.xlsx")
def xlsx(request: Request, web: Shared, user: User) -> Response:
    """The report as a workbook: a summary sheet, then one sheet per question."""
    return _download(request, web, user, "xlsx")


@router.get("/export.pdf")
def pdf(request: Request, web: Shared, user: User) -> Response:
    """The servicerapport of the chosen months, grouping and filters, as PDF."""
    return _download(request, web, user, "pdf")


def _download(request: Request, web: Web, user: dict[str, str] | None, kind: str) -> Response:
    if user is None:
        return to_login(request)
    try:
        survey = web.survey(request.query_params.get("survey"))
        chosen = chosen_filters(request, web, "report", survey)
        figures = filtered_report(web, survey, chosen)
    except (ConfigError, SurveyError) as exc:
        return error_page(request, 400, str(exc))  # escaped: the message holds input
    lang = language(request)
    name = f"nojd-{chosen['first']}-{chosen['last']}-{chosen['by']}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "pdf":
        first, last = date.fromisoformat(chosen["first"]), date.fromisoformat(chosen["last"])
        values = servicerapport.context(
            web.store, survey, web.config, servicerapport.period_between(first, last), lang,
            chosen["by"], device=chosen["device"], site=chosen["site"], unit=chosen["unit"],
        )  # fmt: skip
        body = servicerapport.render_pdf(values, lang)
        return Response(body, media_type="application/pdf", headers=headers)
    if kind == "csv":
        body = to_csv(figures, survey, lang, zone=web.config.zone)
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    body = to_xlsx(figures, survey, lang, zone=web.config.zone)
    return Response(body, media_type=XLSX, headers=headers)
