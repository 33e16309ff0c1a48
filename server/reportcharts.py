"""The dashboard's charts from a report: which series, targets, labels and colours each
chart gets; :mod:`nojd.server.charts` draws them as SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

from nojd.server.charts import Values, heatmap_svg, target_bars_svg, trend_svg
from nojd.server.figures import Report
from nojd.survey import Survey, format_share, format_target
from nojd.survey.hours import OpeningHours
from nojd.survey.periods import period_labels
from nojd.survey.translations import text


def _share(figures: dict[str, Any]) -> float | None:
    """The share satisfied of a rating question, the share resolved of a choice question."""
    return figures.get("satisfied_share", figures.get("resolved_share"))


def _answered(figures: Report) -> set[tuple[str, str]]:
    """(group, question) pairs with at least one answer in some period: the charts worth drawing."""
    return {
        (group["key"], question)
        for group in figures["groups"]
        for question, answered in group["questions"].items()
        if answered["n"]
    }


def trends(
    figures: Report, survey: Survey, questions: Sequence[str], lang: str
) -> dict[str, dict[str, str]]:
    """Per group and question: an SVG of the share satisfied per period, with the target."""
    points: dict[str, dict[str, list[tuple[str, float | None]]]] = {}
    answers: dict[tuple[str, str, str], int] = {}  # (group, question, period) -> n
    targets: dict[tuple[str, str], float | None] = {}
    for group in figures["groups"]:
        for question in questions:
            answered = group["questions"][question]
            if "satisfied_share" not in answered and "resolved_share" not in answered:
                continue
            series = points.setdefault(group["key"], {}).setdefault(question, [])
            series.append((group["period"], _share(answered)))
            answers[(group["key"], question, group["period"])] = answered["n"]
            if answered.get("target") is not None:
                targets[(group["key"], question)] = answered["target"]
    axis = period_labels(
        date.fromisoformat(figures["from"]), date.fromisoformat(figures["to"]), figures["period"]
    )
    period = text(f"dashboard.per_{figures['period']}", lang)
    answered_ever = _answered(figures)
    charts: dict[str, dict[str, str]] = {}
    for key, by_question in points.items():
        for question, series in by_question.items():
            if (key, question) not in answered_ever:
                continue
            goal = targets.get((key, question), survey.question(question).target)
            counted = [answers.get((key, question, label), 0) for label in axis]
            shown = _span([(label, dict(series).get(label)) for label in axis], counted)
            values = [value for _, value in shown if value is not None]
            if len(shown) < 2 or not values:  # one period is no trend: say so, with its value
                said = (text("dashboard.one_point", lang, period=shown[0][0],
                             value=format_share(values[0], lang, 0, goal))
                        if values else text("dashboard.no_trend", lang))  # fmt: skip
                charts.setdefault(key, {})[question] = f'<p class="note">{escape(said)}</p>'
                continue
            charts.setdefault(key, {})[question] = trend_svg(
                shown, goal,
                text("dashboard.trend", lang, per=period,
                     question=survey.question(question).text[lang]),
                lambda v, goal: format_share(v, lang, 0, goal),
                Values(text("dashboard.values", lang), (text("report.period", lang),
                       text("dashboard.satisfied", lang), text("figures.target", lang))),
                lambda target: format_target(target, lang),
            )  # fmt: skip
    return charts


def _span(
    points: list[tuple[str, float | None]], answers: list[int]
) -> list[tuple[str, float | None]]:
    """The periods from the first with answers to the last (shown or hidden): an
    eleven-month axis around one month of answers would hold a single dot."""
    given = [index for index, n in enumerate(answers) if n > 0]
    return points[given[0] : given[-1] + 1] if given else []


def targets(yearly: Report, survey: Survey, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Per group and question with a target: target versus outcome per year (VP/VB) as bars."""
    rows: dict[tuple[str, str], list[tuple[str, float | None, float | None, str]]] = {}
    for group in sorted(yearly["groups"], key=lambda g: (g["key"], g["period"])):
        for question in survey.questions:
            answered = group["questions"][question.id]
            if answered.get("target") is None:
                continue
            goal = format_target(answered["target"], lang)
            if answered.get("suppressed"):
                hidden = "protected" if answered.get("complementary") else "too_few_answers"
                verdict = text(f"figures.{hidden}", lang)
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
                words = Values(text("dashboard.values", lang), (
                    text("dashboard.year", lang), text("dashboard.outcome", lang),
                    text("figures.target", lang), text("dashboard.verdict", lang)))  # fmt: skip
                svg = target_bars_svg(items, label, lambda v, goal: format_share(v, lang, 0, goal),
                                      words, lambda goal: format_target(goal, lang))  # fmt: skip
                charts.setdefault(key, []).append((question.text[lang], svg))
    return charts


def heatmaps(
    cells: dict[str, Any], survey: Survey, lang: str, opening: OpeningHours | None = None
) -> dict[str, Any]:
    """The responses grid and the share grid of an hour × weekday heatmap. With the
    desk's ``opening`` hours the grid spans them, and an open hour without answers shows 0
    (a closed hour stays blank)."""
    if not cells["cells"]:
        return {}
    question = survey.question(cells["question"])
    seen = [cell["hour"] for cell in cells["cells"]]
    open_hours = _open_hours(opening) if opening else set()
    seen += [hour for _, hour in open_hours]
    hours = list(range(min(seen), max(seen) + 1))
    days = [text(f"dashboard.weekday_{day}", lang) for day in range(1, 8)]
    most = max(cell["responses"] for cell in cells["cells"]) or 1
    counts: dict[tuple[int, int], tuple[str, float | None, bool]] = {}
    shares: dict[tuple[int, int], tuple[str, float | None, bool]] = {}
    shown_shares = [
        share for cell in cells["cells"]
        if not cell["figures"]["suppressed"] and (share := _share(cell["figures"])) is not None
    ]  # fmt: skip
    # the shades span the shares shown, lowest to highest: 86 % and 88 % look different
    low, high = min(shown_shares, default=0.0), max(shown_shares, default=100.0)
    for cell in cells["cells"]:
        key = (cell["weekday"], cell["hour"])
        counts[key] = (str(cell["responses"]), cell["responses"] / most, False)
        figures = cell["figures"]
        share = _share(figures)
        if figures["suppressed"] or share is None:
            shares[key] = ("–", None, False)
        else:
            below = figures.get("target_met") is False
            shown = format_share(share, lang, 0, figures.get("target"))
            shade = (share - low) / (high - low) if high > low else 0.5
            shares[key] = (shown, shade, below)
    for key in open_hours - set(counts):
        counts[key] = ("0", 0.0, False)
    grid = Values(text("dashboard.values", lang), (text("dashboard.weekday", lang),))
    return {
        "responses": heatmap_svg(days, hours, counts, text("dashboard.heat_responses", lang), grid),
        "shares": heatmap_svg(
            days,
            hours,
            shares,
            text("dashboard.heat_share", lang, question=question.text[lang]),
            grid,
            text("dashboard.below_target", lang),
        ),
        # the place's target, as its cells are judged against it (a site may set its own)
        "target": next((cell["figures"]["target"] for cell in cells["cells"]), question.target),
        "opening": bool(open_hours),
    }


def _open_hours(opening: OpeningHours) -> set[tuple[int, int]]:
    """``(weekday 1–7, hour)`` of every hour the desk is open in, at least in part."""
    return {(day + 1, hour) for day in range(7) for hour in opening.hours_of(day)}
