"""The staff screen: the figures of today, this week and this month, and the terminal's state.

The figures come from :mod:`nojd.kiosk.staff` (which takes them from
:mod:`nojd.survey.figures`); this module only lays them out.
"""

from __future__ import annotations

import pygame

from nojd.kiosk.grades import distribution
from nojd.kiosk.page import Page
from nojd.kiosk.staff import PERIODS
from nojd.kiosk.theme import SMALLEST_FONT
from nojd.kiosk.widgets import Canvas, label, paragraph, top_bar
from nojd.survey import format_number, format_percent
from nojd.survey.figures import Figures


def staff(canvas: Canvas, page: Page) -> None:
    """The table of figures (or why there are none) above the terminal's state."""
    summary = page.summary
    top_bar(canvas, page.t("staff.title"), (page.t("kiosk.close"), ("close", None)))
    table = canvas.area(0.12 if canvas.portrait else 0.15, 0.78)
    if summary.error:
        reason = page.t("staff.unavailable", reason=summary.error)
        paragraph(canvas, reason, table, canvas.text_px(4), colour=canvas.theme.warning)
    else:
        _table(canvas, page, table)
    _footer(canvas, page, canvas.area(0.8, 0.99))


def _table(canvas: Canvas, page: Page, table: pygame.Rect) -> None:
    """A column per period; a row per question, its name to the left (landscape) or above."""
    questions = page.context.survey.questions
    name_width = 0 if canvas.portrait else table.width // 4
    width = (table.width - name_width) // len(PERIODS)
    size = canvas.text_px(3.6)
    heading = canvas.theme.font(size, bold=True).get_linesize()
    muted = canvas.theme.muted
    for column, period in enumerate(PERIODS):
        where = (table.left + name_width + column * width, table.top)
        words = page.t(f"staff.{period}")
        label(canvas, words, size, where, colour=muted, bold=True, width=width - canvas.px(2))
    row = (table.height - heading) // len(questions)
    for index, question in enumerate(questions):
        top = table.top + heading + index * row
        name = question.text[page.lang]
        if canvas.portrait:
            label(canvas, name, size, (table.left, top), bold=True, width=table.width)
            cells_top, cells_height = top + heading, row - heading
        else:
            box = pygame.Rect(table.left, top, name_width - canvas.px(2), row)
            paragraph(canvas, name, box, canvas.text_px(3.4), bold=True)
            cells_top, cells_height = top, row
        for column, period in enumerate(PERIODS):
            left = table.left + name_width + column * width
            cell = pygame.Rect(left, cells_top, width - canvas.px(2), cells_height)
            figures = page.summary.figures.get(period, {}).get(question.id)
            _cell(canvas, page, cell, figures, question.target)


def _cell(
    canvas: Canvas, page: Page, cell: pygame.Rect, figures: Figures | None, target: float | None
) -> None:
    """Two lines: the share (see the legend) and its verdict; a bar of grades, index and n."""
    lang, muted = page.lang, canvas.theme.muted
    size = max(SMALLEST_FONT, min(canvas.text_px(3.6), cell.height // 2 - 3))
    if figures is None or figures["suppressed"]:
        few = page.t("figures.too_few_answers")
        label(canvas, few, size, cell.topleft, colour=muted, width=cell.width)
        return
    key = "resolved_share" if "resolved_share" in figures else "satisfied_share"
    first = [format_percent(figures[key], lang)]
    if target is not None:
        mark = "✓" if figures["target_met"] else "✗"
        goal = page.t("staff.target", target=format_percent(target, lang, 0))
        first.append(mark if canvas.portrait else f"{mark} {goal}")
    label(canvas, " ".join(first), size, cell.topleft, bold=True, width=cell.width)
    line = canvas.theme.font(size).get_linesize()
    bar = pygame.Rect(cell.left, cell.top + line + 1, cell.width * 2 // 5, max(6, line - 6))
    distribution(canvas, bar, figures["percent"])
    rest = [page.t("staff.cell_n", n=figures["n"])]
    if "index" in figures and not canvas.portrait:
        rest.insert(0, page.t("staff.index", index=format_number(figures["index"], lang)))
    after = cell.right - bar.right - canvas.px(1)
    where = (bar.right + canvas.px(1), bar.centery)
    label(canvas, " · ".join(rest), size, where, "midleft", colour=muted, width=after)


def _footer(canvas: Canvas, page: Page, rect: pygame.Rect) -> None:
    """The legend, then what is waiting to be sent, the connection and the terminal."""
    summary = page.summary
    context = page.context
    t = page.t
    when = summary.last_ack.astimezone().strftime("%Y-%m-%d %H:%M") if summary.last_ack else None
    lines = [
        t("staff.legend"),
        t("staff.backlog", n=summary.backlog),
        t("staff.last_ack", at=when or t("staff.never")),
        t("staff.connection", state=t("connection." + summary.connection)),
        t("staff.flagged", n=summary.flagged),
        t("staff.device", device=context.device, site=context.site, address=summary.address),
        t("staff.closes", seconds=round(context.staff_timeout)),
    ]
    if not canvas.portrait:
        lines = [lines[0], f"{lines[1]} · {lines[2]}", f"{lines[3]} · {lines[4]}", lines[5]]
    size = min(canvas.text_px(3.4), rect.height // len(lines) - 2)
    step = canvas.theme.font(size).get_linesize()
    for index, line in enumerate(lines):
        where = (rect.left, rect.top + index * step)
        label(canvas, line, size, where, colour=canvas.theme.muted, width=rect.width)
