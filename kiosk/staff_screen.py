"""The staff screen: a page per period (today, this week, this month) with a row per
question, and a page with the terminal's state; tabs at the top choose the page.

The figures come from :mod:`nojd.kiosk.staff` (which takes them from
:mod:`nojd.survey.figures`); this module only lays them out, in text of at least
18 px on the official 7" display.
"""

from __future__ import annotations

import pygame

from nojd.kiosk.grades import distribution
from nojd.kiosk.page import Page
from nojd.kiosk.session import STAFF_TABS
from nojd.kiosk.widgets import Canvas, paragraph, tabs, top_bar
from nojd.survey import format_number, format_percent, format_share
from nojd.survey.figures import Figures

#: Text size on the staff screen, in units: 18 px at 800×480.
STAFF_TEXT = 3.75
#: The table's columns and their shares of its width: landscape, then portrait.
COLUMNS = {
    False: (("question", 0.33), ("share", 0.16), ("target", 0.14), ("index", 0.11),
            ("n", 0.1), ("bar", 0.16)),
    True: (("question", 0.4), ("share", 0.22), ("target", 0.2), ("n", 0.18)),
}  # fmt: skip


def staff(canvas: Canvas, page: Page) -> None:
    """The tabs, then the chosen period's table (or why there is none), or the terminal."""
    close = (page.t("kiosk.close"), ("close", None))
    top_bar(canvas, page.t("staff.title"), close, narrow=canvas.portrait)
    chosen = page.view.tab
    bar = canvas.area(0.14, 0.24) if not canvas.portrait else canvas.area(0.1, 0.22)
    names = [(page.t(f"staff.{tab}"), ("tab", tab)) for tab in STAFF_TABS]
    size = canvas.text_px(STAFF_TEXT)
    tabs(canvas, bar, names, STAFF_TABS.index(chosen), size, columns=2 if canvas.portrait else 0)
    body = canvas.area(0.27 if not canvas.portrait else 0.24, 0.87)
    if chosen == "terminal":
        _terminal(canvas, page, canvas.area(body.top / canvas.height, 0.99))
    elif page.summary.error:
        reason = page.t("staff.unavailable", reason=page.summary.error)
        paragraph(canvas, reason, body, canvas.text_px(STAFF_TEXT), colour=canvas.theme.warning)
    else:
        _table(canvas, page, body, chosen)
        legend = canvas.area(0.88, 0.995)
        paragraph(canvas, page.t("staff.legend"), legend, canvas.text_px(STAFF_TEXT),
                  colour=canvas.theme.muted)  # fmt: skip


def _table(canvas: Canvas, page: Page, table: pygame.Rect, period: str) -> None:
    """A heading row, then a row per question: its name, share, target, index, n and bar."""
    questions = page.context.survey.questions
    size = canvas.text_px(STAFF_TEXT)
    columns = COLUMNS[canvas.portrait]
    rows = len(questions) + 1
    height = table.height // rows
    muted = canvas.theme.muted
    for row in range(rows):
        top = table.top + row * height
        question = questions[row - 1] if row else None
        figures = page.summary.figures.get(period, {}).get(question.id) if question else None
        left = table.left
        for index, (column, share) in enumerate(columns):
            width = round(table.width * share)
            cell = pygame.Rect(left, top, width - canvas.px(1.5), height)
            left += width
            if question is None:
                if column != "bar":
                    paragraph(canvas, page.t(f"staff.column_{column}"), cell, size, bold=True,
                              colour=muted, align="start")  # fmt: skip
            elif column == "question":
                paragraph(canvas, question.text[page.lang], cell, size, bold=True, align="start")
            elif figures is None or figures["suppressed"]:
                if index == 1:  # "too few answers" over the figures' columns
                    rest = pygame.Rect(cell.left, top, table.right - cell.left, height)
                    few = page.t("figures.too_few_answers")
                    paragraph(canvas, few, rest, size, colour=muted, align="start")
                continue
            else:
                _cell(canvas, page, cell, column, figures, question.target, size)


def _cell(
    canvas: Canvas,
    page: Page,
    cell: pygame.Rect,
    column: str,
    figures: Figures,
    target: float | None,
    size: int,
) -> None:
    """One figure of a question: its share, target and verdict, index, n, or bar."""
    lang = page.lang
    if column == "bar":
        bar = pygame.Rect(cell.left, cell.centery - cell.height // 5, cell.width,
                          2 * (cell.height // 5))  # fmt: skip
        distribution(canvas, bar, figures["percent"])
        return
    words = "–"
    if column == "share":
        key = "resolved_share" if "resolved_share" in figures else "satisfied_share"
        words = format_share(figures[key], lang, 1, target)
    elif column == "target" and target is not None:
        mark = "✓" if figures["target_met"] else "✗"
        words = f"{mark} {format_percent(target, lang, 0)}"
    elif column == "index" and "index" in figures:
        words = format_number(figures["index"], lang)
    elif column == "n":
        words = str(figures["n"])
    paragraph(canvas, words, cell, size, bold=column == "share", align="start")


def _terminal(canvas: Canvas, page: Page, rect: pygame.Rect) -> None:
    """What is waiting to be sent, the connection, the terminal, and a fault if there is one."""
    summary, context, t = page.summary, page.context, page.t
    when = summary.last_ack.astimezone().strftime("%Y-%m-%d %H:%M") if summary.last_ack else None
    lines = [
        t("staff.backlog", n=summary.backlog),
        t("staff.last_ack", at=when or t("staff.never")),
        t("staff.connection", state=t("connection." + summary.connection)),
        t("staff.flagged", n=summary.flagged),
        t("staff.device", device=context.device, site=context.site, address=summary.address),
        t("staff.closes", seconds=round(context.staff_timeout)),
    ]
    if summary.fault:
        lines.insert(0, t("staff.fault", reason=summary.fault))
    size = canvas.text_px(STAFF_TEXT)
    step = rect.height // len(lines)
    for index, line in enumerate(lines):
        row = pygame.Rect(rect.left, rect.top + index * step, rect.width, step)
        colour = canvas.theme.warning if summary.fault and index == 0 else canvas.theme.text
        paragraph(canvas, line, row, size, colour=colour, align="start")
