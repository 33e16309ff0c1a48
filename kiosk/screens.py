"""Drawing the kiosk's screens with pygame, at any resolution and orientation.

:func:`draw` paints one :class:`~nojd.kiosk.session.View` and returns the
touch targets it drew.  Every size is a share of the screen, so the official
7" display (800×480), 1024×600, 1280×720, 1920×1080 and portrait 480×800 all
get the same screen.  Grades are told apart by face, number and position, never
by colour alone; the palette (Okabe–Ito) is safe for colour-blind visitors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pygame

from nojd.kiosk.session import Screen, View
from nojd.kiosk.staff import PERIODS, StaffSummary
from nojd.survey import Survey, format_number, format_percent
from nojd.survey.figures import Figures
from nojd.survey.translations import text

PALETTE = {
    1: (213, 94, 0),
    2: (230, 159, 0),
    3: (240, 228, 66),
    4: (86, 180, 233),
    5: (0, 114, 178),
}
#: Options of a choice question, in order (the shipped survey: answered, referred, unanswered).
OPTION_COLOURS = (PALETTE[5], PALETTE[4], PALETTE[1])
BACKGROUND = (18, 30, 56)
PANEL = (38, 56, 94)
TEXT = (255, 255, 255)
MUTED = (196, 206, 226)
INK = (20, 20, 20)
WARNING = (255, 196, 120)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

Action = tuple[str, object]


@dataclass(frozen=True)
class Hotspot:
    """A touch target: where it is and what a tap on it does."""

    rect: pygame.Rect
    action: Action


@dataclass(frozen=True)
class Context:
    """What the screens need besides the view."""

    survey: Survey
    languages: tuple[str, ...]
    device: str
    site: str
    staff_timeout: float
    has_buttons: bool
    next_opening: Callable[[], datetime | None]
    now: Callable[[], datetime]


@functools.cache
def font(size: int, bold: bool = False) -> pygame.font.Font:
    """DejaVu Sans (Debian's fonts-dejavu-core), or pygame's own font if it is missing."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    return pygame.font.Font(str(path) if path.exists() else None, max(8, size))


def draw(
    surface: pygame.Surface, view: View, context: Context, summary: StaffSummary | None
) -> list[Hotspot]:
    """Paint ``view`` on ``surface``; returns its touch targets, first match wins."""
    surface.fill(BACKGROUND)
    painter = _Painter(surface, view.lang, context)
    screens = {
        Screen.WELCOME: painter.welcome,
        Screen.QUESTION: lambda: painter.question(view),
        Screen.THANKS: painter.thanks,
        Screen.LANGUAGE: painter.language,
        Screen.CLOSED: painter.closed,
        Screen.OUT_OF_ORDER: lambda: painter.out_of_order(view.reason),
        Screen.PIN: lambda: painter.pin(view),
        Screen.STAFF: lambda: painter.staff(summary or StaffSummary()),
    }
    screens[view.screen]()
    return painter.hotspots


class _Painter:
    def __init__(self, surface: pygame.Surface, lang: str, context: Context) -> None:
        self.surface = surface
        self.lang = lang
        self.context = context
        self.width, self.height = surface.get_size()
        self.portrait = self.height > self.width
        self.unit = min(self.width, self.height) / 100
        self.margin = round(3 * self.unit)
        self.hotspots: list[Hotspot] = []

    # -- building blocks ------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def px(self, share: float) -> int:
        return max(8, round(share * self.unit))

    def area(self, top: float, bottom: float) -> pygame.Rect:
        """A full-width band from ``top`` to ``bottom`` (shares of the height)."""
        y0, y1 = round(top * self.height), round(bottom * self.height)
        return pygame.Rect(self.margin, y0, self.width - 2 * self.margin, y1 - y0)

    def paragraph(
        self,
        words: str,
        rect: pygame.Rect,
        size: int,
        bold: bool = False,
        colour: tuple[int, int, int] = TEXT,
    ) -> None:
        """Centred text, wrapped and shrunk until it fits ``rect``."""
        while True:
            face = font(size, bold)
            lines = _wrap(words, face, rect.width)
            height = len(lines) * face.get_linesize()
            widest = max(face.size(line)[0] for line in lines)
            if (height <= rect.height and widest <= rect.width) or size <= 10:
                break
            size = round(size * 0.9)
        y = rect.centery - height // 2
        for line in lines:
            image = face.render(line, True, colour)
            self.surface.blit(image, image.get_rect(midtop=(rect.centerx, y)))
            y += face.get_linesize()

    def label(
        self,
        words: str,
        size: int,
        colour: tuple[int, int, int] = TEXT,
        bold: bool = False,
        width: int | None = None,
        **where: object,
    ) -> pygame.Rect:
        """One line of text; shrunk to ``width`` pixels when given."""
        while width is not None and size > 8 and font(size, bold).size(words)[0] > width:
            size -= 1
        image = font(size, bold).render(words, True, colour)
        rect = image.get_rect(**where)
        self.surface.blit(image, rect)
        return rect

    def button(
        self, rect: pygame.Rect, words: str, action: Action, size: int, badge: str = ""
    ) -> None:
        pygame.draw.rect(self.surface, PANEL, rect, border_radius=self.px(2))
        pygame.draw.rect(
            self.surface, MUTED, rect, width=max(2, self.px(0.4)), border_radius=self.px(2)
        )
        inner = rect.inflate(-2 * self.px(2), -self.px(1))
        if badge:
            radius = min(inner.height // 2, self.px(6))
            centre = (inner.left + radius, inner.centery)
            pygame.draw.circle(self.surface, TEXT, centre, radius)
            self.label(badge, round(radius * 1.3), INK, bold=True, center=centre)
            inner.left += 2 * radius + self.px(2)
            inner.width -= 2 * radius + self.px(2)
        self.paragraph(words, inner, size)
        self.hotspots.append(Hotspot(rect, action))

    def top_bar(self, left: str = "", right: tuple[str, Action] | None = None) -> None:
        """The progress or title on the left, one button (language, close) on the right."""
        bar = self.area(0.02, 0.13 if not self.portrait else 0.09)
        width = min(bar.width // 2, self.px(58 if self.portrait else 48))
        if right is not None:
            rect = pygame.Rect(bar.right - width, bar.top, width, bar.height)
            self.button(rect, right[0], right[1], self.px(4.5))
        if left:
            space = bar.width - width - self.px(3)
            self.label(left, self.px(5.5), MUTED, width=space, midleft=(bar.left, bar.centery))

    def language_bar(self, left: str = "") -> None:
        many = len(self.context.languages) > 1
        button = (self.t("kiosk.language_button"), ("languages", None))
        self.top_bar(left, button if many else None)

    # -- screens --------------------------------------------------------------

    def welcome(self) -> None:
        self.language_bar()
        self.paragraph(
            self.context.survey.welcome[self.lang], self.area(0.16, 0.42), self.px(11), bold=True
        )
        # One big target: the whole screen starts, the button shows where to touch.
        band = self.area(0.46, 0.74)
        width = min(band.width, self.px(130))
        button = pygame.Rect(band.centerx - width // 2, band.top, width, band.height)
        pygame.draw.rect(self.surface, PALETTE[5], button, border_radius=self.px(4))
        pygame.draw.rect(
            self.surface, TEXT, button, width=max(3, self.px(0.8)), border_radius=self.px(4)
        )
        self.paragraph(
            self.t("kiosk.start_button"),
            button.inflate(-self.px(6), -self.px(3)),
            self.px(8),
            bold=True,
        )
        if self.context.has_buttons:
            self.paragraph(
                self.t("kiosk.start_buttons"), self.area(0.78, 0.97), self.px(6), colour=MUTED
            )
        self.hotspots.append(Hotspot(self.surface.get_rect(), ("start", None)))

    def question(self, view: View) -> None:
        question = view.question
        assert question is not None
        self.language_bar(self.t("kiosk.progress", step=view.step, steps=view.steps))
        if question.kind == "choice":
            self.paragraph(question.text[self.lang], self.area(0.14, 0.32), self.px(8), bold=True)
            self.options(question.option_ids, [o.text[self.lang] for o in question.options])
        elif self.portrait:
            self.paragraph(question.text[self.lang], self.area(0.1, 0.27), self.px(9), bold=True)
            self.grade_rows(self.area(0.28, 0.98))
        else:
            self.paragraph(question.text[self.lang], self.area(0.14, 0.40), self.px(9), bold=True)
            self.grade_columns(self.area(0.43, 0.98))

    def grade_columns(self, band: pygame.Rect) -> None:
        gap = self.px(2)
        width = (band.width - 4 * gap) // 5
        for grade in range(1, 6):
            rect = pygame.Rect(
                band.left + (grade - 1) * (width + gap), band.top, width, band.height
            )
            pygame.draw.rect(self.surface, PANEL, rect, border_radius=self.px(3))
            radius = min(width * 0.42, rect.height * 0.3)
            centre = (rect.centerx, round(rect.top + self.px(2) + radius))
            _face(self.surface, centre, round(radius), grade)
            number = self.label(
                str(grade),
                self.px(10),
                bold=True,
                midtop=(rect.centerx, centre[1] + radius + self.px(1)),
            )
            if grade in (1, 5):
                words = self.t("kiosk.worst" if grade == 1 else "kiosk.best")
                below = pygame.Rect(
                    rect.left, number.bottom, rect.width, rect.bottom - number.bottom
                )
                self.paragraph(words, below.inflate(-self.px(1), 0), self.px(4.2), colour=MUTED)
            self.hotspots.append(Hotspot(rect, ("answer", grade)))

    def grade_rows(self, band: pygame.Rect) -> None:
        gap = self.px(2)
        height = (band.height - 4 * gap) // 5
        for grade in range(1, 6):
            rect = pygame.Rect(
                band.left, band.top + (grade - 1) * (height + gap), band.width, height
            )
            pygame.draw.rect(self.surface, PANEL, rect, border_radius=self.px(3))
            radius = round(height * 0.4)
            centre = (rect.left + self.px(3) + radius, rect.centery)
            _face(self.surface, centre, radius, grade)
            number = self.label(
                str(grade),
                self.px(11),
                bold=True,
                midleft=(centre[0] + radius + self.px(5), rect.centery),
            )
            if grade in (1, 5):
                words = self.t("kiosk.worst" if grade == 1 else "kiosk.best")
                self.label(
                    words, self.px(5.5), MUTED, midleft=(number.right + self.px(5), rect.centery)
                )
            self.hotspots.append(Hotspot(rect, ("answer", grade)))

    def options(self, ids: tuple[str, ...], words: list[str]) -> None:
        band = self.area(0.34, 0.98)
        gap = self.px(2.5)
        height = (band.height - (len(ids) - 1) * gap) // len(ids)
        for index, (option, label) in enumerate(zip(ids, words, strict=True)):
            rect = pygame.Rect(band.left, band.top + index * (height + gap), band.width, height)
            self.button(rect, label, ("answer", option), self.px(6), badge=str(index + 1))

    def language(self) -> None:
        self.paragraph(
            " / ".join(text("kiosk.choose_language", lang) for lang in self.context.languages),
            self.area(0.04, 0.2),
            self.px(7),
            bold=True,
        )
        band = self.area(0.24, 0.96)
        languages = self.context.languages
        gap = self.px(3)
        height = min(self.px(22), (band.height - (len(languages) - 1) * gap) // len(languages))
        for index, lang in enumerate(languages):
            rect = pygame.Rect(band.left, band.top + index * (height + gap), band.width, height)
            self.button(
                rect,
                text("language.name", lang),
                ("language", lang),
                self.px(8),
                badge=str(index + 1),
            )

    def thanks(self) -> None:
        self.paragraph(self.t("kiosk.thanks"), self.area(0.2, 0.6), self.px(13), bold=True)
        self.paragraph(self.t("kiosk.thanks_more"), self.area(0.62, 0.85), self.px(7), colour=MUTED)

    def closed(self) -> None:
        self.paragraph(self.t("kiosk.closed"), self.area(0.15, 0.5), self.px(12), bold=True)
        opening = self.context.next_opening()
        if opening is None:
            words = self.t("kiosk.closed_for_now")
        else:
            days = (opening.date() - self.context.now().astimezone(opening.tzinfo).date()).days
            day = {0: "days.today", 1: "days.tomorrow"}.get(days, f"days.{opening.weekday()}")
            words = self.t("kiosk.opens", day=self.t(day), time=opening.strftime("%H:%M"))
        self.paragraph(words, self.area(0.55, 0.85), self.px(7), colour=MUTED)

    def out_of_order(self, reason: str) -> None:
        self.paragraph(
            self.t("kiosk.out_of_order"),
            self.area(0.12, 0.4),
            self.px(12),
            bold=True,
            colour=WARNING,
        )
        self.paragraph(self.t("kiosk.out_of_order_more"), self.area(0.42, 0.7), self.px(6.5))
        self.paragraph(reason, self.area(0.74, 0.97), self.px(3.5), colour=MUTED)

    def pin(self, view: View) -> None:
        self.top_bar(self.t("kiosk.pin_title"), (self.t("kiosk.close"), ("close", None)))
        status = self.t("kiosk.pin_wrong") if view.pin_error else "● " * view.pin_digits
        self.paragraph(
            status.strip() or " ",
            self.area(0.15, 0.27),
            self.px(7),
            colour=WARNING if view.pin_error else TEXT,
        )
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "erase", "0", "ok"]
        pad = self.area(0.3, 0.98)
        side = min(pad.width // 3, pad.height // 4)
        wide = min(pad.width // 3, side * 8 // 5)
        left = pad.centerx - 3 * wide // 2
        for index, key in enumerate(keys):
            rect = pygame.Rect(
                left + (index % 3) * wide, pad.top + (index // 3) * side, wide, side
            ).inflate(-self.px(1.5), -self.px(1.5))
            words = self.t(f"kiosk.{key}") if key in ("erase", "ok") else key
            action: Action = ("pin", key) if key.isdigit() else (f"pin_{key}", None)
            self.button(rect, words, action, self.px(8) if key.isdigit() else self.px(4.5))

    def staff(self, summary: StaffSummary) -> None:
        self.top_bar(self.t("staff.title"), (self.t("kiosk.close"), ("close", None)))
        table = self.area(0.12 if self.portrait else 0.15, 0.78)
        if summary.error:
            reason = self.t("staff.unavailable", reason=summary.error)
            self.paragraph(reason, table, self.px(4), colour=WARNING)
        else:
            self.staff_table(summary, table)
        self.staff_footer(summary, self.area(0.8, 0.99))

    def staff_table(self, summary: StaffSummary, table: pygame.Rect) -> None:
        """A column per period; a row per question, its name to the left (landscape) or above."""
        questions = self.context.survey.questions
        name_width = 0 if self.portrait else table.width // 4
        width = (table.width - name_width) // len(PERIODS)
        size = self.px(3.6)
        heading = font(size, bold=True).get_linesize()
        for column, period in enumerate(PERIODS):
            where = (table.left + name_width + column * width, table.top)
            self.label(
                self.t(f"staff.{period}"), size, MUTED, True, width - self.px(2), topleft=where
            )
        row = (table.height - heading) // len(questions)
        for index, question in enumerate(questions):
            top = table.top + heading + index * row
            if self.portrait:
                name = question.text[self.lang]
                self.label(name, size, TEXT, True, table.width, topleft=(table.left, top))
                cells_top, cells_height = top + heading, row - heading
            else:
                box = pygame.Rect(table.left, top, name_width - self.px(2), row)
                self.paragraph(question.text[self.lang], box, self.px(3.4), bold=True)
                cells_top, cells_height = top, row
            for column, period in enumerate(PERIODS):
                left = table.left + name_width + column * width
                cell = pygame.Rect(left, cells_top, width - self.px(2), cells_height)
                figures = summary.figures.get(period, {}).get(question.id)
                self.staff_cell(cell, figures, question.target)

    def staff_cell(self, cell: pygame.Rect, figures: Figures | None, target: float | None) -> None:
        """Two lines: the share (see the legend) and its verdict; a bar of grades, index and n."""
        size = max(8, min(self.px(3.6), cell.height // 2 - 3))
        if figures is None or figures["suppressed"]:
            few = text("figures.too_few_answers", self.lang)
            self.label(few, size, MUTED, width=cell.width, topleft=cell.topleft)
            return
        key = "resolved_share" if "resolved_share" in figures else "satisfied_share"
        first = [format_percent(figures[key], self.lang)]
        if target is not None:
            mark = "✓" if figures["target_met"] else "✗"
            goal = self.t("staff.target", target=format_percent(target, self.lang, 0))
            first.append(mark if self.portrait else f"{mark} {goal}")
        self.label(" ".join(first), size, TEXT, True, cell.width, topleft=cell.topleft)
        line = font(size).get_linesize()
        bar = pygame.Rect(cell.left, cell.top + line + 1, cell.width * 2 // 5, max(6, line - 6))
        _distribution(self.surface, bar, figures["percent"])
        rest = [self.t("staff.cell_n", n=figures["n"])]
        if "index" in figures and not self.portrait:
            rest.insert(0, self.t("staff.index", index=format_number(figures["index"], self.lang)))
        after = cell.right - bar.right - self.px(1)
        where = (bar.right + self.px(1), bar.centery)
        self.label(" · ".join(rest), size, MUTED, width=after, midleft=where)

    def staff_footer(self, summary: StaffSummary, rect: pygame.Rect) -> None:
        when = (
            summary.last_ack.astimezone().strftime("%Y-%m-%d %H:%M") if summary.last_ack else None
        )
        connection = self.t("connection." + summary.connection)
        lines = [
            self.t("staff.legend"),
            self.t("staff.backlog", n=summary.backlog),
            self.t("staff.last_ack", at=when or self.t("staff.never")),
            self.t("staff.connection", state=connection),
            self.t("staff.flagged", n=summary.flagged),
            self.t("staff.device", device=self.context.device, site=self.context.site,
                   address=summary.address),
            self.t("staff.closes", seconds=round(self.context.staff_timeout)),
        ]  # fmt: skip
        if not self.portrait:
            lines = [lines[0], f"{lines[1]} · {lines[2]}", f"{lines[3]} · {lines[4]}", lines[5]]
        size = min(self.px(3.4), rect.height // len(lines) - 2)
        step = font(size).get_linesize()
        for index, line in enumerate(lines):
            where = (rect.left, rect.top + index * step)
            self.label(line, size, MUTED, width=rect.width, topleft=where)


def _wrap(words: str, face: pygame.font.Font, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words.split():
        candidate = f"{current} {word}".strip()
        if current and face.size(candidate)[0] > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines or [""]


def _face(surface: pygame.Surface, centre: tuple[int, int], radius: int, grade: int) -> None:
    """A face from a deep frown (1) to a broad smile (5), in the grade's colour."""
    x, y = centre
    pygame.draw.circle(surface, PALETTE[grade], centre, radius)
    pygame.draw.circle(surface, INK, centre, radius, width=max(2, radius // 14))
    eye = max(2, radius // 8)
    for side in (-1, 1):
        pygame.draw.circle(surface, INK, (x + side * radius * 0.35, y - radius * 0.25), eye)
    curve = (grade - 3) / 2  # -1 frown .. +1 smile
    half = radius * 0.5
    points = []
    for step in range(21):
        dx = -half + step * half / 10
        dy = curve * radius * 0.28 * (1 - (dx / half) ** 2)
        points.append((x + dx, y + radius * 0.38 - curve * radius * 0.1 + dy))
    pygame.draw.lines(surface, INK, False, points, max(3, radius // 9))


def _distribution(surface: pygame.Surface, rect: pygame.Rect, percent: dict[str, float]) -> None:
    """A stacked bar of the shares of each grade (or option) in order, with dividers."""
    colours = [
        PALETTE[int(key)] if key.isdigit() else OPTION_COLOURS[i % 3]
        for i, key in enumerate(percent)
    ]
    left = rect.left
    for colour, share in zip(colours, percent.values(), strict=True):
        width = round(rect.width * share / 100)
        if width:
            segment = pygame.Rect(left, rect.top, width, rect.height)
            pygame.draw.rect(surface, colour, segment)
            pygame.draw.line(surface, INK, segment.topright, segment.bottomright, 2)
            left += width
    pygame.draw.rect(surface, MUTED, rect, width=1)
