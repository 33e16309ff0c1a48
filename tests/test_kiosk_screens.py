"""Every screen at every supported size: touch targets on screen, large, apart; screenshots save.

The widgets the screens are built from: text fits the room it is given, a theme sets sizes
and colours.
"""

import itertools
from dataclasses import replace

import pygame
import pytest

from nojd.kiosk.config import DisplayConfig
from nojd.kiosk.grades import face, grade_columns, grade_rows
from nojd.kiosk.screens import SCREENS
from nojd.kiosk.screenshots import save_screenshots
from nojd.kiosk.session import Screen
from nojd.kiosk.theme import STANDARD
from nojd.kiosk.widgets import Canvas, Hotspot, button, button_stack, keypad, label, paragraph

#: Panels (width, height, display.rotate): the Touch Display (800x480), Touch Display 2
#: (720x1280, upright or lying down), HDMI monitors, and a 7" panel mounted upright.
PANELS = [
    (800, 480, 0), (1024, 600, 0), (1280, 720, 0), (1920, 1080, 0), (480, 800, 0),
    (720, 1280, 0), (720, 1280, 90), (720, 1280, 270), (800, 480, 90), (800, 480, 180),
]  # fmt: skip
#: About 9 mm on the official 7" display, the least a finger needs.
MIN_TARGET = 48


def check_targets(kiosk, kinds):
    bounds = kiosk.kiosk.surface.get_rect()
    targets = [h for h in kiosk.kiosk.hotspots if h.action[0] in kinds]
    assert targets, f"no {kinds} on {kiosk.screen}"
    for hotspot in targets:
        assert bounds.contains(hotspot.rect), hotspot
        assert min(hotspot.rect.size) >= MIN_TARGET, hotspot
    for a, b in itertools.combinations(targets, 2):
        assert not a.rect.colliderect(b.rect), (a, b)
    return targets


@pytest.mark.parametrize("panel", PANELS, ids=[f"{w}x{h}@{r}" for w, h, r in PANELS])
def test_every_screen_fits_at(rig, panel):
    width, height, rotate = panel
    kiosk = rig(size=(width, height), display=DisplayConfig(fullscreen=False, rotate=rotate))
    turned = rotate in (90, 270)
    assert kiosk.kiosk.surface.get_size() == ((height, width) if turned else (width, height))
    check_targets(kiosk, {"languages"})
    kiosk.tap_action("languages")
    assert len(check_targets(kiosk, {"language", "back"})) == 3
    kiosk.tap_action("language", "sv")
    kiosk.tap_action("start")
    assert len(check_targets(kiosk, {"answer", "languages", "back", "skip"})) == 8
    for grade in (5, 4, 3, 2):
        kiosk.tap_action("answer", grade)
    assert len(check_targets(kiosk, {"answer", "languages", "back", "skip"})) == 6
    kiosk.tap_action("answer", "answered")
    assert kiosk.screen is Screen.THANKS
    kiosk.wait(3)
    kiosk.key(pygame.K_F12)
    assert len(check_targets(kiosk, {"pin", "pin_ok", "pin_erase", "close"})) == 13
    kiosk.tap_action("close")
    assert kiosk.screen is Screen.WELCOME


def test_screenshots_of_every_screen(tmp_path, dummy_video):
    # Touch Display 2 lying down: a 720x1280 panel, its picture turned 90 degrees
    saved = save_screenshots(tmp_path, [(720, 1280, 90)], only=["sv", "en"])
    names = sorted(path.name for path in saved)
    screens = [
        "choice",
        "language",
        "more-time",
        "pin",
        "pin-wrong",
        "question",
        "staff",
        "staff-week",
        "staff-month",
        "staff-terminal",
        "thanks",
        "welcome",
        *(
            f"{screen}-{mode}"
            for screen in ("welcome", "question")
            for mode in ("large", "contrast", "large-contrast")
        ),
    ]
    expected = sorted(
        [f"1280x720-{lang}-{screen}.png" for lang in ("sv", "en") for screen in screens]
        + ["1280x720-sv-closed.png", "1280x720-sv-out-of-order.png"]
    )
    assert names == expected
    for path in saved:
        image = pygame.image.load(str(path))
        assert image.get_size() == (1280, 720)
        colours = {image.get_at((x, y))[:3] for x in range(0, 800, 20) for y in range(0, 480, 20)}
        assert len(colours) > 3, f"{path.name} looks empty"


def test_a_turned_panel_shows_the_visitor_the_same_picture_as_an_upright_one(tmp_path, dummy_video):
    [turned] = [p for p in save_screenshots(tmp_path / "turned", [(720, 1280, 270)])
                if p.name == "1280x720-sv-question.png"]  # fmt: skip
    [upright] = [p for p in save_screenshots(tmp_path / "upright", [(1280, 720, 0)])
                 if p.name == "1280x720-sv-question.png"]  # fmt: skip
    a, b = pygame.image.load(str(turned)), pygame.image.load(str(upright))
    assert a.get_size() == b.get_size() == (1280, 720)
    differing = sum(
        a.get_at((x, y)) != b.get_at((x, y)) for x in range(0, 1280, 7) for y in range(0, 720, 7)
    )
    assert differing == 0


# -- widgets -----------------------------------------------------------------------------

LARGE_TEXT = replace(STANDARD, text_scale=1.5)


@pytest.fixture
def fonts():
    pygame.font.init()


def blank(size=(800, 480), theme=STANDARD):
    surface = pygame.Surface(size)
    surface.fill(theme.background)
    return Canvas(surface, theme)


def inked(canvas):
    """The pixels that are not background."""
    mask = pygame.mask.from_threshold(canvas.surface, canvas.theme.background, (1, 1, 1, 255))
    mask.invert()
    return mask


def ink(canvas):
    """The smallest rectangle around everything drawn."""
    first, *rest = inked(canvas).get_bounding_rects()
    return first.unionall(rest)


def ink_lines(canvas):
    """How many bands of drawn rows there are, with empty rows between them."""
    mask = inked(canvas)
    width, height = mask.get_size()
    rows = [any(mask.get_at((x, y)) for x in range(width)) for y in range(height)]
    return sum(1 for y in range(height) if rows[y] and (y == 0 or not rows[y - 1]))


def draw_paragraph(canvas):
    paragraph(canvas, "Hur var väntetiden?", canvas.area(0.1, 0.9), canvas.text_px(6))


def draw_label(canvas):
    label(canvas, "Fråga 1 av 5", canvas.text_px(5.5), (canvas.margin, canvas.margin))


@pytest.mark.parametrize("widget", [draw_paragraph, draw_label])
def test_a_large_text_theme_draws_larger_text_in_the_same_layout(fonts, widget):
    standard, large = blank(), blank(theme=LARGE_TEXT)
    widget(standard)
    widget(large)
    assert large.area(0.1, 0.9) == standard.area(0.1, 0.9)
    assert large.px(10) == standard.px(10)
    assert large.text_px(6) == round(1.5 * 6 * standard.unit)
    assert ink(large).height >= 1.4 * ink(standard).height
    assert ink(large).width >= 1.4 * ink(standard).width


def test_text_too_long_for_its_box_is_wrapped_and_shrunk_not_cut_off(fonts):
    canvas = blank()
    box = pygame.Rect(300, 150, 200, 120)
    words = "Hur upplevde du servicen som helhet när du besökte kontaktcentret i dag?"
    paragraph(canvas, words, box, canvas.text_px(12))
    assert box.contains(ink(canvas)), (box, ink(canvas))
    assert ink_lines(canvas) >= 3
    assert ink(canvas).width > box.width // 2


def test_a_line_too_long_for_its_width_is_shrunk_to_it(fonts):
    canvas = blank()
    words = "Ej skickade svar: 3 · Senast bekräftat av servern: 2026-11-24 09:25"
    drawn = label(canvas, words, canvas.text_px(6), (10, 10), width=300)
    assert drawn.width <= 300
    assert 200 < ink(canvas).width <= 300


def test_a_button_keeps_large_text_inside_its_frame_and_is_a_target(fonts):
    canvas = blank(theme=replace(STANDARD, text_scale=2))
    rect = pygame.Rect(100, 100, 300, 120)
    words = "Jag fick hänvisning till någon annan"
    button(canvas, rect, words, ("answer", "referred"), canvas.text_px(8), badge="2")
    assert rect.contains(ink(canvas))
    assert canvas.hotspots == [Hotspot(rect, ("answer", "referred"))]


def test_faces_take_their_colours_from_the_theme(fonts):
    grades = ((250, 0, 0), (0, 250, 0), (0, 0, 250), (250, 250, 0), (0, 250, 250))
    canvas = blank(theme=replace(STANDARD, grades=grades))
    for grade in range(1, 6):
        centre = (100 * grade, 100)
        face(canvas, centre, 30, grade)
        cheek = (centre[0] - 20, centre[1])
        assert canvas.surface.get_at(cheek)[:3] == grades[grade - 1]


@pytest.mark.parametrize(
    ("size", "scale"),
    [((800, 480), grade_columns), ((480, 800), grade_rows)],
    ids=["columns", "rows"],
)
def test_the_grade_scale_runs_from_1_to_5_in_reading_order(fonts, size, scale):
    canvas = blank(size)
    band = canvas.area(0.4, 0.98)
    scale(canvas, band, {1: "Mycket dåligt", 5: "Mycket bra"})
    assert [h.action for h in canvas.hotspots] == [("answer", grade) for grade in range(1, 6)]
    rects = [h.rect for h in canvas.hotspots]
    assert all(band.contains(rect) for rect in rects)
    along = [rect.left for rect in rects] if scale is grade_columns else [r.top for r in rects]
    assert along == sorted(along)
    assert len(set(along)) == 5


@pytest.mark.parametrize(("size", "scale"), [((800, 480), grade_columns), ((480, 800), grade_rows)],
                         ids=["columns", "rows"])  # fmt: skip
def test_every_grade_is_labelled_in_its_own_target_at_18_px_or_more(fonts, size, scale):
    canvas = blank(size)
    labels = {1: "Inte alls", 2: "Till liten del", 3: "Varken bra eller dåligt", 4: "Till stor del",
              5: "Helt och hållet"}  # fmt: skip
    scale(canvas, canvas.area(0.34, 0.86), labels)
    targets = [h.rect for h in canvas.hotspots]
    for grade, words in labels.items():
        lines = [m for m in canvas.marks if m.words and m.words in words and m.words != str(grade)]
        assert " ".join(m.words for m in lines) == words
        assert all(targets[grade - 1].contains(m.rect) and m.size >= 18 for m in lines), lines


def test_a_stack_of_buttons_is_numbered_in_order_and_no_taller_than_asked(fonts):
    canvas = blank()
    band = canvas.area(0.24, 0.96)
    choices = [("Svenska", ("language", "sv")), ("English", ("language", "en"))]
    gap, tallest = canvas.px(3), canvas.px(22)
    button_stack(canvas, band, choices, canvas.text_px(8), gap, tallest=tallest)
    assert [h.action for h in canvas.hotspots] == [action for _, action in choices]
    first, second = (h.rect for h in canvas.hotspots)
    assert first.height == second.height == tallest
    assert second.top - first.bottom == gap
    badge = (first.left + canvas.px(2) + tallest // 4, first.centery)
    assert canvas.surface.get_at(badge)[:3] != STANDARD.panel, "no numbered badge"


def test_a_keypad_puts_three_keys_to_a_row_inside_its_pad(fonts):
    canvas = blank()
    pad = canvas.area(0.3, 0.98)
    keys = [(digit, ("pin", digit), canvas.text_px(8)) for digit in "123456789"]
    keypad(canvas, pad, keys)
    rects = [h.rect for h in canvas.hotspots]
    assert len({rect.top for rect in rects}) == 3
    assert len({rect.left for rect in rects}) == 3
    assert all(pad.contains(rect) for rect in rects)
    assert not any(a.colliderect(b) for a, b in itertools.combinations(rects, 2))


def test_every_screen_of_the_session_is_drawn_by_a_screen_function():
    assert set(SCREENS) == set(Screen)
