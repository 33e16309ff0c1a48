"""The screen: SDL opened on the console or in a window, turned by ``display.rotate``.

On a terminal SDL draws through its KMS/DRM driver (no X, no Wayland) and
reads the touchscreen through its evdev input.  A panel mounted turned has its
picture turned here: the screens draw on an upright *view* surface, and
:meth:`Display.flip` turns it onto the panel.  Touches arrive in the panel's
own coordinates and are turned back by :meth:`Display.to_view`, so a finger
lands on the target drawn under it whatever the rotation.

When no display can be opened, :class:`DisplayError` names the cause (no DRM
device, no permission, an SDL built without KMSDRM) rather than SDL's terse
"kmsdrm not available".
"""

from __future__ import annotations

import ctypes
import glob
import logging
import math
import os
from collections.abc import Iterable
from pathlib import Path

import pygame

from nojd.errors import NojdError
from nojd.kiosk.config import DisplayConfig

log = logging.getLogger("nojd.kiosk")

#: What SDL's KMSDRM video driver and its evdev input load at run time (dlopen),
#: so ``ldd`` does not show them; with the Debian package that provides each.
RUNTIME_LIBRARIES = {
    "libdrm.so.2": "libdrm2",
    "libgbm.so.1": "libgbm1",
    "libEGL.so.1": "libegl1",
    "libEGL_mesa.so.0": "libegl-mesa0",  # the EGL that libEGL.so.1 (libglvnd) hands over to
    "libGLESv2.so.2": "libgles2",
    "libudev.so.1": "libudev1",
}


class DisplayError(NojdError, OSError):
    """No display could be opened; the message says why and what to check."""


class Display:
    """The panel, and the upright view the screens draw on."""

    def __init__(self, config: DisplayConfig, window: tuple[int, int] | None = None) -> None:
        self.rotate = config.rotate
        try:
            pygame.display.init()
        except pygame.error as exc:
            raise DisplayError(diagnose(str(exc))) from None
        self.driver = pygame.display.get_driver()
        try:
            if window is None and config.fullscreen:
                self.panel = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            else:
                self.panel = pygame.display.set_mode(window or config.size)
        except pygame.error as exc:
            raise DisplayError(diagnose(str(exc))) from None
        if window is None and config.fullscreen:
            pygame.mouse.set_visible(False)  # a touchscreen kiosk shows no pointer
        width, height = self.panel.get_size()
        self.view = (
            self.panel
            if self.rotate == 0
            else pygame.Surface((height, width) if self.rotate in (90, 270) else (width, height))
        )
        log.info("display: %dx%d through SDL %s, %s", width, height, self.driver, self._describe())

    def _describe(self) -> str:
        touch = touch_devices()
        view = "x".join(map(str, self.view.get_size()))
        turned = f"turned {self.rotate}°, view {view}" if self.rotate else "not turned"
        if touch == 0 and self.driver.lower() == "kmsdrm":
            log.warning(
                "touch: SDL found no touchscreen (evdev): check /dev/input/event* and that "
                "the kiosk's user is in group input; the buttons still work"
            )
        return f"{turned}, {touch} touch device(s)"

    def flip(self) -> None:
        """Show the view on the panel, turned as configured."""
        if self.view is not self.panel:
            self.panel.blit(pygame.transform.rotate(self.view, -self.rotate), (0, 0))
        pygame.display.flip()

    def to_view(self, x: float, y: float) -> tuple[int, int]:
        """A point on the panel (pixels) as a point in the upright view."""
        width, height = self.panel.get_size()
        if self.rotate == 90:
            x, y = y, width - 1 - x
        elif self.rotate == 180:
            x, y = width - 1 - x, height - 1 - y
        elif self.rotate == 270:
            x, y = height - 1 - y, x
        view_width, view_height = self.view.get_size()
        return min(max(round(x), 0), view_width - 1), min(max(round(y), 0), view_height - 1)

    def finger(self, x: float, y: float) -> tuple[int, int] | None:
        """A touch at SDL's normalised panel coordinates (0..1) as a point in the view;
        None for coordinates that are no numbers at all (NaN, infinite)."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        width, height = self.panel.get_size()
        x, y = min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)
        return self.to_view(x * (width - 1), y * (height - 1))

    def snapshot(self) -> pygame.Surface:
        """What a visitor facing the mounted panel sees: the panel turned back upright."""
        return pygame.transform.rotate(self.panel, self.rotate)

    def close(self) -> None:
        """Give the screen back; safe to call twice."""
        pygame.display.quit()


def touch_devices() -> int:
    """How many touch devices SDL has found (0 when it cannot tell)."""
    try:
        from pygame._sdl2 import touch
    except ImportError:
        return 0
    return int(touch.get_num_devices())


def loaded_sdl() -> Path | None:
    """The libSDL2 file this process has loaded (pygame's), from ``/proc/self/maps``."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    for line in maps.read_text().splitlines():
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        if Path(path).name.startswith("libSDL2-2") or Path(path).name.startswith("libSDL2.so"):
            return Path(path)
    return None


def sdl_video_drivers() -> list[str]:
    """The video drivers compiled into the SDL that pygame has loaded, as SDL names them."""
    import pygame.display  # noqa: F401  (loads pygame's SDL)

    path = loaded_sdl()
    if path is None:
        return []
    sdl = ctypes.CDLL(str(path))
    sdl.SDL_GetVideoDriver.restype = ctypes.c_char_p
    sdl.SDL_GetVideoDriver.argtypes = [ctypes.c_int]
    return [sdl.SDL_GetVideoDriver(i).decode() for i in range(sdl.SDL_GetNumVideoDrivers())]


def missing_libraries(names: Iterable[str] = RUNTIME_LIBRARIES) -> list[str]:
    """Those of ``names`` that the dynamic loader cannot load."""
    missing = []
    for name in names:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.append(name)
    return missing


def diagnose(sdl_message: str) -> str:
    """Why SDL could not open a display, in words a technician can act on."""
    driver = os.environ.get("SDL_VIDEODRIVER", "")
    cause = f"SDL says: {sdl_message}"
    if driver.lower() != "kmsdrm":
        return f"display: cannot be opened with SDL_VIDEODRIVER={driver or '(unset)'} ({cause})"
    drivers = sdl_video_drivers()
    if drivers and "kmsdrm" not in (name.lower() for name in drivers):
        return (
            f"display: the SDL pygame loaded ({loaded_sdl()}) has no KMSDRM driver, only "
            f"{', '.join(drivers)}; install pygame-ce with ./setup.sh kiosk ({cause})"
        )
    cards = sorted(glob.glob("/dev/dri/card*"))
    if not cards:
        return (
            "display: no DRM device (/dev/dri/card* is missing): enable the KMS driver "
            f"(dtoverlay=vc4-kms-v3d in /boot/firmware/config.txt) and check the cable ({cause})"
        )
    closed = [card for card in cards if not os.access(card, os.R_OK | os.W_OK)]
    if len(closed) == len(cards):
        return (
            f"display: no permission to open {', '.join(cards)}: the kiosk's user must be in "
            f"group video ({cause})"
        )
    missing = missing_libraries()
    if missing:
        packages = " ".join(RUNTIME_LIBRARIES[name] for name in missing)
        return f"display: SDL cannot load {', '.join(missing)}: apt install {packages} ({cause})"
    return (
        f"display: {', '.join(cards)} found but SDL's KMSDRM could not use it: is another "
        f"program (a desktop, another kiosk) holding the screen, or no monitor connected? ({cause})"
    )
