"""The kiosk's look: colours, fonts and how large text is, as one value.

Widgets take every colour and font from a :class:`Theme`, so a large-text or
high-contrast mode is another ``Theme`` (``replace(STANDARD, text_scale=1.5)``),
not another way of drawing.  Grades are told apart by face, number and position,
never by colour alone; the standard palette (Okabe–Ito) is safe for colour-blind
visitors.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path

import pygame

Colour = tuple[int, int, int]

#: DejaVu Sans: Latin, and Arabic (the Arabic letters and their joined forms).
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
#: No text is drawn smaller than this many pixels, whatever the screen.
SMALLEST_FONT = 8


@dataclass(frozen=True)
class Theme:
    """Colours, fonts and the text scale that every widget draws with."""

    background: Colour = (18, 30, 56)
    panel: Colour = (38, 56, 94)
    text: Colour = (255, 255, 255)
    muted: Colour = (196, 206, 226)
    #: Lines on light fills: faces, badges, the dividers of a bar.
    ink: Colour = (20, 20, 20)
    warning: Colour = (255, 196, 120)
    #: The one thing to touch on a screen (the welcome screen's start).
    accent: Colour = (0, 114, 178)
    #: Grades 1 to 5.
    grades: tuple[Colour, ...] = (
        (213, 94, 0),
        (230, 159, 0),
        (240, 228, 66),
        (86, 180, 233),
        (0, 114, 178),
    )
    #: Options of a choice question, in order (the shipped survey: answered, referred,
    #: unanswered); a survey with more options repeats them.
    options: tuple[Colour, ...] = ((0, 114, 178), (86, 180, 233), (213, 94, 0))
    regular_font: Path = FONT_DIR / "DejaVuSans.ttf"
    bold_font: Path = FONT_DIR / "DejaVuSans-Bold.ttf"
    #: Every text size is multiplied by this; layout sizes are not.
    text_scale: float = 1.0

    def grade(self, grade: int) -> Colour:
        """The colour of grade 1..5."""
        return self.grades[grade - 1]

    def font(self, size: int, bold: bool = False, rtl: bool = False) -> pygame.font.Font:
        """The theme's font at ``size`` pixels (at least :data:`SMALLEST_FONT`); with ``rtl``,
        set to shape Arabic right to left (HarfBuzz, through SDL_ttf)."""
        path = self.bold_font if bold else self.regular_font
        return _load(path, max(SMALLEST_FONT, size), rtl)


STANDARD = Theme()
#: Text a third larger; every screen gives its words the room first, its faces after.
LARGE_TEXT_SCALE = 1.35
#: White and yellow on black: text at least 15:1, frames and labels as bright as text.
HIGH_CONTRAST = Theme(
    background=(0, 0, 0),
    panel=(0, 0, 0),
    text=(255, 255, 255),
    muted=(255, 255, 0),
    ink=(0, 0, 0),
    warning=(255, 255, 0),
    accent=(0, 51, 153),
    options=((86, 180, 233), (240, 228, 66), (230, 159, 0)),
)


def theme_for(large_text: bool, high_contrast: bool) -> Theme:
    """The theme of a visitor's modes: larger text, high contrast, both or neither."""
    theme = HIGH_CONTRAST if high_contrast else STANDARD
    return replace(theme, text_scale=LARGE_TEXT_SCALE) if large_text else theme


#: Grade colours by grade, as the standard theme draws them.
PALETTE = dict(enumerate(STANDARD.grades, start=1))


@functools.cache
def _load(path: Path, size: int, rtl: bool = False) -> pygame.font.Font:
    # pygame's own font stands in when the font package (Debian's fonts-dejavu-core) is missing.
    font = pygame.font.Font(str(path) if path.exists() else None, size)
    if rtl:
        font.set_script("Arab")
        font.set_direction(pygame.DIRECTION_RTL)
    return font
