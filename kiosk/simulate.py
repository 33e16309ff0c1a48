"""``nojd kiosk simulate``: the real kiosk, headless, with simulated visitors at the buttons.

The kiosk runs as it does on a Pi, but with SDL's dummy video driver and
gpiozero's ``MockFactory``; visitor threads press the mock pins the way a
person would: they wait until the screen shows the question, then press.
One JSON line ``{"seq": …, "id": …}`` is printed per committed response as
soon as it is committed.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sys
import threading
import time
from dataclasses import replace
from functools import partial
from typing import TextIO

from gpiozero.pins.mock import MockFactory

from nojd.kiosk.app import Kiosk
from nojd.kiosk.config import DisplayConfig, KioskConfig
from nojd.kiosk.session import Screen, View
from nojd.kiosk.wiring import build_kiosk
from nojd.signals import stop_on
from nojd.survey import Response

log = logging.getLogger("nojd.kiosk.simulate")

#: How visitors grade: mostly content, as at a real desk.
GRADE_WEIGHTS = (5, 8, 15, 32, 40)
#: The share of visitors who walk away before the last question.
LEAVE_EARLY = 0.05
#: How long a visitor waits for the screen before giving up on it.
PATIENCE = 120.0
#: How long, beyond the kiosk's settle time, a visitor looks before pressing.
READ_TIME = 0.01


class Visitors:
    """A thread of visitors arriving at ``rate`` per minute (Poisson), pressing mock pins."""

    def __init__(
        self, kiosk: Kiosk, factory: MockFactory, count: int, rate: float, seed: int | None
    ) -> None:
        self.kiosk = kiosk
        self.pins = [factory.pin(pin) for pin in kiosk.config.gpio.buttons]
        self.count = count
        self.rate = rate
        self.random = random.Random(seed)
        self.turned_away = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="visitors", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        try:
            for _ in range(self.count):
                if self.stopped.wait(self.random.expovariate(self.rate / 60)):
                    return
                self._visit()
            self.kiosk.wait_for(lambda view: view.screen in _IDLE, PATIENCE)
        finally:
            self.kiosk.stop()

    def _visit(self) -> None:
        if self.kiosk.view.screen in (Screen.CLOSED, Screen.OUT_OF_ORDER):
            self.turned_away += 1  # a visitor does not wait for opening hours
            return
        if not self.kiosk.wait_for(lambda view: view.screen is Screen.WELCOME, PATIENCE):
            log.warning("the kiosk did not return to the welcome screen")
            self.turned_away += 1
            return
        if self.kiosk.config.mode == "buttons":
            self._press(self._grade())
            return
        self._press(1)
        visitor = self.kiosk.view.visitor
        leave_at = len(self.kiosk.session.questions) if self.kiosk.session else 0
        if self.random.random() < LEAVE_EARLY:
            leave_at = self.random.randrange(1, max(2, leave_at))
        for step in range(1, leave_at + 1):
            reached = partial(_at_step, step=step, visitor=visitor)
            if not self.kiosk.wait_for(reached, PATIENCE):
                return
            if self.kiosk.view.visitor != visitor:  # too slow: the inactivity timeout
                log.warning("a visit ended by the inactivity timeout before question %d", step)
                return  # ended it (its answers saved as partial), and the next one begins
            question = self.kiosk.view.question
            options = len(question.options) if question and question.options else 0
            self._press(self.random.randint(1, options) if options else self._grade())

    def _grade(self) -> int:
        return self.random.choices(range(1, 6), weights=GRADE_WEIGHTS)[0]

    def _press(self, number: int) -> None:
        # A person reads the screen before pressing; the kiosk ignores faster presses.
        self.stopped.wait(self.kiosk.config.session.settle_time + READ_TIME)
        session = self.kiosk.session
        before = session.version if session else 0
        pin = self.pins[number - 1]
        pin.drive_low()
        pin.drive_high()
        # like a person, wait to see the press taken before the next move (or leaving)
        self.kiosk.wait_for(lambda view: session is None or session.version != before, 5)


_IDLE = (Screen.WELCOME, Screen.CLOSED, Screen.OUT_OF_ORDER)


def _at_step(view: View, step: int, visitor: int) -> bool:
    """At question ``step`` of this visitor's visit, or past the visit (a new visitor)."""
    return (view.screen is Screen.QUESTION and view.step == step) or view.visitor != visitor


def simulate(
    config: KioskConfig,
    visitors: int,
    rate: float,
    seed: int | None = None,
    out: TextIO = sys.stdout,
    send_for: float = 60.0,
) -> int:
    """Run the kiosk headless until ``visitors`` have passed and their answers are acked,
    or ``send_for`` seconds after the visitors; returns the exit code."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    headless = replace(config, display=DisplayConfig(fullscreen=False, size=config.display.size))
    if not headless.gpio.buttons:
        headless = replace(headless, gpio=replace(headless.gpio, buttons=(5, 6, 13, 19, 26)))
    factory = MockFactory()

    def committed(response: Response) -> None:
        out.write(json.dumps({"seq": response.seq, "id": response.id}) + "\n")
        out.flush()

    kiosk = build_kiosk(headless, pin_factory=factory, on_commit=committed, sound=False)
    stopped = threading.Event()

    def terminate(*_: object) -> None:
        stopped.set()
        kiosk.stop()

    stop_on(terminate, signal.SIGTERM)
    crowd = Visitors(kiosk, factory, visitors, rate, seed)
    started = time.monotonic()
    unacked, state = 0, ""
    try:
        crowd.start()
        kiosk.run()
        if kiosk.uplink is not None:
            log.info("visitors done; sending the backlog until every response is acknowledged")
            deadline = time.monotonic() + send_for
            while not kiosk.uplink.drained.wait(0.5) and not stopped.is_set():
                if time.monotonic() >= deadline:
                    unacked = kiosk.outbox.backlog() if kiosk.outbox is not None else 0
                    state = kiosk.uplink.state
                    break
    finally:
        crowd.stop()
        kiosk.close()
        factory.close()
    log.info("%d visitors in %.1f s", visitors, time.monotonic() - started)
    if unacked:
        log.error("%d responses not acknowledged %g s after the visitors (the broker %s is %s); "
                  "they stay in the outbox in %s and go out when the terminal runs again",
                  unacked, send_for, headless.broker, state, headless.data_dir)  # fmt: skip
        return 1
    if crowd.turned_away:
        reason = kiosk.view.reason or kiosk.view.screen.value
        log.error("%d of %d visitors could not answer: %s", crowd.turned_away, visitors, reason)
        return 1
    return 0
