"""The servicerapport: the printable report a manager attaches to the nämnd's agenda, as
PDF, made by WeasyPrint from the HTML template ``servicerapport.html`` (never a printed
dashboard page).

It holds a cover (the organisation, the period, the number of answers, when it was
made); per question the distribution table (grade, Antal, Procent, Svar) and the share
satisfied against its target as bars, with the values written out; target (VP) against
outcome (VB) per year; the sites and units side by side with the change against the
period before and the year before, and whether it is more than chance; a page per unit;
the data quality notes; and a short method section. Every figure comes from
:func:`nojd.server.figures.report`, so suppression and complementary suppression are
those of every other report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any

from nojd.errors import ConfigError
from nojd.server import central, comparison
from nojd.server.config import ServerConfig
from nojd.server.figures import EARLIEST, LATEST, Report, report
from nojd.server.quality import quality
from nojd.server.rendering import helpers, templates
from nojd.server.store import Store
from nojd.survey import Survey
from nojd.survey.translations import text

#: How many years of target against outcome (VP/VB) the report shows, the last included.
YEARS = 3
_TERTIAL = re.compile(r"(\d{4})-T([123])")


@dataclass(frozen=True)
class Period:
    """The days a servicerapport covers, and what they are called."""

    first: date
    last: date
    kind: str  # "month", "tertial", "year" or "days"
    key: str  # "2026-11", "2026-T3", "2026" or "2026-01-05–2026-02-20"

    def label(self, lang: str) -> str:
        """The period in words: "november 2026", "tertial 3 2026", "2026"."""
        if self.kind == "month":
            month = text(f"servicerapport.month_{self.first.month}", lang)
            return f"{month} {self.first.year}"
        if self.kind == "tertial":
            return text("servicerapport.tertial", lang, n=self.key[-1], year=self.key[:4])
        if self.kind == "year":
            return self.key
        return f"{self.first.isoformat()} – {self.last.isoformat()}"


def period_of(
    month: str | None = None,
    tertial: str | None = None,
    year: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> Period:
    """The period of one of ``month`` ("2026-11"), ``tertial`` ("2026-T3"), ``year``
    ("2026"), or the days ``first``..``last``; :class:`ConfigError` naming the option for
    anything else."""
    given = [name for name, value in (("month", month), ("tertial", tertial), ("year", year))
             if value]  # fmt: skip
    if len(given) > 1 or (given and (first or last)):
        both = [f"--{name}" for name in given] + (["--from/--to"] if first or last else [])
        raise ConfigError(f"period: give one of --month, --tertial, --year or --from/--to, "
                          f"not {' and '.join(both)} together")  # fmt: skip
    if month:
        try:
            start = date.fromisoformat(f"{month}-01") if len(month) == 7 else None
        except ValueError:
            start = None
        if start is None:
            raise ConfigError(f"month: {month[:40]!r} is not a month like 2026-11")
        _year(month, "month", "2026-11")
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return Period(start, end, "month", month)
    if tertial:
        found = _TERTIAL.fullmatch(tertial)
        if not found:
            raise ConfigError(f"tertial: {tertial[:40]!r} is not a tertial like 2026-T3 (T1 "
                              "January–April, T2 May–August, T3 September–December)")  # fmt: skip
        year_of, number = _year(tertial, "tertial", "2026-T3"), int(found[2])
        start = date(year_of, 4 * number - 3, 1)
        end = (date(year_of, 4 * number, 28) + timedelta(days=4)).replace(day=1)
        return Period(start, end - timedelta(days=1), "tertial", tertial)
    if year:
        if not re.fullmatch(r"\d{4}", year):
            raise ConfigError(f"year: {year[:40]!r} is not a year like 2026")
        year_of = _year(year, "year", "2026")
        return Period(date(year_of, 1, 1), date(year_of, 12, 31), "year", year)
    if first is None or last is None:
        raise ConfigError("period: give --month, --tertial, --year, or both --from and --to")
    return Period(first, last, "days", f"{first.isoformat()}–{last.isoformat()}")


def _year(text_of: str, name: str, example: str) -> int:
    """The year of a period's key, within the years reports cover."""
    year_of = int(text_of[:4])
    if not EARLIEST.year <= year_of <= LATEST.year:
        raise ConfigError(f"{name}: {text_of[:40]!r} is outside the years "
                          f"{EARLIEST.year}..{LATEST.year} (like {example})")  # fmt: skip
    return year_of


def period_between(first: date, last: date) -> Period:
    """The period of the days ``first``..``last``, by its name when it is one: a whole
    month, tertial or year (as the dashboard's month filters give)."""
    for named in (period_of(month=first.isoformat()[:7]),
                  period_of(tertial=f"{first.year}-T{(first.month - 1) // 4 + 1}"),
                  period_of(year=str(first.year))):  # fmt: skip
        if (named.first, named.last) == (first, last):
            return named
    return period_of(first=first, last=last)


def context(
    store: Store,
    survey: Survey,
    config: ServerConfig,
    period: Period,
    lang: str,
    by: str = "site",
    made: datetime | None = None,
    device: str | None = None,
    site: str | None = None,
    unit: str | None = None,
    include_flagged: bool = False,
) -> dict[str, Any]:
    """Everything the template shows, worked out from the store; ``device``, ``site`` and
    ``unit`` limit it to one terminal, site or unit, as every report's filters do."""
    organisation = config.organisation
    first, last = period.first, period.last
    chosen = {"device": device, "site": site, "unit": unit, "include_flagged": include_flagged}

    def figures(**options: Any) -> Report:
        given = {"first": first, "last": last, **chosen} | options
        if given["first"] < EARLIEST:  # before any answer can be: nothing
            return {"groups": []}
        return report(store, survey, organisation, **given)

    whole = figures(by="all")
    groups = figures(by=by)
    headline = survey.headline.id
    earlier, year_ago = comparison.before(first, last), comparison.year_before(first, last)
    compared = {}
    for level in ("site", "unit"):
        now = figures(by=level)
        then = figures(by=level, first=earlier[0], last=earlier[1])
        before = figures(by=level, first=year_ago[0], last=year_ago[1])
        compared[level] = comparison.compare(now, then, before, headline)
    # VP/VB: each year a report of its own (the last up to the period's end), so that the
    # period's own year reads as it does everywhere else in the report
    yearly = []
    for year_of in range(max(last.year - YEARS + 1, EARLIEST.year), last.year + 1):
        ends = min(date(year_of, 12, 31), last)
        found = figures(by="all", first=date(year_of, 1, 1), last=ends)["groups"]
        if found:
            label = (
                str(year_of)
                if ends.month == 12 and ends.day == 31
                else text("servicerapport.year_to", lang, year=year_of, day=ends.isoformat())
            )
            yearly.append({**found[0], "period": label})
    units = []
    if organisation.units:  # a site with no unit is its own: its site page says it all
        for group in figures(by="unit")["groups"]:
            sites = figures(by="site", unit=group["key"])
            units.append({"group": group, "sites": sites["groups"]})
    hours = central.hours_by_device(store, config)
    checked = quality(store, organisation, survey.id, first, last, "site", hours,
                      device=device, site=site, unit=unit)  # fmt: skip
    stamp = (made or datetime.now(UTC)).astimezone(config.zone)
    named = [
        f"{text('report.' + kind, lang)} {organisation.name(kind, value)}"
        for kind, value in (("unit", unit), ("site", site), ("device", device))
        if value
    ]
    return {
        "survey": survey,
        "organisation": organisation.title,
        "period": period.label(lang),
        "kind": period.kind,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "made": stamp.strftime("%Y-%m-%d %H:%M"),
        "unfinished": stamp.date() <= last,
        "today": stamp.date().isoformat(),
        "chosen": ", ".join(named),
        "include_flagged": include_flagged,
        "whole": whole["groups"][0] if whole["groups"] else None,
        "groups": groups["groups"],
        "by": by,
        "yearly": yearly,
        "compared": compared,
        "earlier": [day.isoformat() for day in earlier],
        "year_ago": [day.isoformat() for day in year_ago],
        "units": units,
        "quality": checked,
        "options": {q.id: {o.id: o.text[lang] for o in q.options} for q in survey.questions},
    }


def render_html(values: dict[str, Any], lang: str) -> str:
    """The servicerapport as HTML, for WeasyPrint (and for a look in a browser)."""
    page = templates().get_template("servicerapport.html")
    return page.render(lang=lang, **helpers(lang), **values)


def render_pdf(values: dict[str, Any], lang: str) -> bytes:
    """The servicerapport as PDF (A4), laid out by WeasyPrint from its HTML and style
    sheet; the fonts are the system's (DejaVu Sans, from fonts-dejavu-core)."""
    from weasyprint import HTML  # imported here: Pango is loaded only when a PDF is made

    folder = resources.files("nojd.assets") / "templates"
    pdf = HTML(string=render_html(values, lang), base_url=str(folder)).write_pdf()
    assert pdf is not None, "write_pdf without a target returns the PDF's bytes"
    return bytes(pdf)
