"""The physical inputs: five grade buttons, a staff button, a speech button and an LED,
through gpiozero.

Button presses arrive on gpiozero's threads; they are posted into pygame's
event queue (thread-safe) so that only the UI thread touches the session, and
``wake`` is called so that the sleeping loop notices at once.
The pin factory is gpiozero's choice (``GPIOZERO_PIN_FACTORY``) unless one is
given: tests and ``nojd kiosk simulate`` pass a ``MockFactory``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import pygame
from gpiozero import LED, Button, Factory, GPIOZeroError

from nojd.kiosk.config import GpioConfig

log = logging.getLogger("nojd.kiosk")

#: A grade button was pressed: ``event.number`` 1..5.
PRESS = pygame.event.custom_type()
#: The staff button was pressed.
STAFF = pygame.event.custom_type()
#: The speech button was pressed: read the screens aloud.
SPEECH = pygame.event.custom_type()
#: The back or the skip button was pressed (``event.number`` -1 back, +1 skip).
MOVE = pygame.event.custom_type()


class Buttons:
    """The grade buttons (grade 1 first), the staff button and the confirmation LED."""

    def __init__(
        self,
        gpio: GpioConfig,
        pin_factory: Factory | None = None,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.grades: list[Button] = []
        self.staff: Button | None = None
        self.speech: Button | None = None
        self.moves: list[Button] = []
        self.led: LED | None = None
        try:
            for number, pin in enumerate(gpio.buttons, start=1):
                button = Button(pin, bounce_time=gpio.bounce_time or None, pin_factory=pin_factory)
                button.when_pressed = partial(_post, PRESS, number, wake)
                self.grades.append(button)
            if gpio.staff_button is not None:
                self.staff = Button(gpio.staff_button, hold_time=1, pin_factory=pin_factory)
                self.staff.when_held = partial(_post, STAFF, 0, wake)
            if gpio.speech_button is not None:
                self.speech = Button(gpio.speech_button, bounce_time=gpio.bounce_time or None,
                                     pin_factory=pin_factory)  # fmt: skip
                self.speech.when_pressed = partial(_post, SPEECH, 0, wake)
            for step, where in ((-1, gpio.back_button), (1, gpio.skip_button)):
                if where is not None:
                    move = Button(where, bounce_time=gpio.bounce_time or None,
                                  pin_factory=pin_factory)  # fmt: skip
                    move.when_pressed = partial(_post, MOVE, step, wake)
                    self.moves.append(move)
            if gpio.led is not None:
                self.led = LED(gpio.led, pin_factory=pin_factory)
        except (GPIOZeroError, OSError, ImportError) as exc:
            log.warning("no GPIO buttons or LED (%s); touch and keyboard still work", exc)
            self.close()

    def confirm(self) -> None:
        """One short flash: the press was taken."""
        if self.led is not None:
            self.led.blink(on_time=0.15, off_time=0.05, n=1)

    def thank(self) -> None:
        """Three flashes: the answer is saved, thank you."""
        if self.led is not None:
            self.led.blink(on_time=0.2, off_time=0.2, n=3)

    def alarm(self, on: bool) -> None:
        """A fast blink that lasts while the terminal is out of order (no screen to say so)."""
        if self.led is not None:
            if on:
                self.led.blink(on_time=0.1, off_time=0.1)
            else:
                self.led.off()

    def close(self) -> None:
        """Release the pins; safe to call twice."""
        for device in (*self.grades, *self.moves, self.staff, self.speech, self.led):
            if device is not None:
                device.close()
        self.grades, self.moves = [], []
        self.staff = self.speech = self.led = None


def _post(kind: int, number: int, wake: Callable[[], None]) -> None:
    pygame.event.post(pygame.event.Event(kind, number=number))
    wake()
