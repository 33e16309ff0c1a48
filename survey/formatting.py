"""Numbers for people: one decimal, rounded half up, a decimal comma in Swedish.

JSON carries unrounded numbers; every screen, report and export formats them
here, so "72,5 %" looks the same on the kiosk and in the nämnd's servicerapport.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from nojd.survey.definition import Question
from nojd.survey.figures import Figures
from nojd.survey.translations import DEFAULT_LANGUAGE, text


def format_number(value: float | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 1) -> str:
    """``3.4737`` as ``3,5`` (sv) or ``3.5`` (en); ``None`` as a dash."""
    if value is None:
        return text("number.missing", lang)
    step = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:f}".replace(".", text("number.decimal_separator", lang))


def format_percent(value: float | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 1) -> str:
    """``72.5`` as ``72,5 %`` (sv) or ``72.5%`` (en)."""
    if value is None:
        return text("number.missing", lang)
    return text("number.percent", lang, value=format_number(value, lang, decimals))


def share_places(value: float, target: float | None, decimals: int = 1) -> int:
    """How many decimals a share needs beside its verdict against ``target`` so that the
    shown value falls on the verdict's side (89.96 against 90: two, "89,96"), from
    ``decimals`` up to four more; more than that shows it rounded down."""
    if target is None:
        return decimals
    exact, goal = Decimal(repr(float(value))), Decimal(repr(float(target)))
    met = exact >= goal
    for places in range(decimals, decimals + 5):
        shown = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if (shown >= goal) == met:
            return places
    return decimals + 5


def share_value(value: float, target: float | None, decimals: int = 1) -> float:
    """The share as a number rounded the way :func:`format_share` shows it: for a CSV or
    workbook cell beside its verdict."""
    places = share_places(value, target, decimals)
    exact = Decimal(repr(float(value)))
    if places > decimals + 4:
        return float(exact.quantize(Decimal(1).scaleb(-(decimals + 4)), rounding=ROUND_DOWN))
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def format_share(
    value: float | None,
    lang: str = DEFAULT_LANGUAGE,
    decimals: int = 1,
    target: float | None = None,
) -> str:
    """A share in percent shown beside its verdict against ``target``: with as many more
    decimals as it takes for the shown value to fall on the verdict's side of the target
    (89.96 against 90 is "89,96 %", never "90,0 %" with ✗), at most four more."""
    if value is None or target is None:
        return format_percent(value, lang, decimals)
    places = min(share_places(value, target, decimals), decimals + 4)
    return format_percent(share_value(value, target, decimals), lang, places)


def format_target(value: float | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A target as it was set: "90 %", "70,4 %" (never rounded to "70 %")."""
    if value is None:
        return format_percent(value, lang, 0)
    written = Decimal(repr(float(value))).normalize()
    places = max(0, -int(written.as_tuple().exponent))
    return format_percent(float(value), lang, min(places, 2))


def format_interval(
    interval: Sequence[float] | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 1
) -> str:
    """A confidence interval in percent: ``41,0–80,9 %``."""
    if interval is None:
        return text("number.missing", lang)
    low, high = interval
    return text(
        "number.interval",
        lang,
        low=format_number(low, lang, decimals),
        high=format_number(high, lang, decimals),
    )


def figures_lines(question: Question, figures: Figures, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """One question's figures as a municipal servicerapport prints them, line by line."""
    lines = [question.text.get(lang, question.id), text("figures.answers", lang, n=figures["n"])]
    if figures["suppressed"]:
        hidden = "figures.protected" if figures.get("complementary") else "figures.too_few_answers"
        return [*lines, text(hidden, lang)]
    labels = {option.id: option.text.get(lang, option.id) for option in question.options}
    first = text("figures.grade" if question.kind == "rating" else "figures.option", lang)
    width = max(len(first), *(len(labels.get(key, key)) for key in figures["counts"])) + 2
    lines.append(
        f"{first:<{width}}{text('figures.count', lang):>8}{text('figures.percent', lang):>10}"
    )
    for key, count in figures["counts"].items():
        percent = format_percent(figures["percent"][key], lang)
        lines.append(f"{labels.get(key, key):<{width}}{count:>8}{percent:>10}")
    if question.kind == "rating":
        lines.extend(_rating_summary(figures, lang))
        share, interval = figures["satisfied_share"], figures["satisfied_ci"]
    elif question.resolved:
        share, interval = figures["resolved_share"], figures["resolved_ci"]
        shown = format_share(share, lang, 1, figures.get("target"))
        lines.append(f"{text('figures.resolved_share', lang)}: {shown}")
    else:
        return lines
    lines.append(f"{text('figures.confidence_interval', lang)}: {format_interval(interval, lang)}")
    lines.append(_target_line(figures, lang))
    return lines


def _rating_summary(figures: Figures, lang: str) -> list[str]:
    def shown(key: str) -> str:  # the share the verdict is on, shown on the verdict's side
        judged = figures[key] == figures["satisfied_share"]
        return format_share(figures[key], lang, 1, figures.get("target") if judged else None)

    return [
        f"{text('figures.' + key, lang)}: {shown(key)}"
        for key in ("share_3_5", "share_4_5", "share_5")
    ] + [
        f"{text('figures.mean', lang)}: {format_number(figures['mean'], lang)}",
        f"{text('figures.index', lang)}: {format_number(figures['index'], lang)}",
    ]


def _target_line(figures: Figures, lang: str) -> str:
    if figures["target"] is None:
        return text("figures.no_target", lang)
    verdict = "figures.target_met" if figures["target_met"] else "figures.target_not_met"
    target = format_target(figures["target"], lang)
    source = text(f"figures.source_{figures.get('target_source', 'survey')}", lang)
    return f"{text('figures.target', lang)} {target} ({source}): {text(verdict, lang)}"
