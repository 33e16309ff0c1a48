"""Every screen at every supported size: touch targets on screen, large, apart; screenshots save."""

import itertools

import pygame
import pytest

from nojd.kiosk.config import DisplayConfig
from nojd.kiosk.screenshots import save_screenshots
from nojd.kiosk.session import Screen

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
    assert len(check_targets(kiosk, {"language"})) == 2
    kiosk.tap_action("language", "sv")
    kiosk.tap_action("start")
    assert len(check_targets(kiosk, {"answer", "languages"})) == 6
    for grade in (5, 4, 3, 2):
        kiosk.tap_action("answer", grade)
    assert len(check_targets(kiosk, {"answer", "languages"})) == 4
    kiosk.tap_action("answer", "answered")
    assert kiosk.screen is Screen.THANKS
    kiosk.wait(3)
    kiosk.key(pygame.K_F12)
    assert len(check_targets(kiosk, {"pin", "pin_ok", "pin_erase", "close"})) == 13
    kiosk.tap_action("close")
    assert kiosk.screen is Screen.WELCOME


def test_screenshots_of_every_screen(tmp_path, dummy_video):
    # Touch Display 2 lying down: a 720x1280 panel, its picture turned 90 degrees
    saved = save_screenshots(tmp_path, [(720, 1280, 90)])
    names = sorted(path.name for path in saved)
    screens = ["choice", "language", "pin", "pin-wrong", "question", "staff", "thanks", "welcome"]
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
