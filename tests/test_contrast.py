"""Contrast measured on the rendered screens, in every mode a visitor can choose.

Each line of text and each face the screens draw is found on the picture, and its
colours are read from the pixels there, not from the theme: the background is the most
common colour, and the text (or a face's features) the colour that stands out most from
it among those that cover a real part of the glyphs. Text must reach 4.5:1, a face's
features 3:1 against its fill (WCAG 2.1 1.4.3 and 1.4.11, EN 301 549 clause 11).
The staff summary's text is at least 18 px on the official 7" display.
"""

from collections import Counter
from dataclasses import replace

import pygame
import pytest

from nojd.kiosk import screens
from nojd.kiosk.session import STAFF_TABS, Screen, View
from nojd.kiosk.staff import StaffSummary

TEXT = 4.5
GRAPHICS = 3.0
MODES = {
    "standard": (),
    "large": ("large_text",),
    "contrast": ("high_contrast",),
    "large-contrast": ("large_text", "high_contrast"),
}


def luminance(colour):
    def channel(value):
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a, b):
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def colours(surface, rect, inside=None):
    """The colours of the pixels of ``rect`` (only those ``inside(x, y)`` if given)."""
    rect = rect.clip(surface.get_rect())
    if rect.width == 0 or rect.height == 0:
        return Counter()
    data = pygame.image.tobytes(surface.subsurface(rect), "RGB")
    counted: Counter[tuple[int, ...]] = Counter()
    for index in range(0, len(data), 3):
        pixel = index // 3
        if inside is None or inside(rect.left + pixel % rect.width, rect.top + pixel // rect.width):
            counted[tuple(data[index : index + 3])] += 1
    return counted


def measured(counted):
    """(background, foreground, ratio): the foreground is the colour furthest from the
    background among those covering at least 3 % of the pixels that are not background."""
    background, _ = counted.most_common(1)[0]
    rest = sum(n for colour, n in counted.items() if colour != background)
    candidates = [c for c, n in counted.items() if c != background and n >= 0.03 * rest]
    if not candidates:
        return background, background, 1.0
    foreground = max(candidates, key=lambda c: ratio(c, background))
    return background, foreground, ratio(foreground, background)


def check(kiosk, where, failures):
    surface = kiosk.kiosk.surface
    marks = kiosk.kiosk.marks
    assert marks, f"nothing drawn on {where}"
    for mark in marks:
        if mark.kind == "text" and mark.words.strip():
            background, foreground, found = measured(colours(surface, mark.rect))
            if found < TEXT:
                failures.append(f"{where}: {mark.words!r} at {mark.rect} {foreground} on "
                                f"{background}: {found:.2f}")  # fmt: skip
        elif mark.kind == "face":
            centre, radius = mark.rect.center, mark.rect.width / 2

            def inside(x, y, centre=centre, radius=radius):
                return (x - centre[0]) ** 2 + (y - centre[1]) ** 2 < (0.85 * radius) ** 2

            fill, features, found = measured(colours(surface, mark.rect, inside))
            if found < GRAPHICS:
                failures.append(f"{where}: face at {mark.rect} {features} on {fill}: {found:.2f}")


def redraw(kiosk, view):
    """Draw ``view`` on the kiosk's screen as the kiosk would (for screens a visit in a mode
    reaches only by a fault or the clock)."""
    drawn = screens.draw(kiosk.kiosk.surface, view, kiosk.kiosk._context(), StaffSummary())
    kiosk.kiosk.marks = drawn.marks


@pytest.mark.parametrize("size", [(800, 480), (480, 800)], ids=["800x480", "480x800"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_every_visitor_screen_has_enough_contrast_on_its_pixels(rig, size, mode, lang):
    kiosk = rig(size=size, languages=("sv", "en", "ar"))
    failures: list[str] = []
    for name in MODES[mode]:
        kiosk.tap_action(name)
    assert all(getattr(kiosk.view, name) for name in MODES[mode])
    kiosk.tap_action("languages")
    kiosk.tap_action("language", lang)
    check(kiosk, "welcome", failures)
    kiosk.tap_action("languages")
    check(kiosk, "language", failures)
    kiosk.tap_action("language", lang)
    kiosk.tap_action("start")
    kiosk.wait(kiosk.kiosk.config.session.inactivity_timeout - 5)
    assert kiosk.view.more_time
    check(kiosk, "more time", failures)
    kiosk.tap_action("more_time")
    while kiosk.screen is Screen.QUESTION:
        check(kiosk, kiosk.view.question.id, failures)
        answer = 4 if kiosk.view.question.kind == "rating" else kiosk.view.question.option_ids[0]
        kiosk.tap_action("answer", answer)
    assert kiosk.screen is Screen.THANKS
    check(kiosk, "thanks", failures)
    for screen in (Screen.CLOSED, Screen.OUT_OF_ORDER):
        redraw(kiosk, replace(kiosk.view, screen=screen))
        check(kiosk, screen.value, failures)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("size", [(800, 480), (480, 800)], ids=["800x480", "480x800"])
def test_the_staff_screens_have_enough_contrast_and_text_of_18_px(rig, size):
    kiosk = rig(size=size)
    kiosk.press(1, 4, 5, 3, 4)  # start, then four grades
    kiosk.tap_action("answer", "answered")
    failures: list[str] = []
    kiosk.key(pygame.K_F12)
    check(kiosk, "pin", failures)
    for digit in "2468":
        kiosk.tap_action("pin", digit)
    kiosk.tap_action("pin_ok")
    assert kiosk.screen is Screen.STAFF
    small = []
    for tab in STAFF_TABS:
        kiosk.tap_action("tab", tab)
        assert kiosk.view.tab == tab
        check(kiosk, f"staff {tab}", failures)
        small += [(tab, m.rect, m.size) for m in kiosk.kiosk.marks if m.kind == "text"
                  and m.size < 18]  # fmt: skip
    assert not failures, "\n".join(failures)
    if size == (800, 480):
        assert not small, small


def test_the_measure_fails_grey_on_grey_and_passes_white_on_black():
    """The measure itself: low-contrast text is caught, high-contrast text is not."""
    pygame.font.init()
    surface = pygame.Surface((200, 60))
    for paper, ink, low in (
        ((120, 120, 120), (150, 150, 150), True),
        ((0, 0, 0), (255,) * 3, False),
    ):
        surface.fill(paper)
        image = pygame.font.Font(None, 30).render("Mycket bra", True, ink)
        surface.blit(image, (10, 10))
        found = measured(colours(surface, image.get_rect(topleft=(10, 10))))[2]
        assert (found < TEXT) is low, found


def test_a_view_in_a_mode_is_drawn_in_that_mode(rig):
    kiosk = rig()
    plain = kiosk.kiosk.surface.get_at((2, 2))
    redraw(kiosk, View(Screen.WELCOME, "sv", high_contrast=True))
    assert kiosk.kiosk.surface.get_at((2, 2)) != plain
