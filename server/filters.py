"""The dashboard's filters: what the query string asks a page to show.

Months ``from`` and ``to`` (whole months, this year by default), grouping, period,
one device, site or unit, and for the heatmap one question; a value the page does
not offer falls back to its default. A month that is not a month, or a range that runs
backwards, is refused with :class:`FilterError`: a page that quietly showed another
period than the one asked for would be a wrong report.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

from fastapi import Request

from nojd.errors import ConfigError
from nojd.server.figures import EARLIEST, LATEST, Report, report
from nojd.server.rendering import language
from nojd.server.webcontext import Web
from nojd.survey import Survey
from nojd.survey.translations import text

#: The period choices of each page (the first is the default).
PAGE_PERIODS = {
    "overview": ("total", "month", "tertial", "year"),
    "report": ("total", "month", "tertial", "year"),
    "trend": ("month", "tertial", "year"),
    "compare": ("total",),
}

Filters = dict[str, Any]


class FilterError(ConfigError):
    """A filter the page cannot show, said in the user's language."""


def chosen_filters(request: Request, web: Web, page: str, survey: Survey) -> Filters:
    """The filters of ``page`` from the request's query string."""
    today = datetime.now(web.config.zone).date()
    params = request.query_params
    lang = language(request)
    # The trend and the target per year look further back than this year.
    start = date(today.year - (2 if page == "trend" else 0), 1, 1)
    first = _month(params.get("from"), start, "from", lang)
    last_month = _month(params.get("to"), today.replace(day=1), "to", lang)
    if last_month < first:
        raise FilterError(text("dashboard.months_backwards", lang, first=first.isoformat()[:7],
                               last=last_month.isoformat()[:7]))  # fmt: skip
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


def _month(value: str | None, default: date, name: str, lang: str) -> date:
    """The month ``value`` (``2026-11``), the default when none is given."""
    if not value:
        return default
    try:
        if len(value) != 7:
            raise ValueError(value)
        month = date.fromisoformat(f"{value}-01")
    except ValueError:
        label = text(f"dashboard.{name}", lang)
        raise FilterError(
            text("dashboard.bad_month", lang, field=label, value=value[:40])
        ) from None
    if not EARLIEST <= month <= LATEST:
        label = text(f"dashboard.{name}", lang)
        raise FilterError(text("dashboard.bad_month", lang, field=label, value=value))
    return month
