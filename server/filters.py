"""The dashboard's filters: what the query string asks a page to show.

Months ``from`` and ``to`` (whole months, this year by default), grouping, period,
one device, site or unit, and for the heatmap one question; a value the page does
not offer falls back to its default.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

from fastapi import Request

from nojd.server.figures import Report, report
from nojd.server.webcontext import Web
from nojd.survey import Survey

#: The period choices of each page (the first is the default).
PAGE_PERIODS = {
    "overview": ("total", "month", "tertial", "year"),
    "report": ("total", "month", "tertial", "year"),
    "trend": ("month", "tertial", "year"),
}

Filters = dict[str, Any]


def chosen_filters(request: Request, web: Web, page: str, survey: Survey) -> Filters:
    """The filters of ``page`` from the request's query string."""
    today = datetime.now(web.config.zone).date()
    params = request.query_params
    # The trend and the target per year look further back than this year.
    start = date(today.year - (2 if page == "trend" else 0), 1, 1)
    first = _month(params.get("from"), start)
    last_month = _month(params.get("to"), today.replace(day=1))
    last = last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])
    periods = PAGE_PERIODS.get(page, PAGE_PERIODS["report"])
    period = params.get("period", periods[0])
    question = params.get("question", survey.headline.id)
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "by": params.get("by", "site"),
        "period": period if period in periods else periods[0],
        "periods": periods,
        "device": params.get("device") or None,
        "site": params.get("site") or None,
        "unit": params.get("unit") or None,
        "question": question if question in survey.question_ids else survey.headline.id,
    }


def filtered_report(web: Web, survey: Survey, chosen: Filters, **change: Any) -> Report:
    """The report of ``survey`` for the filters ``chosen``, with ``change`` applied."""
    chosen = {**chosen, **change}
    return report(
        web.store, survey, web.config.organisation, first=date.fromisoformat(chosen["first"]),
        last=date.fromisoformat(chosen["last"]), by=chosen["by"], period=chosen["period"],
        device=chosen["device"], site=chosen["site"], unit=chosen["unit"],
    )  # fmt: skip


def _month(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(f"{value[:7]}-01")
    except ValueError:
        return default
