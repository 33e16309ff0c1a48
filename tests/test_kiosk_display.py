"""The display on a real terminal: an SDL with KMSDRM, a panel turned by display.rotate with
touches turned back, and one clear log line when no display can be opened."""

import ctypes
import glob
import importlib.metadata
import os
import subprocess
from pathlib import Path

import pygame
import pytest
from kiosk_helpers import READ_TIME
from processes import NOJD

from nojd.kiosk.config import DisplayConfig, SessionConfig
from nojd.kiosk.display import Display, DisplayError, sdl_video_drivers
from nojd.kiosk.screens import PALETTE
from nojd.kiosk.session import Screen

ROOT = Path(__file__).resolve().parents[1]
PANEL = (800, 480)


def test_the_sdl_that_pygame_loaded_has_the_kmsdrm_driver():
    # The library file mapped into this process after `import pygame`: the one that draws.
    maps = Path("/proc/self/maps").read_text().splitlines()
    [path] = {line.split()[-1] for line in maps if "/libSDL2-2" in line}
    sdl = ctypes.CDLL(path)
    version = (ctypes.c_uint8 * 3)()
    sdl.SDL_GetVersion(version)
    assert tuple(version) == pygame.get_sdl_version()  # the same SDL pygame uses
    sdl.SDL_GetVideoDriver.restype = ctypes.c_char_p
    drivers = [sdl.SDL_GetVideoDriver(i).decode() for i in range(sdl.SDL_GetNumVideoDrivers())]
    assert "KMSDRM" in drivers, f"{path} has only {drivers}"
    assert "evdev" in drivers  # the touchscreen's input beside KMSDRM
    assert sdl_video_drivers() == drivers


def test_exactly_one_pygame_distribution_is_installed():
    assert importlib.metadata.version("pygame-ce")
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("pygame")
    assert pygame.IS_CE


@pytest.mark.skipif(
    bool(glob.glob("/dev/dri/card*")), reason="this machine has a DRM device: it would open"
)
def test_no_display_is_one_log_line_and_a_failing_exit(tmp_path):
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "kmsdrm",
        "GPIOZERO_PIN_FACTORY": "mock",
        "JOURNAL_STREAM": "8:1234",  # as under systemd: journald priorities
    }
    result = subprocess.run(
        [NOJD, "kiosk", "run", "--config", str(ROOT / "firmware_config/demo-kiosk.toml"),
         "--data", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("<3>ERROR nojd.kiosk: display: no DRM device (/dev/dri/card*")
    assert "dtoverlay=vc4-kms-v3d" in line and "SDL says: kmsdrm not available" in line
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unknown_driver_is_named(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "no-such-driver")
    with pytest.raises(DisplayError, match=r"SDL_VIDEODRIVER=no-such-driver .*not available"):
        Display(DisplayConfig(fullscreen=False))


def test_full_screen_hides_the_pointer(dummy_video):
    display = Display(DisplayConfig(fullscreen=True))
    try:
        assert not pygame.mouse.get_visible()
        assert display.view.get_size() == display.panel.get_size()
    finally:
        display.close()


# The four corners of the upright view, and where each lies on the panel when the
# picture is turned clockwise by 0, 90, 180 and 270 degrees.
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
ON_PANEL = {
    0: dict(zip(CORNERS, CORNERS, strict=True)),
    90: {"top-left": "top-right", "top-right": "bottom-right",
         "bottom-left": "top-left", "bottom-right": "bottom-left"},
    180: {"top-left": "bottom-right", "top-right": "bottom-left",
          "bottom-left": "top-right", "bottom-right": "top-left"},
    270: {"top-left": "bottom-left", "top-right": "top-left",
          "bottom-left": "bottom-right", "bottom-right": "top-right"},
}  # fmt: skip


def finger_at(corner, inset=0.05):
    """Normalised panel coordinates near ``corner``, as SDL's evdev touch reports them."""
    vertical, horizontal = corner.split("-")
    x = inset if horizontal == "left" else 1 - inset
    y = inset if vertical == "top" else 1 - inset
    return x, y


def touch(kiosk, corner, up=True):
    x, y = finger_at(corner)
    kiosk.clock.advance(READ_TIME)
    event = dict(touch_id=1, finger_id=0, x=x, y=y, dx=0.0, dy=0.0, pressure=1.0)
    pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, event))
    # SDL reports the same touch as a mouse click too; it must not count twice
    pixel = (round(x * (PANEL[0] - 1)), round(y * (PANEL[1] - 1)))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pixel, button=1, touch=True))
    if up:
        pygame.event.post(pygame.event.Event(pygame.FINGERUP, event))
    kiosk.kiosk.pump()


def rotated(rig, rotate):
    display = DisplayConfig(fullscreen=False, rotate=rotate)
    # settle_time 0: the copy of a touch as a mouse click would count if it were handled
    return rig(size=PANEL, display=display, session=SessionConfig(settle_time=0))


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_a_touch_at_each_corner_lands_on_the_target_drawn_there(rig, rotate):
    kiosk = rotated(rig, rotate)
    upright = rotate in (0, 180)
    assert kiosk.kiosk.surface.get_size() == (PANEL if upright else PANEL[::-1])
    corner = {view: panel for view, panel in ON_PANEL[rotate].items()}
    touch(kiosk, corner["bottom-right"])  # the welcome screen: high contrast at the bottom right
    assert kiosk.view.high_contrast
    touch(kiosk, corner["bottom-left"])  # larger text at the bottom left
    assert kiosk.view.large_text
    touch(kiosk, corner["bottom-right"])
    touch(kiosk, corner["bottom-left"])  # both off again
    assert not kiosk.view.high_contrast and not kiosk.view.large_text
    kiosk.kiosk.session.start()  # anywhere else starts
    kiosk.kiosk.pump()
    assert kiosk.screen is Screen.QUESTION
    # In every turn of the picture: skip at the view's bottom right, back at its bottom left
    touch(kiosk, corner["bottom-right"])
    touch(kiosk, corner["bottom-right"])
    assert kiosk.view.step == 3
    touch(kiosk, corner["bottom-left"])
    assert kiosk.view.step == 2
    touch(kiosk, corner["top-right"])  # the language button
    assert kiosk.screen is Screen.LANGUAGE
    kiosk.kiosk.session.choose_language("sv")
    kiosk.wait(kiosk.kiosk.config.session.inactivity_timeout)  # nothing answered: no row
    assert kiosk.rows() == []
    kiosk.wait(kiosk.kiosk.config.session.response_interval)
    assert kiosk.screen is Screen.WELCOME
    touch(kiosk, corner["top-left"], up=False)  # the staff corner, held
    kiosk.wait(kiosk.kiosk.config.staff.long_press)
    assert kiosk.screen is Screen.PIN


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_the_picture_is_turned_onto_the_panel(rig, rotate):
    kiosk = rotated(rig, rotate)
    kiosk.kiosk.session.start()
    kiosk.kiosk.pump()
    assert kiosk.screen is Screen.QUESTION
    view, panel = kiosk.kiosk.surface, kiosk.kiosk.display.panel
    # the view turned clockwise is what the panel shows, pixel for pixel
    expected = pygame.transform.rotate(view, -rotate)
    assert expected.get_size() == panel.get_size()
    for x in range(0, PANEL[0], 37):
        for y in range(0, PANEL[1], 23):
            assert panel.get_at((x, y)) == expected.get_at((x, y)), (x, y)

    # and grade 1's face lies on the panel where the view's turn puts it
    def centre_of_face(surface):
        width, height = surface.get_size()
        found = [(x, y) for x in range(0, width, 2) for y in range(0, height, 2)
                 if surface.get_at((x, y))[:3] == PALETTE[1]]  # fmt: skip
        assert found, "grade 1's face is not drawn"
        return (sum(x for x, _ in found) / len(found), sum(y for _, y in found) / len(found))

    x, y = centre_of_face(view)
    width, height = view.get_size()
    turned = {90: (height - y, x), 180: (width - x, height - y), 270: (y, width - x)}[rotate]
    on_panel = centre_of_face(panel)
    assert abs(on_panel[0] - turned[0]) < 4 and abs(on_panel[1] - turned[1]) < 4, (on_panel, turned)
    # the visitor's view of the mounted panel is the upright view again
    snapshot = kiosk.kiosk.display.snapshot()
    assert snapshot.get_size() == view.get_size()
    assert snapshot.get_at((10, 10)) == view.get_at((10, 10))


def run_check(*flags):
    return subprocess.run(
        [NOJD, "kiosk", "check", *flags], capture_output=True, text=True, timeout=60
    )


def test_the_software_a_terminal_needs_is_all_here():
    result = run_check("--software")
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout
    assert all(line.startswith("ok   ") for line in lines), lines
    assert "KMSDRM" in lines[0] and "libSDL2" in lines[0]
    assert [line.split()[1] for line in lines[1:7]] == [
        "libdrm.so.2", "libgbm.so.1", "libEGL.so.1", "libEGL_mesa.so.0", "libGLESv2.so.2",
        "libudev.so.1",
    ]  # fmt: skip
    assert lines[-1].startswith("ok   lgpio ") and "imports" in lines[-1]


@pytest.mark.skipif(
    bool(glob.glob("/dev/dri/card*")), reason="this machine has a DRM device: it would pass"
)
def test_missing_devices_fail_the_check_and_name_the_group():
    result = run_check()
    assert result.returncode == 1
    assert "FAIL /dev/dri/card*: none, for the display (KMS driver on, group video)" in (
        result.stdout.splitlines()
    )


@pytest.mark.parametrize("rotate", [0, 90])
def test_a_touch_off_the_panel_or_garbled_stops_nothing(rig, rotate, caplog):
    kiosk = rotated(rig, rotate)
    for x, y in [(-3.0, 7.0), (1e300, -1e300), (float("nan"), 0.5), (float("inf"), 0.5)]:
        event = dict(touch_id=1, finger_id=0, x=x, y=y, dx=0.0, dy=0.0, pressure=1.0)
        pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, event))
        pygame.event.post(pygame.event.Event(pygame.FINGERUP, event))
    pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, touch_id=1))  # no position at all
    pygame.event.post(pygame.event.Event(pygame.FINGERUP, touch_id=1))
    kiosk.kiosk.pump()
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    # off-panel touches land on the nearest edge (the whole welcome screen starts);
    # the terminal still answers a real touch
    assert kiosk.screen is Screen.QUESTION
    touch(kiosk, ON_PANEL[rotate]["bottom-right"])
    assert kiosk.view.step == 2


def finger(kind, finger_id, corner):
    x, y = finger_at(corner)
    fields = dict(touch_id=1, finger_id=finger_id, x=x, y=y, dx=0.0, dy=0.0, pressure=1.0)
    pygame.event.post(pygame.event.Event(kind, fields))


def test_one_finger_at_a_time(rig):
    kiosk = rotated(rig, 0)
    kiosk.kiosk.session.start()
    kiosk.kiosk.pump()
    # a second finger (a palm, a sleeve) while the first is down presses nothing
    finger(pygame.FINGERDOWN, 0, "bottom-right")  # skip
    finger(pygame.FINGERDOWN, 1, "bottom-left")  # back: not taken
    finger(pygame.FINGERUP, 1, "bottom-left")
    finger(pygame.FINGERUP, 0, "bottom-right")
    kiosk.clock.advance(READ_TIME)
    kiosk.kiosk.pump()
    assert kiosk.view.step == 2
    # after the first lifts, the next touch counts
    finger(pygame.FINGERDOWN, 1, "bottom-right")
    finger(pygame.FINGERUP, 1, "bottom-right")
    kiosk.clock.advance(READ_TIME)
    kiosk.kiosk.pump()
    assert kiosk.view.step == 3


def test_a_second_finger_lifting_does_not_end_the_staff_hold(rig):
    kiosk = rotated(rig, 0)
    finger(pygame.FINGERDOWN, 0, "top-left")
    kiosk.kiosk.pump()
    finger(pygame.FINGERDOWN, 1, "bottom-right")
    finger(pygame.FINGERUP, 1, "bottom-right")
    kiosk.wait(kiosk.kiosk.config.staff.long_press)
    assert kiosk.screen is Screen.PIN


def test_a_lost_lift_does_not_leave_the_screen_dead(rig):
    kiosk = rotated(rig, 0)
    kiosk.kiosk.session.start()
    kiosk.kiosk.pump()
    kiosk.clock.advance(READ_TIME)
    finger(pygame.FINGERDOWN, 0, "bottom-right")  # skip; its FINGERUP never comes
    kiosk.kiosk.pump()
    assert kiosk.view.step == 2
    finger(pygame.FINGERDOWN, 0, "bottom-right")  # the same finger again: taken
    kiosk.clock.advance(READ_TIME)
    kiosk.kiosk.pump()
    assert kiosk.view.step == 3
    finger(pygame.FINGERDOWN, 3, "bottom-left")  # another while 0 seems down: not yet
    kiosk.clock.advance(READ_TIME)
    kiosk.kiosk.pump()
    assert kiosk.view.step == 3
    kiosk.clock.advance(kiosk.kiosk.config.staff.long_press + 5)
    finger(pygame.FINGERDOWN, 3, "bottom-left")  # finger 0 is stuck: this one counts
    kiosk.kiosk.pump()
    assert kiosk.view.step == 2  # back
