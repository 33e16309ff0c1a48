"""Key figures from the rollups: by device, site, unit or all, per period.

The counts come from the store's rollups (never a scan of every response);
the figures themselves come only from :mod:`nojd.survey.figures`.  The
result is the report JSON of docs/protocol.md, the same for the API, ``nojd report``
and the exports.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from nojd.errors import ConfigError
from nojd.server.config import Organisation
from nojd.server.store import Store
from nojd.survey import Survey, question_figures, survey_figures

GROUPINGS = ("device", "site", "unit", "all")
PERIODS = ("total", "day", "week", "month", "tertial", "year")

Report = dict[str, Any]
#: The days a report may cover: answers are dated within them (a clock outside is
#: quarantined), and anything wider only overflows the calendar (9999-12-31 + 1 day).
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def check_days(first: date, last: date) -> None:
    """:class:`ConfigError` naming ``from`` or ``to`` if the days are out of range or in
    the wrong order."""
    for name, day in (("from", first), ("to", last)):
        if not EARLIEST <= day <= LATEST:
            raise ConfigError(f"{name}: {day} is outside {EARLIEST}..{LATEST}")
    if last < first:
        raise ConfigError(f"to: {last} is before from: {first}")


def report(
    store: Store,
    survey: Survey,
    organisation: Organisation,
    *,
    first: date,
    last: date,
    by: str = "site",
    period: str = "total",
    include_flagged: bool = False,
    device: str | None = None,
    site: str | None = None,
    unit: str | None = None,
) -> Report:
    """The figures of ``survey`` for local days ``first``..``last`` (both included);
    ``device``, ``site`` and ``unit`` limit them to one terminal, site or unit."""
    if by not in GROUPINGS:
        raise ConfigError(f"by: {by!r} is not one of {', '.join(GROUPINGS)}")
    if period not in PERIODS:
        raise ConfigError(f"period: {period!r} is not one of {', '.join(PERIODS)}")
    check_days(first, last)
    answers, responses = store.grouped_counts(
        survey.id, first.isoformat(), last.isoformat(), period, include_flagged,
        (device,) if device else (),
    )  # fmt: skip
    chosen = _chooser(organisation, site, unit)
    answers = [row for row in answers if chosen(row)]
    responses = [row for row in responses if chosen(row)]
    counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    totals: dict[tuple[str, str], list[int]] = {}
    sites: dict[str, str] = {}
    for row in answers:
        key = (_group(organisation, by, row["device"], row["site"]), row["period"])
        question = counts.setdefault(key, {}).setdefault(row["question"], {})
        question[row["answer"]] = question.get(row["answer"], 0) + row["n"]
    for row in responses:
        group = _group(organisation, by, row["device"], row["site"])
        sites[group] = organisation.site_of(row["device"], row["site"])
        total = totals.setdefault((group, row["period"]), [0, 0])
        total[0] += row["responses"]
        total[1] += row["flagged"]
    known = set(survey.question_ids)
    groups = []
    for key in sorted(set(totals) | set(counts)):
        group, label = key
        place = organisation.sites.get(sites.get(group, "")) if by in ("device", "site") else None
        question_counts = {q: c for q, c in counts.get(key, {}).items() if q in known}
        groups.append(
            {
                "key": group,
                "name": organisation.name(by, group),
                "period": label,
                "responses": totals.get(key, [0, 0])[0],
                "flagged": totals.get(key, [0, 0])[1],
                "questions": survey_figures(
                    survey, question_counts, place.targets if place else None
                ),
            }
        )
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "by": by,
        "period": period,
        "survey": survey.id,
        "include_flagged": include_flagged,
        "device": device,
        "site": site,
        "unit": unit,
        "groups": groups,
    }


def heatmap(
    store: Store,
    survey: Survey,
    organisation: Organisation,
    *,
    first: date,
    last: date,
    question: str | None = None,
    include_flagged: bool = False,
    device: str | None = None,
    site: str | None = None,
    unit: str | None = None,
) -> Report:
    """Responses and the figures of ``question`` (the survey's headline without one) per
    local weekday (1 = Monday) × hour, for the whole months ``first``..``last`` touch:
    when in the week does service drop?"""
    asked = survey.headline if question is None else survey.question(question)
    question = asked.id
    check_days(first, last)
    answers, responses = store.hour_counts(
        survey.id, question, first.isoformat()[:7], last.isoformat()[:7], include_flagged,
        (device,) if device else (),
    )  # fmt: skip
    chosen = _chooser(organisation, site, unit)
    counts: dict[tuple[int, int], dict[str, int]] = {}
    totals: dict[tuple[int, int], int] = {}
    for row in answers:
        if chosen(row):
            cell = counts.setdefault((row["weekday"], row["hour"]), {})
            cell[row["answer"]] = cell.get(row["answer"], 0) + row["n"]
    for row in responses:
        if chosen(row):
            key = (row["weekday"], row["hour"])
            totals[key] = totals.get(key, 0) + row["responses"]
    targets = organisation.sites[site].targets if site in organisation.sites else {}
    return {
        "from": first.isoformat()[:7],
        "to": last.isoformat()[:7],
        "survey": survey.id,
        "question": question,
        "include_flagged": include_flagged,
        "device": device,
        "site": site,
        "unit": unit,
        "cells": [
            {
                "weekday": weekday,
                "hour": hour,
                "responses": totals.get((weekday, hour), 0),
                "figures": question_figures(
                    survey, asked, counts.get((weekday, hour), {}), target=targets.get(question)
                ),
            }
            for weekday, hour in sorted(set(totals) | set(counts))
        ],
    }


def _chooser(organisation: Organisation, site: str | None, unit: str | None) -> Any:
    """A test of a counts row against the site and unit filters."""

    def chosen(row: dict[str, Any]) -> bool:
        where = organisation.site_of(row["device"], row["site"])
        return (site is None or where == site) and (
            unit is None or organisation.unit_of(where) == unit
        )

    return chosen


def _group(organisation: Organisation, by: str, device: str, claimed_site: str) -> str:
    if by == "device":
        return device
    site = organisation.site_of(device, claimed_site)
    if by == "site":
        return site
    if by == "unit":
        return organisation.unit_of(site)
    return "all"
