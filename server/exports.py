"""A report exported for people and spreadsheets: CSV that opens in Swedish Excel, XLSX, Markdown.

The numbers come from :func:`nojd.server.figures.report`; here they are only
rounded and laid out (:mod:`nojd.survey.formatting`).
"""

from __future__ import annotations

import csv
import io
import json

from openpyxl import Workbook

from nojd.server.figures import Report
from nojd.survey import Survey, format_number
from nojd.survey.formatting import figures_lines
from nojd.survey.translations import text

COLUMNS = (
    "group", "name", "period", "question", "responses", "flagged", "n", "count_1", "count_2",
    "count_3", "count_4", "count_5", "share_3_5", "share_4_5", "share_5", "mean", "index",
    "satisfied_share", "ci_low", "ci_high", "target", "target_met", "suppressed",
)  # fmt: skip


SHARES = ("share_3_5", "share_4_5", "share_5", "mean", "index")


def to_json(report: Report) -> str:
    """The report JSON (docs/protocol.md), unrounded."""
    return json.dumps(report, ensure_ascii=False, indent=1)


def to_csv(report: Report, survey: Survey, lang: str = "sv") -> bytes:
    """One row per group, period and rating or choice question; semicolons, UTF-8 with BOM,
    one decimal with a decimal comma in Swedish: opens as numbers in Swedish Excel."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([text(f"report.{column}", lang) for column in COLUMNS])
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
                    *(_number(figures.get(key), lang) for key in SHARES),
                    _number(share, lang), _number(interval[0], lang), _number(interval[1], lang),
                    _number(figures.get("target"), lang),
                    "" if met is None else text("report.yes" if met else "report.no", lang),
                    text("report.yes" if figures["suppressed"] else "report.no", lang),
                ]
            )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_markdown(report: Report, survey: Survey, lang: str = "sv") -> str:
    """Every group and period with each question's table, as a servicerapport prints it."""
    lines = [f"# {survey.welcome[lang]}", "", f"{report['from']} – {report['to']}", ""]
    for group in report["groups"]:
        lines += [f"## {group['name']} · {group['period']}", ""]
        lines.append(
            text("report.responses_line", lang, n=group["responses"], flagged=group["flagged"])
        )
        for question in survey.questions:
            lines += [
                "",
                "```",
                *figures_lines(question, group["questions"][question.id], lang),
                "```",
            ]
        lines.append("")
    return "\n".join(lines)


def _number(value: float | None, lang: str) -> str:
    return "" if value is None else format_number(value, lang)


def to_xlsx(report: Report, survey: Survey, lang: str = "sv") -> bytes:
    """A workbook: a summary sheet, then one sheet per question with the report table.

    Cells hold numbers (not text), rounded to one decimal like every report,
    so Excel can chart and sum them; a suppressed group shows only its n.
    """
    book = Workbook()
    summary = book.active
    assert summary is not None, "a new workbook is made with one sheet, the active one"
    summary.title = text("report.summary", lang)[:31]
    summary.append(
        [text(f"report.{key}", lang) for key in ("group", "name", "period", "responses", "flagged")]
    )
    for group in report["groups"]:
        summary.append(
            [group["key"], group["name"], group["period"], group["responses"], group["flagged"]]
        )
    for question in survey.questions:
        sheet = book.create_sheet(question.id[:31])
        sheet.append([question.text[lang]])
        labels = (
            [str(grade) for grade in range(1, 6)]
            if question.kind == "rating"
            else list(question.option_ids)
        )
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
            + [f"{text('report.count', lang)} {label}" for label in labels]
            + [f"{text('report.percent', lang)} {label}" for label in labels]
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
                + [figures["n"], _rounded(share), _rounded(interval[0]), _rounded(interval[1]),
                   _rounded(figures.get("mean")), _rounded(figures.get("index")),
                   figures.get("target"),
                   None if met is None else text("report.yes" if met else "report.no", lang),
                   text("report.yes" if figures["suppressed"] else "report.no", lang)]
            )  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rounded(value: float | None) -> float | None:
    """One decimal, half up, as a number: the same rounding as the text reports."""
    return None if value is None else float(format_number(value, "en"))
