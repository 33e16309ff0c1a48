"""What the screens are built from: a canvas with its sizes, text that fits, buttons, bars.

Every length is a share of the canvas's *unit*, a hundredth of the screen's
shorter side, so the official 7" display (800×480), 1024×600, 1280×720,
1920×1080 and portrait 480×800 all get the same screen.  Text sizes are shares
too, scaled by the theme (:meth:`Canvas.text_px`); text is wrapped and shrunk
to the room it is given, never cut off.  Widgets know nothing of surveys or
languages: the screens hand them the words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pygame

from nojd.kiosk import direction
from nojd.kiosk.direction import FontFor, has_rtl, reads_rtl
from nojd.kiosk.theme import SMALLEST_FONT, STANDARD, Colour, Theme

#: What a touch does: a name and its argument, handled by the app (``Kiosk._act``).
Action = tuple[str, object]
Point = tuple[float, float]
#: A key of a keypad: its words, what a touch does, its text size in pixels.
Key = tuple[str, Action, int]
#: A paragraph is shrunk down to this size and no further, to stay legible.
SMALLEST_PARAGRAPH = 10


@dataclass(frozen=True)
class Mark:
    """Something drawn that must stand out from what is under it: a line of text (its font
    size in pixels) or a face (size 0). Kept so that tests measure contrast on the pixels."""

    kind: str
    rect: pygame.Rect
    size: int = 0
    words: str = ""


@dataclass(frozen=True)
class Hotspot:
    """A touch target: where it is and what a tap on it does."""

    rect: pygame.Rect
    action: Action


class Canvas:
    """A surface to draw on, with its theme, its sizes and the touch targets drawn so far."""

    def __init__(self, surface: pygame.Surface, theme: Theme = STANDARD, rtl: bool = False) -> None:
        self.surface = surface
        self.theme = theme
        #: The screen reads right to left: its text, and the layout where reading order
        #: matters, are mirrored (never the grades: 1 is always leftmost).
        self.rtl = rtl
        self.width, self.height = surface.get_size()
        self.portrait = self.height > self.width
        self.unit = min(self.width, self.height) / 100
        self.margin = round(3 * self.unit)
        #: In drawing order; the app takes the first that contains a touch.
        self.hotspots: list[Hotspot] = []
        #: Every line of text and every face drawn, in drawing order.
        self.marks: list[Mark] = []

    def px(self, share: float) -> int:
        """A length of ``share`` units, in pixels (at least 8)."""
        return max(8, round(share * self.unit))

    def text_px(self, share: float) -> int:
        """A text size of ``share`` units, times the theme's text scale, in pixels."""
        return max(SMALLEST_FONT, round(share * self.unit * self.theme.text_scale))

    def area(self, top: float, bottom: float) -> pygame.Rect:
        """A band within the margins from ``top`` to ``bottom`` (shares of the height)."""
        y0, y1 = round(top * self.height), round(bottom * self.height)
        return pygame.Rect(self.margin, y0, self.width - 2 * self.margin, y1 - y0)

    def target(self, rect: pygame.Rect, action: Action) -> None:
        """Make ``rect`` a touch target that does ``action``."""
        self.hotspots.append(Hotspot(rect, action))

    def mirrored(self, rect: pygame.Rect) -> pygame.Rect:
        """``rect`` where it lies on a right-to-left screen: reflected about the middle."""
        if not self.rtl:
            return rect
        return pygame.Rect(self.width - rect.right, rect.top, rect.width, rect.height)

    def measure(self, words: str, size: int, bold: bool = False, rtl: bool | None = None) -> int:
        """How wide ``words`` are drawn at ``size`` pixels (in a line that reads right to
        left if ``rtl``; by default as :func:`~nojd.kiosk.direction.reads_rtl` finds)."""
        rtl = reads_rtl(words, self.rtl) if rtl is None else rtl
        if not rtl and not has_rtl(words):
            return int(self.theme.font(size, bold).size(words)[0])
        return direction.width(self._fonts(size, bold), words, rtl)

    def write(
        self, words: str, size: int, bold: bool, colour: Colour, rtl: bool | None = None
    ) -> tuple[pygame.Surface, int]:
        """``words`` drawn at ``size`` pixels, each run in its own direction; and how far
        the picture reaches above the line (an Arabic mark over a tall letter does)."""
        rtl = reads_rtl(words, self.rtl) if rtl is None else rtl
        if not rtl and not has_rtl(words):
            image = self.theme.font(size, bold).render(words, True, colour)
        else:
            image = direction.render(self._fonts(size, bold), words, rtl, colour)
        return image, max(0, image.get_height() - self.theme.font(size, bold).get_height())

    def _fonts(self, size: int, bold: bool) -> FontFor:
        return lambda rtl: self.theme.font(size, bold, rtl)


def wrap(words: str, measure: Callable[[str], int], width: int) -> list[str]:
    """``words`` in lines no wider than ``width`` pixels (as ``measure`` finds them), unless
    one word alone is wider; the lines in reading order."""
    lines: list[str] = []
    current = ""
    # a no-break space keeps words together; a word too wide breaks after its hyphens
    pieces = [(part, joined) for word in words.split(" ") for part, joined in _hyphenated(word)]
    for piece, joined in pieces:
        candidate = f"{current}{piece}" if joined else f"{current} {piece}".strip()
        if current and measure(candidate) > width:
            lines.append(current)
            current = piece
        else:
            current = candidate
    return [*lines, current] if current else lines or [""]


def _hyphenated(word: str) -> list[tuple[str, bool]]:
    """``word`` in the pieces a line may end after (each ending in its hyphen), each with
    whether it joins the piece before it without a space."""
    parts = re.split(r"(?<=\w-)(?=\w)", word)
    return [(part, index > 0) for index, part in enumerate(parts)]


def paragraph(
    canvas: Canvas,
    words: str,
    rect: pygame.Rect,
    size: int,
    *,
    bold: bool = False,
    colour: Colour | None = None,
    align: str = "center",
) -> None:
    """Text wrapped and shrunk until it fits ``rect``, its lines centred (or, with ``align``
    ``"start"``, flush with where reading starts: left, or right on a right-to-left
    screen), the block centred in height."""
    while True:
        font = canvas.theme.font(size, bold)
        measure = functools.partial(canvas.measure, size=size, bold=bold,
                                    rtl=reads_rtl(words, canvas.rtl))  # fmt: skip
        lines = wrap(words, measure, rect.width)
        height = len(lines) * font.get_linesize()
        widest = max(measure(line) for line in lines)
        if (height <= rect.height and widest <= rect.width) or size <= SMALLEST_PARAGRAPH:
            break
        size = round(size * 0.9)
    y = rect.centery - height // 2
    rtl = reads_rtl(words, canvas.rtl)  # one direction for all the paragraph's lines
    for line in lines:
        image, above = canvas.write(line, size, bold, colour or canvas.theme.text, rtl)
        at = image.get_rect(midtop=(rect.centerx, y - above))
        if align == "start":
            if canvas.rtl:
                at.right = rect.right
            else:
                at.left = rect.left
        canvas.surface.blit(image, at)
        canvas.marks.append(Mark("text", at, size, line))
        y += font.get_linesize()


def label(
    canvas: Canvas,
    words: str,
    size: int,
    at: Point,
    anchor: str = "topleft",
    *,
    colour: Colour | None = None,
    bold: bool = False,
    width: int | None = None,
) -> pygame.Rect:
    """One line of text, its ``anchor`` (a point of a pygame Rect, like ``"midleft"``) at
    ``at``; shrunk to ``width`` pixels when given.  Returns where it was drawn."""
    while width is not None and size > SMALLEST_FONT and canvas.measure(words, size, bold) > width:
        size -= 1
    image, above = canvas.write(words, size, bold, colour or canvas.theme.text)
    line = pygame.Rect(0, 0, image.get_width(), image.get_height() - above)
    setattr(line, anchor, at)
    rect = image.get_rect(topleft=(line.left, line.top - above))
    canvas.surface.blit(image, rect)
    canvas.marks.append(Mark("text", rect, size, words))
    return rect


def button(
    canvas: Canvas,
    rect: pygame.Rect,
    words: str,
    action: Action,
    size: int,
    badge: str = "",
    pressed: bool = False,
) -> None:
    """A framed panel with centred words, after a round ``badge`` if given; a touch target.
    A ``pressed`` button (a switch that is on) is filled and boldly framed."""
    theme = canvas.theme
    corner = canvas.px(2)
    fill, edge = (theme.accent, theme.text) if pressed else (theme.panel, theme.muted)
    pygame.draw.rect(canvas.surface, fill, rect, border_radius=corner)
    frame = max(3, canvas.px(0.8)) if pressed else max(2, canvas.px(0.4))
    pygame.draw.rect(canvas.surface, edge, rect, width=frame, border_radius=corner)
    inner = rect.inflate(-2 * canvas.px(2), -canvas.px(1))
    if badge:  # before the words: at the left, or the right on a right-to-left screen
        radius = min(inner.height // 2, canvas.px(6))
        x = inner.right - radius if canvas.rtl else inner.left + radius
        centre = (x, inner.centery)
        pygame.draw.circle(canvas.surface, theme.text, centre, radius)
        # The badge's number fills its circle, whatever the theme's text scale.
        label(canvas, badge, round(radius * 1.3), centre, "center", colour=theme.ink, bold=True)
        if not canvas.rtl:
            inner.left += 2 * radius + canvas.px(2)
        inner.width -= 2 * radius + canvas.px(2)
    paragraph(canvas, words, inner, size, bold=pressed)
    canvas.target(rect, action)


def call_to_action(canvas: Canvas, rect: pygame.Rect, words: str, size: int) -> None:
    """A filled, boldly framed box: the one thing to touch.  The screen sets its target."""
    theme = canvas.theme
    corner = canvas.px(4)
    pygame.draw.rect(canvas.surface, theme.accent, rect, border_radius=corner)
    frame = max(3, canvas.px(0.8))
    pygame.draw.rect(canvas.surface, theme.text, rect, width=frame, border_radius=corner)
    inner = rect.inflate(-canvas.px(6), -canvas.px(3))
    paragraph(canvas, words, inner, size, bold=True)


def button_stack(
    canvas: Canvas,
    band: pygame.Rect,
    choices: Sequence[tuple[str, Action]],
    size: int,
    gap: int,
    tallest: int | None = None,
    columns: int = 1,
) -> None:
    """Buttons one above the other filling ``band`` (in ``columns`` side by side, filled
    one after the other in reading order), numbered 1, 2, … like the grade buttons; only
    the first five, which have a grade button each, get their number."""
    rows = -(-len(choices) // columns)
    height = (band.height - (rows - 1) * gap) // rows
    width = (band.width - (columns - 1) * gap) // columns
    if tallest is not None:
        height = min(tallest, height)
    for index, (words, action) in enumerate(choices):
        column, row = divmod(index, rows)
        left = band.left + column * (width + gap)
        rect = canvas.mirrored(pygame.Rect(left, band.top + row * (height + gap), width, height))
        button(canvas, rect, words, action, size, badge=str(index + 1) if index < 5 else "")


def tabs(
    canvas: Canvas,
    bar: pygame.Rect,
    choices: Sequence[tuple[str, Action]],
    chosen: int,
    size: int,
    columns: int = 0,
) -> None:
    """Buttons in rows of ``columns`` (all in one row by default) filling ``bar``; the
    chosen one filled and boldly framed."""
    gap = canvas.px(1.5)
    columns = columns or len(choices)
    rows = -(-len(choices) // columns)
    width = (bar.width - (columns - 1) * gap) // columns
    height = (bar.height - (rows - 1) * gap) // rows
    for index, (words, action) in enumerate(choices):
        row, column = divmod(index, columns)
        left, top = bar.left + column * (width + gap), bar.top + row * (height + gap)
        rect = pygame.Rect(left, top, width, height)
        button(canvas, rect, words, action, size, pressed=index == chosen)


def keypad(canvas: Canvas, pad: pygame.Rect, keys: Sequence[Key]) -> None:
    """Keys three to a row, centred in ``pad``; at most 8/5 as wide as tall, so that they
    stay keys on a wide screen."""
    rows = -(-len(keys) // 3)
    side = min(pad.width // 3, pad.height // rows)
    wide = min(pad.width // 3, side * 8 // 5)
    left = pad.centerx - 3 * wide // 2
    for index, (words, action, size) in enumerate(keys):
        rect = pygame.Rect(
            left + (index % 3) * wide, pad.top + (index // 3) * side, wide, side
        ).inflate(-canvas.px(1.5), -canvas.px(1.5))
        button(canvas, rect, words, action, size)


def top_bar(
    canvas: Canvas, title: str = "", right: tuple[str, Action] | None = None, narrow: bool = False
) -> None:
    """A title (or the progress) where reading starts, one button (language, close) at the
    other end (mirrored on a right-to-left screen); a ``narrow`` button leaves the title
    more room."""
    bar = canvas.area(0.02, 0.13 if not canvas.portrait else 0.09)
    share = 30 if narrow else 58 if canvas.portrait else 48
    width = min(bar.width // 2, canvas.px(share * canvas.theme.text_scale))
    if right is not None:
        rect = canvas.mirrored(pygame.Rect(bar.right - width, bar.top, width, bar.height))
        button(canvas, rect, right[0], right[1], canvas.text_px(4.5))
    if title:
        room = bar.width - width - canvas.px(3)
        muted = canvas.theme.muted
        at, anchor = ((bar.right, bar.centery), "midright") if canvas.rtl else (
            (bar.left, bar.centery), "midleft")  # fmt: skip
        label(canvas, title, canvas.text_px(5.5), at, anchor, colour=muted, width=room)
