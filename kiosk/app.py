"""The kiosk's loop: pygame events in, session rules, a frame out only when something changed.

An idle terminal sleeps until the next input or the next deadline (a timeout,
the thank-you screen's end, opening hours); it never redraws an unchanged
screen.  It sleeps on a :class:`threading.Event`, not in ``pygame.event.wait``:
with SDL's dummy and KMS/DRM video drivers (the Pi's console) SDL waits by
polling every millisecond: 2.6 % of a core here, against 0.7 % for the whole
idle kiosk looking at pygame's queue every ``TOUCH_POLL`` seconds
(docs/benchmarks.md).
Button presses set the event, so they are handled at once.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import pygame

from nojd.errors import ConfigError
from nojd.kiosk import screens
from nojd.kiosk.central import Applied, Keeper, apply
from nojd.kiosk.clock import Clock
from nojd.kiosk.config import KioskConfig
from nojd.kiosk.display import Display
from nojd.kiosk.inputs import MOVE, PRESS, SPEECH, STAFF, Buttons
from nojd.kiosk.outbox import Outbox, OutboxError
from nojd.kiosk.page import Page
from nojd.kiosk.session import RETRY_SECONDS, Screen, Session, View
from nojd.kiosk.speech import Speaker, voice_for
from nojd.kiosk.spoken import announced, confirmed, spoken
from nojd.kiosk.staff import StaffSummary, summarize
from nojd.kiosk.uplink import Uplink
from nojd.survey import MessageError, Response, Survey
from nojd.survey.central import decode_config
from nojd.survey.topics import MAX_REASON
from nojd.systemd import Watchdog, notify

log = logging.getLogger("nojd.kiosk")

#: How often a display kiosk looks for touches and keys while idle (seconds).
TOUCH_POLL = 0.05
_KEYS = {getattr(pygame, f"K_{n}"): n for n in range(1, 6)} | {
    getattr(pygame, f"K_KP{n}"): n for n in range(1, 6)
}


@dataclass
class Parts:
    """What a kiosk is made of; :func:`nojd.kiosk.wiring.build_kiosk` makes them from a config."""

    config: KioskConfig
    clock: Clock
    survey: Survey
    zone: ZoneInfo
    #: None in buttons mode: nothing to draw on.
    display: Display | None
    buttons: Buttons
    #: Set by the buttons' threads so that the sleeping loop notices a press at once.
    wake: threading.Event
    #: Open the outbox (it may fail, and is tried again) and, with a broker, its uplink.
    open_outbox: Callable[[], Outbox]
    open_uplink: Callable[[Outbox], Uplink | None]
    #: The terminal's own config file, under any central configuration.
    base: KioskConfig | None = None
    #: Where the last good central configuration is kept, and the one running now.
    keeper: Keeper | None = None
    central: Applied | None = None
    #: Reads the screens aloud once a visitor presses the speech button; None: no speech.
    speaker: Speaker | None = None


class Kiosk:
    """One terminal's loop: inputs to the session, timers, and the screen drawn from its view."""

    def __init__(
        self, parts: Parts, on_commit: Callable[[Response], None] = lambda response: None
    ) -> None:
        self.parts = parts
        self.config = parts.config
        self.clock = parts.clock
        self.survey = parts.survey
        self.zone = parts.zone
        self.display = parts.display
        self.buttons = parts.buttons
        self.external_on_commit = on_commit
        self.on_frame: Callable[[int, float], None] = lambda version, at: None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._wake = parts.wake
        self._hold_until: float | None = None
        self._finger_down: tuple[object, object] | None = None
        self._finger_since = 0.0
        self._summary: StaffSummary | None = None
        self._drawn = -1
        self.hotspots: list[screens.Hotspot] = []
        #: The lines of text and faces of the screen shown, where they are (for tests).
        self.marks: list[screens.Mark] = []
        self.surface = self.display.view if self.display else None
        self._alarm = False
        self.outbox: Outbox | None = None
        self.session: Session | None = None
        self.uplink: Uplink | None = None
        self._broken = View(Screen.OUT_OF_ORDER, self.config.languages[0])
        self._retry_at = 0.0
        self.central = parts.central
        self._pending: Applied | None = None
        #: The last config refused, and why, until a later one is applied.
        self._refused: tuple[int, str] | None = None
        self.speaker = parts.speaker
        #: Whether this visit is read aloud (the speech button was pressed), and the view
        #: last spoken.
        self._spoken: View | None = None
        self._pending_lock = threading.Lock()
        self._open_outbox()
        self._redraw()

    # -- public ----------------------------------------------------------------

    @property
    def view(self) -> View:
        """What the terminal shows now."""
        return self.session.view if self.session else self._broken

    def run(self) -> None:
        """Serve visitors until :meth:`stop`."""
        log.info(
            "kiosk %s at %s ready (%s mode)", self.config.device, self.config.site, self.config.mode
        )
        watchdog = Watchdog()
        self.pump()
        notify(f"READY=1\nSTATUS=serving visitors at {self.config.site}")
        while not self._stop.is_set():
            watchdog.kick()  # only while this loop comes round: a hung kiosk is restarted
            self.pump(watchdog.wait_limit(self._timeout()))

    def pump(self, timeout: float = 0.0) -> None:
        """Wait up to ``timeout`` seconds for input, handle all of it, apply timers, redraw."""
        if timeout > 0:
            self._wake.wait(timeout if self.surface is None else min(timeout, TOUCH_POLL))
        self._wake.clear()
        for event in pygame.event.get():
            try:
                self._handle(event)
            except Exception:  # a kiosk never stops for a bad press
                log.exception("ignored an input that failed: %s", event)
        try:
            self._tick()
            self._redraw()
        except Exception:  # nor for a screen that fails to draw
            log.exception("the screen could not be updated")

    def stop(self) -> None:
        """End :meth:`run` from any thread."""
        self._stop.set()
        self._wake.set()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    def close(self) -> None:
        """Release pins, uplink, outbox, speech and display; safe to call twice."""
        if self.speaker is not None:
            self.speaker.close()
        if self.uplink is not None:
            self.uplink.stop()
        self.buttons.close()
        if self.outbox is not None:
            self.outbox.close()
            self.outbox = None
        if self.display is not None:
            self.display.close()
        pygame.display.quit()

    def wait_for(self, predicate: Callable[[View], bool], timeout: float) -> bool:
        """Block (another thread) until the view satisfies ``predicate``."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self.view), timeout)

    def tap(self, position: tuple[int, int]) -> None:
        """Post a click at ``position`` on the panel, as a mouse would."""
        for kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            pygame.event.post(pygame.event.Event(kind, pos=position, button=1, touch=False))

    # -- inside ----------------------------------------------------------------

    def _open_outbox(self) -> None:
        try:
            self.outbox = self.parts.open_outbox()
        except OutboxError as exc:
            log.error("out of order: %s", exc)
            self._broken = View(Screen.OUT_OF_ORDER, self.config.languages[0], reason=str(exc))
            self._retry_at = self.clock.monotonic() + RETRY_SECONDS
            return
        self.uplink = self.parts.open_uplink(self.outbox)
        if self.uplink is not None:
            self.uplink.on_config = self._on_config
            if self.central is not None:
                self.uplink.config_state = self._config_state(self.central.version)
            self.uplink.start()
        self._new_session(self.outbox)

    def _new_session(self, outbox: Outbox) -> None:
        hours = self.config.hours
        self.session = Session(
            self.config,
            self.survey,
            outbox,
            self.clock,
            on_commit=self._committed,
            is_open=(lambda: hours.is_open(self.clock.now())) if hours else (lambda: True),
        )

    # -- central configuration ---------------------------------------------------

    def _on_config(self, payload: bytes) -> None:
        """A central config arrived (the uplink's thread): checked and kept on disk now,
        applied by the loop at the welcome screen."""
        current = self._pending or self.central
        running = self.central.version if self.central else None
        try:
            version, data = decode_config(payload)
        except MessageError as exc:
            log.error("refused a central config message: %s", exc)
            return
        if current is not None and (current.version, current.data) == (version, data):
            return  # the retained message again, after a reconnect
        base = self.parts.base or self.config
        try:
            applied = apply(base, version, data)
            if self.parts.keeper is not None:
                self.parts.keeper.save(applied)
        except (ConfigError, OSError) as exc:
            keeping = f"version {running}" if running is not None else "the config file"
            log.error("refused central config version %d: %s; keeping %s", version, exc, keeping)
            self._refused = (version, _printable(str(exc))[:MAX_REASON])
            if self.uplink is not None:
                self.uplink.report_config(self._config_state(running))
            return
        log.info("central config version %d received; applied at the welcome screen", version)
        with self._pending_lock:
            self._pending = applied
        self._wake.set()

    def _config_state(self, running: int | None) -> dict[str, Any]:
        """What a status says of central configs: the one running, the last refused."""
        refused, reason = self._refused or (None, None)
        return {"applied": running, "refused": refused, "reason": reason}

    def _reconfigure(self) -> None:
        """Take the pending central config, if one waits and no visitor is mid-visit."""
        with self._pending_lock:
            applied, self._pending = self._pending, None
        if applied is None or self.outbox is None:
            return
        self.config, self.survey, self.central = applied.config, applied.survey, applied
        self.zone = applied.config.zone
        if self._refused and self._refused[0] <= applied.version:
            self._refused = None  # a later config took its place
        if self.uplink is not None:
            self.uplink.use_survey(applied.survey)
            self.uplink.report_config(self._config_state(applied.version))
        self._new_session(self.outbox)
        self._drawn = -1  # the new session counts its versions afresh
        log.info("applied central config version %d", applied.version)

    def _committed(self, response: Response) -> None:
        if self.uplink is not None:
            self.uplink.notify(response.seq)
        if self.config.mode == "buttons":
            self.buttons.thank()
        self.external_on_commit(response)

    def _handle(self, event: pygame.event.Event) -> None:
        session = self.session
        if event.type == pygame.QUIT or (
            event.type == pygame.KEYDOWN
            and event.key == pygame.K_ESCAPE
            and not self.config.display.fullscreen
        ):
            self._stop.set()
        if session is None:
            return
        if event.type == PRESS:
            # In buttons mode the thank-you blink after the commit is the confirmation.
            if session.press(event.number) and self.config.mode == "display":
                self.buttons.confirm()
        elif event.type == STAFF:
            session.request_staff(with_pin=False)
        elif event.type == SPEECH:
            self._start_speech()
        elif event.type == MOVE:
            (session.back if event.number < 0 else session.skip)()
        elif event.type == pygame.KEYDOWN:
            self._key(session, event)
        elif event.type in (pygame.FINGERDOWN, pygame.FINGERUP):
            self._finger(session, event)
        elif event.type == pygame.MOUSEBUTTONDOWN and self.display is not None:
            # SDL also reports a touch as a mouse click; _finger handles the touch.
            if not getattr(event, "touch", False):
                self._touch(session, self.display.to_view(*event.pos))
        elif event.type == pygame.MOUSEBUTTONUP and not getattr(event, "touch", False):
            self._hold_until = None

    def _key(self, session: Session, event: pygame.event.Event) -> None:
        if session.view.screen is Screen.PIN:
            if event.unicode.isdigit():
                session.pin_digit(event.unicode)
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                session.pin_ok()
            elif event.key == pygame.K_BACKSPACE:
                session.pin_back()
        elif event.key in _KEYS:
            session.press(_KEYS[event.key])
        elif event.key == pygame.K_F12:
            session.request_staff(with_pin=True)
        elif event.key == pygame.K_F1:  # the speech button, on a keyboard
            self._start_speech()
        elif event.key == pygame.K_F2:
            session.toggle_mode("large_text")
        elif event.key == pygame.K_F3:
            session.toggle_mode("high_contrast")
        elif event.key in (pygame.K_LEFT, pygame.K_BACKSPACE):
            session.back()
        elif event.key == pygame.K_RIGHT:
            session.skip()
        if event.key == pygame.K_ESCAPE:
            session.close()

    def _finger(self, session: Session, event: pygame.event.Event) -> None:
        """One finger at a time: a second finger, a palm or a sleeve presses nothing."""
        finger = (getattr(event, "touch_id", None), getattr(event, "finger_id", None))
        if event.type == pygame.FINGERUP:
            if finger == self._finger_down:
                self._finger_down = None
                self._hold_until = None
            return
        if self.display is None:
            return
        if self._finger_down not in (None, finger) and not self._stuck():
            return  # a finger is down already; the same finger again means its lift was lost
        position = self.display.finger(getattr(event, "x", math.nan), getattr(event, "y", math.nan))
        if position is not None:
            self._finger_down = finger
            self._finger_since = self.clock.monotonic()
            self._touch(session, position)

    def _stuck(self) -> bool:
        """Whether the finger that is down has been so longer than anyone holds a target."""
        return self.clock.monotonic() - self._finger_since > self.config.staff.long_press + 5

    def _touch(self, session: Session, position: tuple[int, int]) -> None:
        if self._in_staff_corner(position):
            self._hold_until = self.clock.monotonic() + self.config.staff.long_press
            return
        for hotspot in self.hotspots:
            if hotspot.rect.collidepoint(position):
                self._act(session, hotspot.action)
                return

    def _in_staff_corner(self, position: tuple[int, int]) -> bool:
        if self.surface is None:
            return False
        side = min(self.surface.get_size()) // 8
        return position[0] < side and position[1] < side

    def _act(self, session: Session, action: screens.Action) -> None:
        kind, value = action
        handlers: dict[str, Callable[[], bool]] = {
            "start": session.start,
            # an answer target carries a grade or an option id (an Action holds any value)
            "answer": lambda: isinstance(value, int | str) and session.answer(value),
            "languages": session.open_languages,
            "language": lambda: session.choose_language(str(value)),
            "pin": lambda: session.pin_digit(str(value)),
            "pin_erase": session.pin_back,
            "pin_ok": session.pin_ok,
            "close": session.close,
            "more_time": session.take_more_time,
            "back": session.back,
            "skip": session.skip,
            "large_text": lambda: session.toggle_mode("large_text"),
            "high_contrast": lambda: session.toggle_mode("high_contrast"),
            "tab": lambda: session.staff_tab(str(value)),
            "nothing": lambda: False,
        }
        handlers[kind]()

    def _tick(self) -> None:
        now = self.clock.monotonic()
        if self.session is None:
            if now >= self._retry_at:
                self._open_outbox()
            return
        if self._hold_until is not None and now >= self._hold_until:
            self._hold_until = None
            self.session.request_staff(with_pin=True)
        self.session.tick()
        if self._pending is not None and self.session.idle:
            self._reconfigure()

    def _timeout(self) -> float:
        """Seconds until the next deadline; long when nothing is due."""
        now = self.clock.monotonic()
        deadlines = [now + 3600.0]
        if self.session is None:
            deadlines.append(self._retry_at)
        else:
            deadlines.append(self.session.deadline() or deadlines[0])
            if self._hold_until is not None:
                deadlines.append(self._hold_until)
            if self.config.hours is not None:
                change = self.config.hours.next_change(self.clock.now())
                if change is not None:
                    deadlines.append(now + (change - self.clock.now()).total_seconds())
        return max(0.001, min(deadlines) - now)

    def _redraw(self) -> None:
        version = self.session.version if self.session else -2 - int(self._retry_at)
        if version == self._drawn:
            return
        self._drawn = version
        view = self.view
        if self.config.mode == "buttons" and (view.screen is Screen.OUT_OF_ORDER) != self._alarm:
            self._alarm = not self._alarm
            self.buttons.alarm(self._alarm)
        if view.screen is Screen.STAFF and self.session and self.outbox:
            self._summary = replace(
                summarize(self.survey, self.outbox, self.clock.now(), self.zone,
                          self._connection()),
                fault=self.session.fault,
            )  # fmt: skip
        if self.surface is not None:
            drawn = screens.draw(self.surface, view, self._context(), self._summary)
            self.hotspots, self.marks = drawn.hotspots, drawn.marks
        self._speak(view)
        if self.display is not None:
            self.display.flip()
            self.on_frame(version, time.perf_counter())
        with self._changed:
            self._changed.notify_all()

    # -- speech ------------------------------------------------------------------

    @property
    def speaking(self) -> bool:
        """Whether this visit is read aloud."""
        return self.view.speech

    def _start_speech(self) -> None:
        """The speech button: read this screen aloud now, and every screen of the visit."""
        if self.speaker is None or self.session is None or not self.session.start_speech():
            return
        self._spoken = None  # a press while speaking reads the screen again
        self._drawn = -1  # redraw, and so speak, at once

    def _speak(self, view: View) -> None:
        """Say the screen ``view`` if this visit is read aloud; a press is confirmed
        without its grade. The visit's end ends the speech. The offer of more time
        sounds for every visitor: seen and heard."""
        if self.speaker is None or view == self._spoken:
            return
        before, self._spoken = self._spoken, view
        # A language without a voice (Somali) is shown, never spoken in another's voice.
        voiced = voice_for(view.lang) is not None
        modes = announced(before, view) if voiced else ""
        if not view.speech:
            if before is not None and before.speech:
                self.speaker.hush()  # the visit is over (or staff took over): silence
            if view.more_time and (before is None or not before.more_time):
                self.speaker.chime()
            if modes:  # a mode turned on or off is said to everyone: it tells nothing
                self.speaker.say(modes, view.lang)
            return
        words = modes or spoken(Page(view, self._context(), StaffSummary()))
        answered = (
            before is not None
            and before.screen is Screen.QUESTION
            and (view.screen is Screen.THANKS or view.step > before.step)
        )
        if answered:
            words = f"{confirmed(view.lang)} {words}"
        if words and voiced:
            self.speaker.say(words, view.lang)

    def _connection(self) -> str:
        return self.uplink.state if self.uplink is not None else "offline"

    def _context(self) -> screens.Context:
        hours = self.config.hours
        return screens.Context(
            survey=self.survey,
            languages=self.config.languages,
            device=self.config.device,
            site=self.config.site,
            staff_timeout=self.config.staff.timeout,
            has_buttons=bool(self.buttons.grades),
            next_opening=(lambda: hours.next_opening(self.clock.now()))
            if hours
            else (lambda: None),
            now=self.clock.now,
        )


def _printable(said: str) -> str:
    """``said`` without control characters, for a status the server shows people."""
    return "".join(c if c.isprintable() else " " for c in said)
