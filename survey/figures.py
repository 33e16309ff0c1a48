"""The key figures (docs/protocol.md, "Key figures"), computed from counts.

This is the one place figures are computed: the kiosk's staff screen, the
dashboard, the API, the reports and the exports all call these functions.
Results are JSON-ready dicts with unrounded numbers; rounding is for people
and lives in :mod:`nojd.survey.formatting`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from nojd.errors import FiguresError
from nojd.survey.definition import GRADES, Question, Survey

#: z for a two-sided 95 % interval.
Z_95 = 1.96

Counts = Mapping[int, int] | Mapping[str, int] | Sequence[int]
Figures = dict[str, Any]


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of ``successes / n``, as fractions 0..1."""
    if n <= 0 or not 0 <= successes <= n:
        raise FiguresError(
            f"wilson_interval: {successes} of {n} is not a share (need 0 <= x <= n, n > 0)"
        )
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def rating_figures(
    counts: Counts,
    *,
    satisfied_threshold: int = 3,
    target: float | None = None,
    min_n: int = 7,
    sample_target: int = 200,
) -> Figures:
    """Figures of one 1–5 rating question from its counts per grade."""
    by_grade = _grade_counts(counts)
    n = sum(by_grade.values())
    figures: Figures = {"n": n}
    suppressed = n < min_n or n == 0
    satisfied = sum(c for grade, c in by_grade.items() if grade >= satisfied_threshold)
    if suppressed:
        figures.update(dict.fromkeys(
            ("counts", "percent", "share_3_5", "share_4_5", "share_5", "mean", "index",
             "satisfied_share", "satisfied_ci"),
        ))  # fmt: skip
    else:
        total = sum(grade * c for grade, c in by_grade.items())
        figures.update(
            counts={str(grade): c for grade, c in by_grade.items()},
            percent={str(grade): 100 * c / n for grade, c in by_grade.items()},
            share_3_5=100 * (by_grade[3] + by_grade[4] + by_grade[5]) / n,
            share_4_5=100 * (by_grade[4] + by_grade[5]) / n,
            share_5=100 * by_grade[5] / n,
            mean=total / n,
            # (mean - 1) / 4 * 100, written so that whole results come out exact.
            index=25 * (total - n) / n,
            satisfied_share=100 * satisfied / n,
            satisfied_ci=_percent_interval(satisfied, n),
        )
    figures.update(_target(satisfied, n, target, suppressed))
    figures.update(suppressed=suppressed, complete=n >= sample_target)
    return figures


def choice_figures(
    counts: Mapping[str, int],
    options: Sequence[str],
    *,
    resolved: Sequence[str] = (),
    target: float | None = None,
    min_n: int = 7,
    sample_target: int = 200,
) -> Figures:
    """Figures of one choice question; ``resolved`` options add the resolved share."""
    by_option = _option_counts(counts, options)
    n = sum(by_option.values())
    suppressed = n < min_n or n == 0
    figures: Figures = {"n": n}
    if suppressed:
        figures.update(counts=None, percent=None)
    else:
        figures.update(
            counts=by_option,
            percent={option: 100 * c / n for option, c in by_option.items()},
        )
    if resolved:
        hits = sum(by_option[option] for option in resolved)
        figures.update(
            resolved_share=None if suppressed else 100 * hits / n,
            resolved_ci=None if suppressed else _percent_interval(hits, n),
        )
        figures.update(_target(hits, n, target, suppressed))
    figures.update(suppressed=suppressed, complete=n >= sample_target)
    return figures


def question_figures(
    survey: Survey, question: Question, counts: Counts, *, target: float | None = None
) -> Figures:
    """Figures of one question of ``survey``; ``target`` overrides the survey's."""
    goal = question.target if target is None else target
    if question.kind == "rating":
        return rating_figures(
            counts,
            satisfied_threshold=survey.satisfied_threshold,
            target=goal,
            min_n=survey.min_n,
            sample_target=survey.sample_target,
        )
    if not isinstance(counts, Mapping):
        raise FiguresError(f"counts of {question.id!r}: expected counts per option id")
    return choice_figures(
        {str(key): value for key, value in counts.items()},
        question.option_ids,
        resolved=question.resolved,
        target=goal if question.resolved else None,
        min_n=survey.min_n,
        sample_target=survey.sample_target,
    )


def survey_figures(
    survey: Survey,
    counts: Mapping[str, Counts],
    targets: Mapping[str, float] | None = None,
) -> dict[str, Figures]:
    """Figures of every question of ``survey``; a question without counts has n = 0."""
    for question_id in counts:
        survey.question(question_id)
    overrides = targets or {}
    return {
        question.id: question_figures(
            survey, question, counts.get(question.id, {}), target=overrides.get(question.id)
        )
        for question in survey.questions
    }


def _percent_interval(successes: int, n: int) -> list[float]:
    low, high = wilson_interval(successes, n)
    return [100 * low, 100 * high]


def _target(hits: int, n: int, target: float | None, suppressed: bool) -> Figures:
    if target is None or suppressed:
        return {"target": target, "target_met": None}
    # Exact: 17 of 20 meets a target of 85 %, whatever floating point says; the target as
    # written (70.4, not the binary float nearest it), as formatting compares it too.
    goal = Fraction(repr(float(target)))
    return {"target": target, "target_met": Fraction(100 * hits, n) >= goal}


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FiguresError(f"{where}: {value!r} is not a count (expected a whole number >= 0)")
    return value


def _grade_counts(counts: Counts) -> dict[int, int]:
    if isinstance(counts, Mapping):
        result = dict.fromkeys(GRADES, 0)
        for key, value in counts.items():
            grade = int(key) if isinstance(key, str) and key.isdigit() else key
            if grade not in result:
                raise FiguresError(f"counts: grade {key!r} is outside 1..5")
            result[grade] = _count(value, f"counts.{key}")
        return result
    # seen as any sequence, as a caller may really pass it: a str is one too, and is refused
    grades: Sequence[object] = counts
    if isinstance(grades, str) or len(grades) != len(GRADES):
        raise FiguresError(f"counts: {grades!r} is not five counts for grades 1..5")
    return {
        grade: _count(value, f"counts.{grade}") for grade, value in zip(GRADES, grades, strict=True)
    }


def _option_counts(counts: Mapping[str, int], options: Sequence[str]) -> dict[str, int]:
    result = dict.fromkeys(options, 0)
    for key, value in counts.items():
        if key not in result:
            raise FiguresError(f"counts: option {key!r} is not one of {', '.join(options)}")
        result[key] = _count(value, f"counts.{key}")
    return result
