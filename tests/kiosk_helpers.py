"""Helpers for driving a kiosk in tests: mock pins, a manual clock, pygame's dummy driver."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pygame
from gpiozero.pins.mock import MockFactory

from nojd.kiosk.clock import ManualClock
from nojd.kiosk.config import DisplayConfig, KioskConfig
from nojd.kiosk.pin import hash_pin
from nojd.kiosk.session import Screen
from nojd.kiosk.wiring import build_kiosk
from nojd.survey import Response

PIN = "2468"
#: How long a visitor looks at a screen before pressing: past the settle time.
READ_TIME = 0.5
PIN_HASH = hash_pin(PIN, salt="test")
#: A Tuesday at 10:30 in Stockholm.
TUESDAY = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def base_config(data_dir: Path, **changes) -> KioskConfig:
    config = KioskConfig(
        device="test-desk",
        site="kontaktcenter",
        data_dir=data_dir,
        display=DisplayConfig(fullscreen=False),
    )
    config = replace(config, staff=replace(config.staff, pin_hash=PIN_HASH))
    return replace(config, **changes)


class Rig:
    """A kiosk with its mock pins and manual clock, pumped by hand."""

    def __init__(self, config: KioskConfig, start: datetime = TUESDAY, size=(800, 480)) -> None:
        self.clock = ManualClock(start)
        self.factory = MockFactory()
        self.committed: list[Response] = []
        self.kiosk = build_kiosk(
            config,
            clock=self.clock,
            pin_factory=self.factory,
            on_commit=self.committed.append,
            window=size,
            sound=False,  # no speaker: tests that listen build their own (test_kiosk_speech)
        )

    @property
    def view(self):
        return self.kiosk.view

    @property
    def screen(self) -> Screen:
        return self.kiosk.view.screen

    def pin(self, number: int):
        return self.factory.pin(self.kiosk.config.gpio.buttons[number - 1])

    def press(self, *numbers: int) -> None:
        """Press and release grade buttons, one after the other, as a visitor does."""
        for number in numbers:
            self.clock.advance(READ_TIME)
            pin = self.pin(number)
            pin.drive_low()
            pin.drive_high()
            self.kiosk.pump()

    def key(self, key: int, unicode: str = "") -> None:
        self.clock.advance(READ_TIME)
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=0))
        self.kiosk.pump()

    def tap_action(self, kind: str, value=None) -> None:
        """Tap the centre of the target that does ``(kind, value)``, where it is on the panel."""
        for hotspot in self.kiosk.hotspots:
            if hotspot.action == (kind, value):
                self.clock.advance(READ_TIME)
                self.kiosk.tap(self.on_panel(*hotspot.rect.center))
                self.kiosk.pump()
                return
        raise AssertionError(f"no target {kind} {value!r} on {self.screen}")

    def on_panel(self, x: int, y: int) -> tuple[int, int]:
        """Where a point of the upright view lies on the panel, turned clockwise."""
        rotate = self.kiosk.config.display.rotate
        assert self.kiosk.surface is not None, "a display kiosk"
        width, height = self.kiosk.surface.get_size()
        return {
            0: (x, y),
            90: (height - 1 - y, x),
            180: (width - 1 - x, height - 1 - y),
            270: (y, width - 1 - x),
        }[rotate]

    def wait(self, seconds: float) -> None:
        """Let time pass on the kiosk's clocks, then let it react."""
        self.clock.advance(seconds)
        self.kiosk.pump()

    def rows(self) -> list[Response]:
        assert self.kiosk.outbox is not None, "the outbox is open"
        return self.kiosk.outbox.pending(limit=10_000)

    def close(self) -> None:
        self.kiosk.close()
        self.factory.close()


def fill_the_disk(kiosk: Rig) -> None:
    """Visitors answer until the outbox is full (SQLite's own "disk is full"), and the
    terminal shows "Ur funktion"."""
    outbox = kiosk.kiosk.outbox
    assert outbox is not None
    pages = outbox.db.execute("PRAGMA page_count").fetchone()[0]
    outbox.db.execute(f"PRAGMA max_page_count = {pages}")
    for _ in range(30):
        kiosk.press(1, 5, 5, 5, 5)
        if kiosk.screen is Screen.OUT_OF_ORDER:
            return
        kiosk.wait(3)
    raise AssertionError("the outbox never filled up")


class Kept:
    """What a speaker plays, kept instead of played: a player that has already finished."""

    def poll(self):
        return 0

    def wait(self):
        return 0

    def kill(self):
        pass
