"""What the screens are built from: a canvas with its sizes, text that fits, buttons, bars.

Every length is a share of the canvas's *unit*, a hundredth of the screen's
shorter side, so the official 7" display (800×480), 1024×600, 1280×720,
1920×1080 and portrait 480×800 all get the same screen.  Text sizes are shares
too, scaled by the theme (:meth:`Canvas.text_px`); text is wrapped and shrunk
to the room it is given, never cut off.  Widgets know nothing of surveys or
languages: the screens hand them the words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from nojd.kiosk.theme import SMALLEST_FONT, STANDARD, Colour, Theme

#: What a touch does: a name and its argument, handled by the app (``Kiosk._act``).
Action = tuple[str, object]
Point = tuple[float, float]
#: A key of a keypad: its words, what a touch does, its text size in pixels.
Key = tuple[str, Action, int]
#: A paragraph is shrunk down to this size and no further, to stay legible.
SMALLEST_PARAGRAPH = 10


@dataclass(frozen=True)
class Hotspot:
    """A touch target: where it is and what a tap on it does."""

    rect: pygame.Rect
    action: Action


class Canvas:
    """A surface to draw on, with its theme, its sizes and the touch targets drawn so far."""

    def __init__(self, surface: pygame.Surface, theme: Theme = STANDARD) -> None:
        self.surface = surface
        self.theme = theme
        self.width, self.height = surface.get_size()
        self.portrait = self.height > self.width
        self.unit = min(self.width, self.height) / 100
        self.margin = round(3 * self.unit)
        #: In drawing order; the app takes the first that contains a touch.
        self.hotspots: list[Hotspot] = []

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


def wrap(words: str, font: pygame.font.Font, width: int) -> list[str]:
    """``words`` in lines no wider than ``width`` pixels, unless one word alone is wider."""
    lines: list[str] = []
    current = ""
    for word in words.split():
        candidate = f"{current} {word}".strip()
        if current and font.size(candidate)[0] > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines or [""]


def paragraph(
    canvas: Canvas,
    words: str,
    rect: pygame.Rect,
    size: int,
    *,
    bold: bool = False,
    colour: Colour | None = None,
) -> None:
    """Centred text, wrapped and shrunk until it fits ``rect``."""
    while True:
        font = canvas.theme.font(size, bold)
        lines = wrap(words, font, rect.width)
        height = len(lines) * font.get_linesize()
        widest = max(font.size(line)[0] for line in lines)
        if (height <= rect.height and widest <= rect.width) or size <= SMALLEST_PARAGRAPH:
            break
        size = round(size * 0.9)
    y = rect.centery - height // 2
    for line in lines:
        image = font.render(line, True, colour or canvas.theme.text)
        canvas.surface.blit(image, image.get_rect(midtop=(rect.centerx, y)))
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
    font = canvas.theme.font
    while width is not None and size > SMALLEST_FONT and font(size, bold).size(words)[0] > width:
        size -= 1
    image = font(size, bold).render(words, True, colour or canvas.theme.text)
    rect = image.get_rect(**{anchor: at})
    canvas.surface.blit(image, rect)
    return rect


def button(
    canvas: Canvas, rect: pygame.Rect, words: str, action: Action, size: int, badge: str = ""
) -> None:
    """A framed panel with centred words, after a round ``badge`` if given; a touch target."""
    theme = canvas.theme
    corner = canvas.px(2)
    pygame.draw.rect(canvas.surface, theme.panel, rect, border_radius=corner)
    frame = max(2, canvas.px(0.4))
    pygame.draw.rect(canvas.surface, theme.muted, rect, width=frame, border_radius=corner)
    inner = rect.inflate(-2 * canvas.px(2), -canvas.px(1))
    if badge:
        radius = min(inner.height // 2, canvas.px(6))
        centre = (inner.left + radius, inner.centery)
        pygame.draw.circle(canvas.surface, theme.text, centre, radius)
        # The badge's number fills its circle, whatever the theme's text scale.
        label(canvas, badge, round(radius * 1.3), centre, "center", colour=theme.ink, bold=True)
        inner.left += 2 * radius + canvas.px(2)
        inner.width -= 2 * radius + canvas.px(2)
    paragraph(canvas, words, inner, size)
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
) -> None:
    """Buttons one above the other filling ``band``, numbered 1, 2, … like the grade buttons."""
    height = (band.height - (len(choices) - 1) * gap) // len(choices)
    if tallest is not None:
        height = min(tallest, height)
    for index, (words, action) in enumerate(choices):
        rect = pygame.Rect(band.left, band.top + index * (height + gap), band.width, height)
        button(canvas, rect, words, action, size, badge=str(index + 1))


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


def top_bar(canvas: Canvas, title: str = "", right: tuple[str, Action] | None = None) -> None:
    """A title (or the progress) on the left, one button (language, close) on the right."""
    bar = canvas.area(0.02, 0.13 if not canvas.portrait else 0.09)
    width = min(bar.width // 2, canvas.px(58 if canvas.portrait else 48))
    if right is not None:
        rect = pygame.Rect(bar.right - width, bar.top, width, bar.height)
        button(canvas, rect, right[0], right[1], canvas.text_px(4.5))
    if title:
        room = bar.width - width - canvas.px(3)
        at, muted = (bar.left, bar.centery), canvas.theme.muted
        label(canvas, title, canvas.text_px(5.5), at, "midleft", colour=muted, width=room)
