"""Key figures from the rollups: by device, site, unit or all, per period.

The counts come from the store's rollups (never a scan of every response);
the figures themselves come only from :mod:`nojd.survey.figures`.  The
result is the report JSON of docs/protocol.md, the same for the API, ``nojd report``
and the exports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from nojd.errors import ConfigError
from nojd.server.config import Organisation
from nojd.server.groupings import GROUPINGS
from nojd.server.store import Store
from nojd.server.suppression import Cell, Node, Place, Row, hidden_cells, hidden_places
from nojd.survey import Survey, question_figures, survey_figures
from nojd.survey.periods import period_keys

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
    # every answer of the range, for the families of complementary suppression; then those
    # the filters choose, for the figures shown
    everything, all_responses = store.grouped_counts(
        survey.id, first.isoformat(), last.isoformat(), period, include_flagged, ()
    )
    chooser = _chooser(organisation, site, unit)

    def chosen(row: dict[str, Any]) -> bool:
        return chooser(row) and (device is None or row["device"] == device)

    answers = [row for row in everything if chosen(row)]
    responses = [row for row in all_responses if chosen(row)]
    if period in LATTICE_PERIODS:
        months = store.month_totals(survey.id, first.isoformat(), last.isoformat(),
                                    include_flagged, survey.min_n)  # fmt: skip
        places = _lattice(months, organisation, survey)
        node = _node_of(by, device, site, unit)

        def hidden(group: str, label: str, question: str) -> bool:
            moment = ("total", "total") if period == "total" else (period, label)
            return (node(group), moment, question) in places
    else:  # days and weeks: within this report only
        within = _hidden_within(everything, organisation, by, survey)

        def hidden(group: str, label: str, question: str) -> bool:
            return (group, label, question) in within

    counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    totals: dict[tuple[str, str], list[int]] = {}
    sites: dict[str, str] = {}
    for row in answers:
        key = (group_of(organisation, by, row["device"], row["site"]), row["period"])
        question = counts.setdefault(key, {}).setdefault(row["question"], {})
        question[row["answer"]] = question.get(row["answer"], 0) + row["n"]
    for row in responses:
        group = group_of(organisation, by, row["device"], row["site"])
        sites[group] = organisation.site_of(row["device"], row["site"])
        total = totals.setdefault((group, row["period"]), [0, 0])
        total[0] += row["responses"]
        total[1] += row["flagged"]
    known = set(survey.question_ids)
    groups = []
    for key in sorted(set(totals) | set(counts)):
        group, label = key
        question_counts = {q: c for q, c in counts.get(key, {}).items() if q in known}
        targets, source = _targets(organisation, by, group, sites.get(group, ""), survey)
        figures = survey_figures(survey, question_counts, targets)
        for asked in survey.questions:
            figures[asked.id]["target_source"] = source.get(asked.id, "survey")
        for asked in survey.questions:
            if hidden(group, label, asked.id) and not figures[asked.id]["suppressed"]:
                # shown, its sister could be had by subtraction: hidden as if it had few
                few = replace(survey, min_n=figures[asked.id]["n"] + 1)
                target = (targets or {}).get(asked.id)
                given = question_counts.get(asked.id, {})
                figures[asked.id] = question_figures(few, asked, given, target=target)
                figures[asked.id]["complementary"] = True
        groups.append(
            {
                "key": group,
                "name": organisation.name(by, group),
                "period": label,
                "responses": totals.get(key, [0, 0])[0],
                "flagged": totals.get(key, [0, 0])[1],
                "questions": figures,
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
    # the target of the place shown: the site's own, also when one of its terminals is
    place = site or next((s.id for s in organisation.sites.values() if device in s.devices), None)
    targets = organisation.sites[place].targets if place in organisation.sites else {}
    # one hidden hour beside the others would be the place's total minus them: hide more
    given = {(f"{k[0]}-{k[1]}", "total", question): sum(c.values()) for k, c in counts.items()}
    hidden = hidden_cells(given, lambda _: "grid", survey.min_n)

    def figures_of(key: tuple[int, int]) -> dict[str, Any]:
        found = question_figures(survey, asked, counts.get(key, {}), target=targets.get(question))
        if (f"{key[0]}-{key[1]}", "total", question) in hidden and not found["suppressed"]:
            few = replace(survey, min_n=found["n"] + 1)
            found = question_figures(few, asked, counts.get(key, {}), target=targets.get(question))
            found["complementary"] = True
        return found

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
                "figures": figures_of((weekday, hour)),
            }
            for weekday, hour in sorted(set(totals) | set(counts))
        ],
    }


def _targets(
    organisation: Organisation, by: str, group: str, site: str, survey: Survey
) -> tuple[dict[str, float], dict[str, str]]:
    """The targets that apply to ``group`` where they are not the survey's, and where each
    comes from: "site" (a terminal's or site's own site sets it), "unit" (every site of the
    unit sets the same), else the survey's. A unit whose sites differ takes the survey's
    target: no site's target is the unit's, and a mean of targets is no one's target."""
    if by in ("device", "site"):
        place = organisation.sites.get(site)
        overrides = dict(place.targets) if place else {}
        return overrides, dict.fromkeys(overrides, "site")
    if by != "unit":
        return {}, {}
    members = [s for s in organisation.sites.values() if organisation.unit_of(s.id) == group]
    common: dict[str, float] = {}
    for question in survey.questions:
        chosen = {s.targets.get(question.id, question.target) for s in members}
        if members and len(chosen) == 1 and None not in chosen:
            [target] = chosen
            assert target is not None
            if target != question.target:
                common[question.id] = target
    return common, dict.fromkeys(common, "unit")


#: The periods whose reports show cells of the lattice of complementary suppression.
LATTICE_PERIODS = ("total", "month", "tertial", "year")


def _lattice(
    months: list[dict[str, Any]], organisation: Organisation, survey: Survey
) -> set[Place]:
    """The cells of every organisation level by every time level that suppression hides,
    built from the month counts of every answer in the range
    (:mod:`nojd.server.suppression`)."""
    finest: dict[tuple[str, str, str, str], int] = {}  # (device, site, month, question)
    for row in months:
        key = (row["device"], row["site"], row["period"], row["question"])
        finest[key] = finest.get(key, 0) + row["n"]
    # Every cell is a sum of (terminal, month) cells: when none of those is hidden, no
    # cell is, and the lattice is not worth building (a large store, the usual case).
    per_terminal: dict[tuple[str, str, str], int] = {}
    for (device, _, month, question), n in finest.items():
        cell = (device, month, question)
        per_terminal[cell] = per_terminal.get(cell, 0) + n
    if not any(0 < n < survey.min_n for n in per_terminal.values()):
        return set()
    places_of: dict[tuple[str, str], tuple[Node, ...]] = {}
    times_of: dict[str, tuple[Node, ...]] = {}
    rows: list[Row] = []
    for (device, claimed, month, question), n in finest.items():
        if (device, claimed) not in places_of:
            site = organisation.site_of(device, claimed)
            unit = organisation.unit_of(site)
            places_of[(device, claimed)] = (
                ("device", device), ("site", site), ("unit", unit), ("all", "all"),
            )  # fmt: skip
        if month not in times_of:
            _, _, _, tertial, year = period_keys(f"{month}-01")
            times_of[month] = (("month", month), ("tertial", tertial), ("year", year),
                               ("total", "total"))  # fmt: skip
        rows.append((places_of[(device, claimed)], times_of[month], question, n))
    return hidden_places(rows, survey.min_n)


def _node_of(
    by: str, device: str | None, site: str | None, unit: str | None
) -> Callable[[str], Node]:
    """The lattice node whose answers a group of the grouping ``by`` shows: its own, or,
    when a filter is finer than the grouping (a site chosen, grouped by unit), the
    filter's, for then the group holds only that site's answers."""
    level = ("device", "site", "unit", "all").index(by)
    if device and level > 0:
        return lambda _: ("device", device)
    if site and level > 1:
        return lambda _: ("site", site)
    if unit and level > 2:
        return lambda _: ("unit", unit)
    return lambda group: (by, group)


def _hidden_within(
    rows: list[dict[str, Any]], organisation: Organisation, by: str, survey: Survey
) -> set[Cell]:
    """The cells of a report by day or week that complementary suppression hides, from
    its own families only (sisters under one parent, the periods of one group)."""
    answers: dict[Cell, int] = {}
    parents: dict[str, str | None] = {}
    for row in rows:
        group = group_of(organisation, by, row["device"], row["site"])
        cell = (group, row["period"], row["question"])
        answers[cell] = answers.get(cell, 0) + row["n"]
        site = organisation.site_of(row["device"], row["site"])
        parents[group] = {"device": site, "site": organisation.unit_of(site),
                          "unit": "all"}.get(by)  # fmt: skip
    return hidden_cells(answers, parents.get, survey.min_n)


def _chooser(organisation: Organisation, site: str | None, unit: str | None) -> Any:
    """A test of a counts row against the site and unit filters."""

    def chosen(row: dict[str, Any]) -> bool:
        where = organisation.site_of(row["device"], row["site"])
        return (site is None or where == site) and (
            unit is None or organisation.unit_of(where) == unit
        )

    return chosen


def group_of(organisation: Organisation, by: str, device: str, claimed_site: str) -> str:
    """The group of the grouping ``by`` that a device at a (claimed) site falls in."""
    if by == "device":
        return device
    site = organisation.site_of(device, claimed_site)
    if by == "site":
        return site
    if by == "unit":
        return organisation.unit_of(site)
    return "all"
