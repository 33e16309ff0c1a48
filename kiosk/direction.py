"""Text in both directions: Arabic right to left and shaped, with numbers and Latin words
inside it left to right, and an Arabic name inside a left-to-right screen.

Shaping (the joined forms of Arabic letters) is HarfBuzz's, through SDL_ttf: a font set
to the Arabic script and right-to-left direction (:meth:`Theme.font` with ``rtl``).
SDL_ttf does not reorder mixed text, so this module splits a line into *runs* of one
direction and puts them in the order they are seen. It is not the whole Unicode
bidirectional algorithm (UAX #9): it knows strong left-to-right letters, strong
right-to-left letters, numbers and everything else (neutral), which is what the
terminal's texts hold: sentences in one script with numbers, times and a Latin word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import pygame

#: Colour of text, as pygame takes it.
Colour = tuple[int, int, int]
#: A font for a run: right to left (shaped as Arabic) or left to right.
FontFor = Callable[[bool], pygame.font.Font]

_KINDS = {"L": "L", "EN": "N", "AN": "N", "R": "R", "AL": "R"}


def runs(words: str, rtl: bool) -> list[tuple[str, bool]]:
    """``words`` cut into runs of one direction, in the order they are drawn from the left;
    each with whether it runs right to left. In a right-to-left line, Latin words and
    numbers (with what lies between two of them, like the colon of 08:00) run left to
    right; in a left-to-right line, Arabic words (with what lies between them) run right
    to left; everything else follows the line."""
    kinds = "".join(_KINDS.get(unicodedata.bidirectional(c), "X") for c in words)
    against = re.compile(r"[LN](?:X*[LN])*" if rtl else r"R(?:[XN]*R)*")
    found: list[tuple[str, bool]] = []
    start = 0
    for match in against.finditer(kinds):
        if match.start() > start:
            found.append((words[start : match.start()], rtl))
        found.append((words[match.start() : match.end()], not rtl))
        start = match.end()
    if start < len(words) or not found:
        found.append((words[start:], rtl))
    return found[::-1] if rtl else found


def reads_rtl(words: str, otherwise: bool) -> bool:
    """Whether ``words`` read right to left: as their first letter that has a direction
    reads (Arabic, or Latin), else ``otherwise`` (the screen's direction)."""
    for c in words:
        kind = unicodedata.bidirectional(c)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return otherwise


def has_rtl(words: str) -> bool:
    """Whether ``words`` hold a right-to-left letter."""
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in words)


def width(font_for: FontFor, words: str, rtl: bool) -> int:
    """How wide ``words`` are drawn, in pixels."""
    return sum(font_for(backwards).size(part)[0] for part, backwards in runs(words, rtl) if part)


def render(font_for: FontFor, words: str, rtl: bool, colour: Colour) -> pygame.Surface:
    """``words`` drawn in ``colour`` on a transparent surface, each run in its direction."""
    parts = [
        font_for(backwards).render(part, True, colour)
        for part, backwards in runs(words, rtl)
        if part
    ]
    if len(parts) == 1:
        return parts[0]
    height = max((part.get_height() for part in parts), default=font_for(rtl).get_linesize())
    image = pygame.Surface((max(1, sum(part.get_width() for part in parts)), height),
                           pygame.SRCALPHA)  # fmt: skip
    left = 0
    for part in parts:
        image.blit(part, (left, 0))
        left += part.get_width()
    return image
