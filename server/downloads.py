"""The report of the dashboard's filters as a download: CSV for Swedish Excel, or XLSX.

The same report and the same filters as the report page (:mod:`nojd.server.filters`);
the files themselves come from :mod:`nojd.server.exports`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nojd.errors import ConfigError, SurveyError
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
    if kind == "csv":
        body = to_csv(figures, survey, lang, zone=web.config.zone)
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    body = to_xlsx(figures, survey, lang, zone=web.config.zone)
    return Response(body, media_type=XLSX, headers=headers)
