"""The wiring: one config in, a :class:`~nojd.kiosk.app.Kiosk` out with all its parts.

Every part the kiosk touches comes in from here, as gpiozero's devices take a
pin factory: the clock (a :class:`ManualClock` in tests), the pin factory (a
``MockFactory``), the display (a window, the console, or none in buttons mode),
the outbox and the uplink.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable

import pygame
from gpiozero import Factory

from nojd.errors import ConfigError
from nojd.kiosk.app import Kiosk, Parts
from nojd.kiosk.central import Keeper
from nojd.kiosk.clock import Clock, SystemClock
from nojd.kiosk.config import KioskConfig
from nojd.kiosk.display import Display
from nojd.kiosk.inputs import Buttons
from nojd.kiosk.outbox import Outbox
from nojd.kiosk.speech import ESPEAK, Speaker
from nojd.kiosk.uplink import Uplink
from nojd.survey import Response

log = logging.getLogger("nojd.kiosk")


def build_kiosk(
    config: KioskConfig,
    *,
    clock: Clock | None = None,
    pin_factory: Factory | None = None,
    on_commit: Callable[[Response], None] = lambda response: None,
    window: tuple[int, int] | None = None,
    speaker: Speaker | None = None,
    sound: bool = True,
) -> Kiosk:
    """A kiosk for ``config``: in a window of ``window`` pixels, or full screen when None;
    without ``sound`` (a simulation, screenshots) it neither speaks nor chimes."""
    clock = clock or SystemClock()
    base = config
    keeper = Keeper(config.data_dir)
    central = keeper.load(base)  # the last good central config, over the file's values
    if central is not None:
        config = central.config
    survey = central.survey if central else config.survey()  # a bad survey file fails early
    display = open_display(config, window)
    pygame.font.init()
    wake = threading.Event()
    buttons = Buttons(config.gpio, pin_factory, wake=wake.set)
    if config.mode == "buttons" and not buttons.grades:
        buttons.close()
        raise ConfigError(
            'gpio.buttons: a terminal in mode = "buttons" needs its five buttons, '
            "and none could be set up (see the warning above)"
        )

    def open_uplink(outbox: Outbox) -> Uplink | None:
        if not config.broker:
            return None
        uplink = Uplink(config.uplink_config(), config.device, outbox, survey, clock)
        uplink.site = config.site
        return uplink

    parts = Parts(
        config=config,
        clock=clock,
        survey=survey,
        zone=config.zone,
        display=display,
        buttons=buttons,
        wake=wake,
        open_outbox=lambda: Outbox(config.data_dir, config.device, clock),
        open_uplink=open_uplink,
        base=base,
        keeper=keeper,
        central=central,
        speaker=speaker if speaker is not None else _speaker() if sound else None,
    )
    return Kiosk(parts, on_commit)


def open_display(config: KioskConfig, window: tuple[int, int] | None) -> Display | None:
    """The display of a touch terminal; in buttons mode, SDL without a screen and None."""
    if config.mode == "buttons":
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        pygame.display.init()
        return None
    display = Display(config.display, window)
    pygame.display.set_caption(f"nojd {config.device}")
    pygame.event.set_blocked([pygame.MOUSEMOTION, pygame.FINGERMOTION])
    return display


def _speaker() -> Speaker | None:
    """Speech through ALSA where espeak-ng is installed (``./setup.sh kiosk`` installs it)."""
    if shutil.which(ESPEAK) is None:
        log.warning("no speech: espeak-ng is not installed")
        return None
    return Speaker()
