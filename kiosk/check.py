"""What a terminal needs from its system, checked one line at a time (``nojd kiosk check``).

The software half (SDL with KMSDRM and evdev, the libraries SDL loads at run
time, Mesa's drivers, lgpio) can be checked anywhere, also in an image being
built; the device half (a DRM card, input devices, a GPIO chip, and the right
to open each) only on the terminal itself.
"""

from __future__ import annotations

import glob
import importlib.metadata
import os
import platform
import tempfile
from dataclasses import dataclass

from nojd.kiosk.display import RUNTIME_LIBRARIES, loaded_sdl, missing_libraries, sdl_video_drivers

#: Mesa's DRI drivers for the Raspberry Pi's GPUs: vc4 (Pi 3, Zero 2 W) and v3d (Pi 4, 5).
PI_DRI_DRIVERS = ("vc4_dri.so", "v3d_dri.so")


@dataclass(frozen=True)
class Check:
    """One finding: whether it is fine, and what was seen."""

    ok: bool
    what: str

    def line(self) -> str:
        """``ok   what`` or ``FAIL what``."""
        return f"{'ok  ' if self.ok else 'FAIL'} {self.what}"


def software() -> list[Check]:
    """SDL's drivers, the libraries it loads, Mesa's DRI drivers and the pin library."""
    drivers = sdl_video_drivers()
    names = {name.lower() for name in drivers}
    found = [
        Check(
            {"kmsdrm", "evdev"} <= names,
            f"SDL {loaded_sdl()}: video drivers {', '.join(drivers) or 'none found'} "
            "(KMSDRM and evdev needed)",
        )
    ]
    missing = set(missing_libraries())
    for name, package in RUNTIME_LIBRARIES.items():
        state = f"missing: apt install {package}" if name in missing else "loads"
        found.append(Check(name not in missing, f"{name} {state}"))
    found.append(_dri())
    found.append(_lgpio())
    return found


def devices() -> list[Check]:
    """The DRM card, input devices and GPIO chip, and whether this user may open them."""
    return [
        _device("/dev/dri/card*", os.R_OK | os.W_OK, "display (KMS driver on, group video)"),
        _device("/dev/input/event*", os.R_OK, "touchscreen and keys (group input)"),
        _device("/dev/gpiochip*", os.R_OK | os.W_OK, "buttons and LED (group gpio)"),
    ]


def _lgpio() -> Check:
    """Import lgpio as gpiozero would; it makes a pipe in the working directory, so in a
    scratch one (the kiosk's unit runs in /var/lib/nojd for the same reason)."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            importlib.import_module("lgpio")
        except Exception as exc:  # an ImportError, or the pipe it could not make
            return Check(False, f"lgpio cannot be imported ({exc}): ./setup.sh kiosk installs it")
        finally:
            os.chdir(here)
    return Check(True, f"lgpio {importlib.metadata.version('lgpio')} imports (gpiozero's pins)")


def _dri() -> Check:
    found = {os.path.basename(path) for path in glob.glob("/usr/lib/*/dri/*_dri.so")}
    if platform.machine() in ("aarch64", "armv7l"):
        lacking = [name for name in PI_DRI_DRIVERS if name not in found]
        what = "Mesa DRI drivers vc4 and v3d " + (
            f"missing {', '.join(lacking)}: apt install libgl1-mesa-dri" if lacking else "present"
        )
        return Check(not lacking, what)
    what = f"{len(found)} present" if found else "none: apt install libgl1-mesa-dri"
    return Check(bool(found), f"Mesa DRI drivers: {what}")


def _device(pattern: str, mode: int, purpose: str) -> Check:
    paths = sorted(glob.glob(pattern))
    if not paths:
        return Check(False, f"{pattern}: none, for the {purpose}")
    usable = [path for path in paths if os.access(path, mode)]
    if not usable:
        return Check(False, f"{pattern}: {len(paths)} found, none this user may open ({purpose})")
    return Check(True, f"{pattern}: {len(usable)} usable, for the {purpose}")
