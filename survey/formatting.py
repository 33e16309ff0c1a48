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
    met = Decimal(repr(float(value))) >= Decimal(repr(float(target)))
    for places in range(decimals, decimals + 5):
        step = Decimal(1).scaleb(-places)
        shown = Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP)
        if (shown >= Decimal(repr(float(target)))) == met:
            return format_percent(value, lang, places)
    step = Decimal(1).scaleb(-(decimals + 4))
    down = Decimal(repr(float(value))).quantize(step, rounding=ROUND_DOWN)
    return format_percent(float(down), lang, decimals + 4)


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
        lines.append(f"{text('figures.resolved_share', lang)}: {format_percent(share, lang)}")
    else:
        return lines
    lines.append(f"{text('figures.confidence_interval', lang)}: {format_interval(interval, lang)}")
    lines.append(_target_line(figures, lang))
    return lines


def _rating_summary(figures: Figures, lang: str) -> list[str]:
    return [
        f"{text('figures.' + key, lang)}: {format_percent(figures[key], lang)}"
        for key in ("share_3_5", "share_4_5", "share_5")
    ] + [
        f"{text('figures.mean', lang)}: {format_number(figures['mean'], lang)}",
        f"{text('figures.index', lang)}: {format_number(figures['index'], lang)}",
    ]


def _target_line(figures: Figures, lang: str) -> str:
    if figures["target"] is None:
        return text("figures.no_target", lang)
    verdict = "figures.target_met" if figures["target_met"] else "figures.target_not_met"
    target = format_percent(figures["target"], lang, 0)
    source = text(f"figures.source_{figures.get('target_source', 'survey')}", lang)
    return f"{text('figures.target', lang)} {target} ({source}): {text(verdict, lang)}"
