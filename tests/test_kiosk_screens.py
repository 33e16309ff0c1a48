"""Every screen at every supported size: touch targets on screen, large, apart; screenshots save."""

import itertools

import pygame
import pytest

from nojd.kiosk.screenshots import save_screenshots
from nojd.kiosk.session import Screen

SIZES = [(800, 480), (1024, 600), (1280, 720), (1920, 1080), (480, 800)]
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


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_at(rig, size):
    kiosk = rig(size=size)
    assert kiosk.kiosk.surface.get_size() == size
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
    saved = save_screenshots(tmp_path, [(800, 480)])
    names = sorted(path.name for path in saved)
    screens = ["choice", "language", "pin", "pin-wrong", "question", "staff", "thanks", "welcome"]
    expected = sorted(
        [f"800x480-{lang}-{screen}.png" for lang in ("sv", "en") for screen in screens]
        + ["800x480-sv-closed.png", "800x480-sv-out-of-order.png"]
    )
    assert names == expected
    for path in saved:
        image = pygame.image.load(str(path))
        assert image.get_size() == (800, 480)
        colours = {image.get_at((x, y))[:3] for x in range(0, 800, 20) for y in range(0, 480, 20)}
        assert len(colours) > 3, f"{path.name} looks empty"
