"""A report exported for people and spreadsheets: CSV that opens in Swedish Excel, XLSX, Markdown.

The numbers come from :func:`nojd.server.figures.report`; here they are only
rounded and laid out (:mod:`nojd.survey.formatting`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from nojd.server.figures import Report
from nojd.survey import Question, Survey, format_number, format_percent
from nojd.survey.formatting import figures_lines, share_places, share_value
from nojd.survey.translations import text

COLUMNS = (
    "group", "name", "period", "question", "responses", "flagged", "n", "count_1", "count_2",
    "count_3", "count_4", "count_5", "share_3_5", "share_4_5", "share_5", "mean", "index",
    "satisfied_share", "ci_low", "ci_high", "target", "target_met", "suppressed",
)  # fmt: skip


SHARES = ("share_3_5", "share_4_5", "share_5", "mean", "index")
#: What every export says about itself: the survey, the range, the filter, the grouping,
#: whether flagged answers count, when it was made.
ABOUT = ("survey", "from", "to", "filter", "by", "flagged_rule", "made")
#: The time zone of "made" when none is given: the one nojd's figures use by default.
ZONE = ZoneInfo("Europe/Stockholm")


def about(
    report: Report, lang: str, made: datetime | None = None, zone: ZoneInfo = ZONE
) -> list[tuple[str, str]]:
    """``(heading, value)`` pairs saying which answers an export covers and when it was
    made: the survey, the first and last day, the filter (a terminal, a site, a unit, or
    all), the grouping, whether rapid repeats count, and the local time in ``zone``."""
    chosen = [
        f"{text('report.' + kind, lang)} {report[kind]}"
        for kind in ("device", "site", "unit")
        if report.get(kind)
    ]
    stamp = (made or datetime.now(UTC)).astimezone(zone).isoformat(timespec="minutes")
    flagged = "flagged_counted" if report.get("include_flagged") else "flagged_left_out"
    values = {
        "survey": report.get("survey", ""),
        "from": report["from"],
        "to": report["to"],
        "filter": ", ".join(chosen) or text("report.everything", lang),
        "by": text(f"report.by_{report['by']}", lang),
        "flagged_rule": text(f"report.{flagged}", lang),
        "made": stamp,
    }
    return [(text(f"report.{key}", lang), values[key]) for key in ABOUT]


def _hidden_word(figures: dict[str, Any], lang: str) -> str:
    """The "Dold" column: no, yes, or yes and why (it protects a group with few answers)."""
    if not figures["suppressed"]:
        return text("report.no", lang)
    return text("report.yes_protecting" if figures.get("complementary") else "report.yes", lang)


def _share_number(value: float | None, target: float | None, lang: str) -> str:
    """A share for a CSV cell, rounded as the pages show it beside its verdict."""
    if value is None:
        return ""
    places = min(share_places(value, target), 5)
    return format_number(share_value(value, target), lang, places)


def _judged(figures: dict[str, Any], key: str) -> float | None:
    """The target a share column is judged against: the verdict's, for the share it is on."""
    share = figures.get("satisfied_share", figures.get("resolved_share"))
    return figures.get("target") if figures.get(key) == share else None


def to_json(report: Report) -> str:
    """The report JSON (docs/protocol.md), unrounded."""
    return json.dumps(report, ensure_ascii=False, indent=1)


def to_csv(
    report: Report,
    survey: Survey,
    lang: str = "sv",
    made: datetime | None = None,
    zone: ZoneInfo = ZONE,
) -> bytes:
    """One row per group, period and rating or choice question; semicolons, UTF-8 with BOM,
    one decimal with a decimal comma in Swedish: opens as numbers in Swedish Excel. A
    choice question's counts are in a column per option; every row says which range and
    filter it comes from and when it was made."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    options = [(q, o) for q in survey.questions for o in q.options]
    described = about(report, lang, made, zone)
    writer.writerow(
        [text(f"report.{column}", lang) for column in COLUMNS]
        + [text("report.count_option", lang, option=o.text[lang]) for _, o in options]
        + [heading for heading, _ in described]
    )
    for group in report["groups"]:
        for question in survey.questions:
            figures = group["questions"][question.id]
            counts = figures["counts"] or {}
            share = figures.get("satisfied_share", figures.get("resolved_share"))
            interval = figures.get("satisfied_ci", figures.get("resolved_ci")) or [None, None]
            met = figures.get("target_met")
            writer.writerow(
                [
                    group["key"], group["name"], group["period"], question.text[lang],
                    group["responses"], group["flagged"], figures["n"],
                    *(counts.get(str(grade), "") for grade in range(1, 6)),
                    *(_share_number(figures.get(key), _judged(figures, key), lang)
                      for key in SHARES),
                    _share_number(share, figures.get("target"), lang), _number(interval[0], lang),
                    _number(interval[1], lang), _target_number(figures.get("target"), lang),
                    "" if met is None else text("report.yes" if met else "report.no", lang),
                    _hidden_word(figures, lang),
                ]
                + [counts.get(o.id, "") if q.id == question.id else "" for q, o in options]
                + [value for _, value in described]
            )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_markdown(
    report: Report,
    survey: Survey,
    lang: str = "sv",
    made: datetime | None = None,
    zone: ZoneInfo = ZONE,
) -> str:
    """Every group and period with a Markdown table per question (grade or option, count,
    percent), then its shares, interval and verdict, as a servicerapport prints them."""
    lines = [f"# {survey.welcome[lang]}", ""]
    lines += [f"- {heading}: {value}" for heading, value in about(report, lang, made, zone)]
    lines.append("")
    for group in report["groups"]:
        lines += [f"## {group['name']} · {group['period']}", ""]
        counted = (
            "report.responses_counted" if report.get("include_flagged") else "report.responses_line"
        )
        lines.append(text(counted, lang, n=group["responses"], flagged=group["flagged"]))
        for question in survey.questions:
            lines += ["", *_markdown_table(question, group["questions"][question.id], lang)]
        lines.append("")
    return "\n".join(lines)


def _markdown_table(question: Question, figures: dict[str, Any], lang: str) -> list[str]:
    """``### question``, the table of counts and percents, then the figures' own lines."""
    said = figures_lines(question, figures, lang)  # [question, answers, (table), rest...]
    lines = [f"### {_cell(said[0])}", "", said[1]]
    if figures["suppressed"]:
        return [*lines, "", said[2]]
    labels = {option.id: option.text[lang] for option in question.options}
    first = text("figures.grade" if question.kind == "rating" else "figures.option", lang)
    lines += ["", f"| {first} | {text('figures.count', lang)} | {text('figures.percent', lang)} |",
              "| --- | ---: | ---: |"]  # fmt: skip
    for key, count in figures["counts"].items():
        shown = format_percent(figures["percent"][key], lang)
        lines.append(f"| {_cell(labels.get(key, key))} | {count} | {shown} |")
    rest = said[3 + len(figures["counts"]) :]
    return [*lines, "", *(f"- {line}" for line in rest)]


def _cell(words: str) -> str:
    """Text for a Markdown table cell or heading: no pipe, no line break."""
    return words.replace("|", "\\|").replace("\n", " ")


def _number(value: float | None, lang: str) -> str:
    return "" if value is None else format_number(value, lang)


def _target_number(value: float | None, lang: str) -> str:
    """A target as set: 90, 70,4 (not rounded to one decimal, nor to none)."""
    if value is None:
        return ""
    return format_number(value, lang, 2 if round(value, 1) != value else 1)


def to_xlsx(
    report: Report,
    survey: Survey,
    lang: str = "sv",
    made: datetime | None = None,
    zone: ZoneInfo = ZONE,
) -> bytes:
    """A workbook: a summary sheet (what it covers, then the groups), then one sheet per
    question, named by the question, with the report table.

    Cells hold numbers (not text), rounded to one decimal like every report,
    so Excel can chart and sum them; a suppressed group shows only its n.
    """
    book = Workbook()
    summary = book.active
    assert summary is not None, "a new workbook is made with one sheet, the active one"
    summary.title = _sheet_name(text("report.summary", lang), set())
    for heading, value in about(report, lang, made, zone):
        summary.append([heading, value])
    summary.append([])
    summary.append(
        [text(f"report.{key}", lang) for key in ("group", "name", "period", "responses", "flagged")]
    )
    for group in report["groups"]:
        summary.append(
            [group["key"], group["name"], group["period"], group["responses"], group["flagged"]]
        )
    names = {summary.title}
    for question in survey.questions:
        sheet = book.create_sheet(_sheet_name(question.text[lang], names))
        names.add(sheet.title)
        sheet.append([question.text[lang]])
        labels = (
            [str(grade) for grade in range(1, 6)]
            if question.kind == "rating"
            else list(question.option_ids)
        )
        words = {option.id: option.text[lang] for option in question.options}
        keys = (
            "n",
            "share",
            "ci_low",
            "ci_high",
            "mean",
            "index",
            "target",
            "target_met",
            "suppressed",
        )
        sheet.append(
            [text("report.group", lang), text("report.period", lang)]
            + [
                text("report.count_option", lang, option=words.get(label, label))
                for label in labels
            ]
            + [
                text("report.percent_option", lang, option=words.get(label, label))
                for label in labels
            ]
            + [text(f"report.{key}", lang) for key in keys]
        )
        for group in report["groups"]:
            figures = group["questions"][question.id]
            counts, percent = figures["counts"] or {}, figures["percent"] or {}
            share = figures.get("satisfied_share", figures.get("resolved_share"))
            interval = figures.get("satisfied_ci", figures.get("resolved_ci")) or [None, None]
            met = figures.get("target_met")
            sheet.append(
                [group["name"], group["period"]]
                + [counts.get(label) for label in labels]
                + [_rounded(percent.get(label)) for label in labels]
                + [figures["n"],
                   None if share is None else share_value(share, figures.get("target")),
                   _rounded(interval[0]), _rounded(interval[1]),
                   _rounded(figures.get("mean")), _rounded(figures.get("index")),
                   figures.get("target"),
                   None if met is None else text("report.yes" if met else "report.no", lang),
                   _hidden_word(figures, lang)]
            )  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(words: str, taken: set[str]) -> str:
    """An Excel sheet name from ``words``: without []:*?/\\, at most 31 characters, and not
    one of ``taken`` (a number is added)."""
    base = re.sub(r"[\[\]:*?/\\]", "", words).strip("' ") or "-"
    if len(base) > 31:  # cut between words, and say so
        base = base[:30].rsplit(" ", 1)[0].rstrip(" ,.") + "…"
    name, number = base, 2
    while name in taken:
        suffix = f" ({number})"
        name = f"{base[: 31 - len(suffix)]}{suffix}"
        number += 1
    return name


def _rounded(value: float | None) -> float | None:
    """One decimal, half up, as a number: the same rounding as the text reports."""
    return None if value is None else float(format_number(value, "en"))
