"""One visitor's way through the survey, and the rules around it.

The session knows nothing of pygame or pins (``tests/test_session.py`` drives
it alone): inputs call its methods, the display draws its :attr:`Session.view`,
and :meth:`Session.tick` applies the timed rules.  Rules (docs/operations.md):

- every answer is committed to the outbox before the thank-you screen;
- a visitor who stops answering is saved after the inactivity timeout with
  the flag ``partial``;
- after a finished response, presses within the response interval are ignored;
- responses beyond ``rapid_repeat_limit`` within ``rapid_repeat_window`` are
  kept but flagged ``rapid-repeat``;
- outside opening hours the closed screen is shown;
- a press or tap within ``settle_time`` of a new question is ignored, so a
  double tap or a shaking hand does not answer the next question too;
- if the outbox cannot be written the out-of-order screen is shown and stays
  until every answer kept in memory meanwhile is committed (retried every
  ``RETRY_SECONDS``);
- after ``MAX_PIN_ATTEMPTS`` wrong staff PINs the PIN keypad is locked for
  ``PIN_LOCKOUT`` seconds.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum

from nojd.kiosk.clock import Clock
from nojd.kiosk.config import KioskConfig
from nojd.kiosk.outbox import Outbox, OutboxError
from nojd.kiosk.pin import verify_pin
from nojd.survey import Question, Response, Survey, build_response
from nojd.survey.translations import full_languages

log = logging.getLogger("nojd.kiosk")

RETRY_SECONDS = 10.0
MAX_PIN_ATTEMPTS = 5
PIN_LOCKOUT = 300.0
MAX_PIN_DIGITS = 8

Answers = dict[str, int | str]
#: The pages of the staff summary: the figures of three periods, and the terminal's state.
STAFF_TABS = ("today", "week", "month", "terminal")
#: What a visitor can turn on for a visit: fields of :class:`View`, themes of the screens.
MODES = ("large_text", "high_contrast")


class Screen(Enum):
    """What the terminal shows."""

    WELCOME = "welcome"
    QUESTION = "question"
    THANKS = "thanks"
    LANGUAGE = "language"
    CLOSED = "closed"
    OUT_OF_ORDER = "out_of_order"
    PIN = "pin"
    STAFF = "staff"


@dataclass(frozen=True)
class View:
    """Everything the display needs to draw the current screen."""

    screen: Screen
    lang: str
    question: Question | None = None
    step: int = 0
    steps: int = 0
    pin_digits: int = 0
    pin_error: bool = False
    reason: str = ""
    #: The visitor is offered more time (the inactivity timeout is near).
    more_time: bool = False
    #: The visitor's modes, chosen on the welcome screen, kept for the visit.
    large_text: bool = False
    high_contrast: bool = False
    #: The visit is read aloud (the speech button was pressed).
    speech: bool = False
    #: Which page of the staff summary is shown (:data:`STAFF_TABS`).
    tab: str = "today"
    #: Counts the visits: a new number is a new visitor (speech and modes end with a visit).
    visitor: int = 0


@dataclass
class _Visit:
    answers: Answers = field(default_factory=dict)
    step: int = 0


class Session:
    """The state machine of the terminal; only the UI thread calls it."""

    def __init__(
        self,
        config: KioskConfig,
        survey: Survey,
        outbox: Outbox,
        clock: Clock,
        on_commit: Callable[[Response], None] = lambda response: None,
        is_open: Callable[[], bool] = lambda: True,
    ) -> None:
        self.config = config
        self.survey = survey
        self.outbox = outbox
        self.clock = clock
        self.on_commit = on_commit
        self.is_open = is_open
        self.questions = tuple(q for q in survey.questions if config.ask_optional or not q.optional)
        self.default_lang = config.languages[0]
        #: Staff screens (the PIN, the summary) are in the first language that has their
        #: texts: Swedish or English, never a terminal-only language.
        full = full_languages()
        self.staff_lang = next((lang for lang in config.languages if lang in full), full[0])
        self.view = View(Screen.WELCOME, self.default_lang)
        self.version = 0
        self._visit = _Visit()
        self._last_input = clock.monotonic()
        self._until = 0.0
        self._recent: deque[float] = deque()
        self._unsaved: list[tuple[Answers, list[str], str]] = []
        self._reason = ""
        self._shown_at = clock.monotonic()
        self._pin = ""
        self._pin_failures = 0
        self._pin_locked_until = 0.0
        self._before_language = Screen.WELCOME
        self._modes: set[str] = set()
        self._toggled_at: dict[str, float] = {}
        self._visitor = 0
        self.tick()

    # -- inputs ---------------------------------------------------------------

    def press(self, number: int) -> bool:
        """A physical button or key 1..5; True if it did something."""
        screen = self.view.screen
        if self.config.mode == "buttons":
            return self._buttons_only(number)
        if screen is Screen.WELCOME:
            return self.start()
        if screen is Screen.QUESTION:
            if self.view.more_time:  # any button takes the time; it answers nothing
                return self.take_more_time()
            return self._answer_by_number(number)
        if screen is Screen.LANGUAGE and 1 <= number <= len(self.config.languages):
            return self.choose_language(self.config.languages[number - 1])
        if screen is Screen.STAFF and 1 <= number <= len(STAFF_TABS):
            return self.staff_tab(STAFF_TABS[number - 1])
        return False

    def start(self) -> bool:
        """A tap on the welcome screen."""
        if self.view.screen is not Screen.WELCOME:
            return False
        self._touch()
        self._visit = _Visit()
        self._show_question()
        return True

    def answer(self, value: int | str) -> bool:
        """A tap on an answer target: a grade, or an option id."""
        if self.view.screen is not Screen.QUESTION or self._settling():
            return False
        if self.view.more_time:
            return self.take_more_time()
        question = self.questions[self._visit.step]
        valid = value in question.option_ids if question.kind == "choice" else value in range(1, 6)
        if not valid:
            return False
        self._touch()
        self._visit.answers[question.id] = value
        self._visit.step += 1
        if self._visit.step < len(self.questions):
            self._show_question()
        else:
            self._finish([])
        return True

    def take_more_time(self) -> bool:
        """The visitor took the time offered: the timeout starts afresh, nothing is answered."""
        if self.view.screen is not Screen.QUESTION or not self.view.more_time:
            return False
        self._touch()
        self._show(replace(self.view, more_time=False))
        return True

    def back(self) -> bool:
        """Back: the previous question (its answer kept, to change or keep), from the first
        question the welcome screen (what was answered is saved as partial), and from the
        language screen the screen before it, in the language it had."""
        screen = self.view.screen
        if screen is Screen.LANGUAGE:
            self._touch()
            self._show(replace(self.view, screen=self._before_language))
            return True
        if screen is not Screen.QUESTION or self._settling():
            return False
        if self.view.more_time:
            return self.take_more_time()
        self._touch()
        if self._visit.step == 0:
            self._save_partial()
            self._welcome(same_visitor=True)
            return True
        self._visit.step -= 1
        self._show_question()
        return True

    def skip(self) -> bool:
        """Skip: the next question, this one unanswered (an earlier answer to it is
        dropped); the figures count only answers."""
        if self.view.screen is not Screen.QUESTION or self._settling():
            return False
        if self.view.more_time:
            return self.take_more_time()
        self._touch()
        self._visit.answers.pop(self.questions[self._visit.step].id, None)
        self._visit.step += 1
        if self._visit.step < len(self.questions):
            self._show_question()
        elif self._visit.answers:
            self._finish([])
        else:  # nothing answered at all: thanks, and no row
            self._until = self.clock.monotonic() + self.config.session.response_interval
            self._show(View(Screen.THANKS, self.view.lang))
        return True

    def toggle_mode(self, mode: str) -> bool:
        """The welcome screen's "Större text" or "Hög kontrast" (a name of :data:`MODES`):
        on or off, for this visit. The same switch again within ``settle_time`` is a bounce."""
        if self.view.screen is not Screen.WELCOME or mode not in MODES:
            return False
        now = self.clock.monotonic()
        if now - self._toggled_at.get(mode, -math.inf) < self.config.session.settle_time:
            return False  # the same switch again at once: a bounce, or a double tap
        self._toggled_at[mode] = now
        self._touch()
        self._modes ^= {mode}
        self._show(self.view)
        return True

    def start_speech(self) -> bool:
        """The speech button: this visit is read aloud, from the screen shown (again, if it
        already was). Not on the staff screens."""
        if self.view.screen in (Screen.PIN, Screen.STAFF):
            return False
        self._touch()
        self._modes.add("speech")
        self._show(self.view)
        return True

    def staff_tab(self, tab: str) -> bool:
        """A page of the staff summary: a period's figures, or the terminal's state."""
        if self.view.screen is not Screen.STAFF or tab not in STAFF_TABS:
            return False
        self._touch()
        self._show(replace(self.view, tab=tab))
        return True

    def open_languages(self) -> bool:
        """The language button."""
        if self.view.screen not in (Screen.WELCOME, Screen.QUESTION):
            return False
        self._touch()
        self._before_language = self.view.screen
        self._show(replace(self.view, screen=Screen.LANGUAGE))
        return True

    def choose_language(self, lang: str) -> bool:
        """A language on the language screen."""
        if self.view.screen is not Screen.LANGUAGE or lang not in self.config.languages:
            return False
        self._touch()
        self._show(replace(self.view, screen=self._before_language, lang=lang))
        return True

    def request_staff(self, with_pin: bool = True) -> bool:
        """The staff action: a long press (then the PIN) or the staff button (no PIN)."""
        if self.view.screen in (Screen.PIN, Screen.STAFF):
            return False
        if with_pin and not self.config.staff.pin_hash:
            log.info("staff long press ignored: no staff.pin_hash configured")
            return False
        if with_pin and self.clock.monotonic() < self._pin_locked_until:
            log.warning("staff long press ignored: the PIN is locked after wrong attempts")
            return False
        self._save_partial()
        self._touch()
        self._pin = ""
        screen = Screen.PIN if with_pin else Screen.STAFF
        self._show(View(screen, self.staff_lang, tab="terminal" if self._unsaved else "today"))
        return True

    def pin_digit(self, digit: str) -> bool:
        """A digit on the PIN keypad."""
        if self.view.screen is not Screen.PIN or len(self._pin) >= MAX_PIN_DIGITS:
            return False
        self._touch()
        self._pin += digit
        self._show(replace(self.view, pin_digits=len(self._pin), pin_error=False))
        return True

    def pin_back(self) -> bool:
        """The erase key on the PIN keypad."""
        if self.view.screen is not Screen.PIN:
            return False
        self._touch()
        self._pin = self._pin[:-1]
        self._show(replace(self.view, pin_digits=len(self._pin), pin_error=False))
        return True

    def pin_ok(self) -> bool:
        """The OK key on the PIN keypad: the summary, or an error."""
        if self.view.screen is not Screen.PIN:
            return False
        self._touch()
        if verify_pin(self._pin, self.config.staff.pin_hash):
            self._pin = ""
            self._pin_failures = 0
            log.info("staff summary opened")
            tab = "terminal" if self._unsaved else "today"  # the fault first, if there is one
            self._show(View(Screen.STAFF, self.staff_lang, tab=tab))
            return True
        self._pin = ""
        self._pin_failures += 1
        log.warning("wrong staff PIN (%d in a row)", self._pin_failures)
        if self._pin_failures >= MAX_PIN_ATTEMPTS:
            self._pin_failures = 0
            self._pin_locked_until = self.clock.monotonic() + PIN_LOCKOUT
            log.warning("staff PIN locked for %d s", PIN_LOCKOUT)
            self._welcome()
        else:
            self._show(replace(self.view, pin_digits=0, pin_error=True))
        return True

    def close(self) -> bool:
        """The close button of the PIN and staff screens."""
        if self.view.screen not in (Screen.PIN, Screen.STAFF):
            return False
        self._welcome()
        return True

    # -- time -----------------------------------------------------------------

    def tick(self) -> None:
        """Apply the timed rules; call when :meth:`deadline` has passed, or often."""
        now = self.clock.monotonic()
        screen = self.view.screen
        if screen is Screen.OUT_OF_ORDER:
            if now >= self._until:
                self._retry()
            return
        if screen is Screen.THANKS and now >= self._until:
            self._welcome()
        elif screen is Screen.WELCOME and self._chosen() and self._idle(now):
            self._welcome()  # chosen, then left: the next visitor starts as everyone does
        elif screen in (Screen.QUESTION, Screen.LANGUAGE, Screen.PIN) and self._idle(now):
            self._save_partial()
            self._welcome()
        elif screen is Screen.QUESTION and not self.view.more_time and now >= self._offer_at():
            self._show(replace(self.view, more_time=True))
        elif screen is Screen.STAFF and now - self._last_input >= self.config.staff.timeout:
            self._welcome()
        if self.view.screen in (Screen.WELCOME, Screen.CLOSED):
            self._follow_hours()

    @property
    def idle(self) -> bool:
        """Whether no visitor is in the middle of anything and every answer is saved: the
        moment a new configuration may take over."""
        screen = self.view.screen
        if screen is Screen.WELCOME and self._chosen():
            return False  # a visitor is choosing a language, a mode or speech
        return screen in (Screen.WELCOME, Screen.CLOSED) and not self._unsaved

    @property
    def fault(self) -> str:
        """Why answers are waiting unsaved (the reason behind "Ur funktion"); empty when
        every answer is saved. For the staff summary, never for visitors."""
        return self._reason if self._unsaved else ""

    def deadline(self) -> float | None:
        """The monotonic time at which :meth:`tick` will change something."""
        screen = self.view.screen
        if screen in (Screen.THANKS, Screen.OUT_OF_ORDER):
            return self._until
        if screen is Screen.WELCOME and self._chosen():
            return self._last_input + self.config.session.inactivity_timeout
        if screen is Screen.STAFF:
            return self._last_input + self.config.staff.timeout
        if screen is Screen.QUESTION and not self.view.more_time:
            return self._offer_at()
        if screen in (Screen.QUESTION, Screen.LANGUAGE, Screen.PIN):
            return self._last_input + self.config.session.inactivity_timeout
        return None

    def _offer_at(self) -> float:
        """When the visitor on a question is offered more time (the timeout itself if never)."""
        timeout = self.config.session.inactivity_timeout
        warning = min(self.config.session.more_time_warning, timeout / 2)
        return self._last_input + timeout - warning

    # -- inside -----------------------------------------------------------------

    def _idle(self, now: float) -> bool:
        return now - self._last_input >= self.config.session.inactivity_timeout

    def _touch(self) -> None:
        self._last_input = self.clock.monotonic()

    def _chosen(self) -> bool:
        """Whether a visitor's choices (a mode, a language) show on the welcome screen."""
        return bool(self._modes) or self.view.lang != self.default_lang

    def _show(self, view: View) -> None:
        if view.screen is not self.view.screen or view.step != self.view.step:
            self._shown_at = self.clock.monotonic()
        view = replace(view, visitor=self._visitor)
        if view.screen not in (Screen.PIN, Screen.STAFF):  # staff see the standard screens
            modes = self._modes
            view = replace(view, large_text="large_text" in modes,
                           high_contrast="high_contrast" in modes,
                           speech="speech" in modes)  # fmt: skip
        self.view = view
        self.version += 1

    def _settling(self) -> bool:
        return self.clock.monotonic() - self._shown_at < self.config.session.settle_time

    def _show_question(self) -> None:
        step = self._visit.step
        self._show(
            View(
                Screen.QUESTION,
                self.view.lang,
                question=self.questions[step],
                step=step + 1,
                steps=len(self.questions),
            )
        )

    def _welcome(self, same_visitor: bool = False) -> None:
        """The welcome screen: for the next visitor (modes off, the default language), or
        for the ``same_visitor`` who went back to it (their modes and language kept)."""
        lang = self.view.lang if same_visitor else self.default_lang
        self._visit = _Visit()
        self._pin = ""
        if not same_visitor:
            self._modes = set()
            self._visitor += 1
        if self._unsaved:
            self._out_of_order(self._reason, lang)
            return
        self._show(View(Screen.WELCOME, lang))
        self._follow_hours()

    def _follow_hours(self) -> None:
        is_open = self.is_open()
        if not is_open and self.view.screen is Screen.WELCOME:
            self._modes = set()  # closing time: whoever chose them has gone
            self._visitor += 1
            self._show(View(Screen.CLOSED, self.default_lang))
        elif is_open and self.view.screen is Screen.CLOSED:
            self._show(View(Screen.WELCOME, self.default_lang))

    def _answer_by_number(self, number: int) -> bool:
        if self._settling():
            return False
        question = self.questions[self._visit.step]
        if question.kind == "choice":
            if not 1 <= number <= len(question.options):
                return False
            return self.answer(question.option_ids[number - 1])
        return self.answer(number)

    def _buttons_only(self, number: int) -> bool:
        if self.view.screen is not Screen.WELCOME or not 1 <= number <= 5 or self._settling():
            return False
        self._visit = _Visit(answers={self.config.buttons_question: number})
        self._finish([])
        return True

    def _save_partial(self) -> None:
        if self.view.screen in (Screen.QUESTION, Screen.LANGUAGE) and self._visit.answers:
            self._commit(dict(self._visit.answers), ["partial"], self.view.lang)
            self._visit = _Visit()

    def _finish(self, flags: list[str]) -> None:
        if self._commit(dict(self._visit.answers), flags, self.view.lang):
            self._until = self.clock.monotonic() + self.config.session.response_interval
            self._show(View(Screen.THANKS, self.view.lang))

    def _commit(self, answers: Answers, flags: list[str], lang: str) -> bool:
        now = self.clock.monotonic()
        window = self.config.session.rapid_repeat_window
        while self._recent and now - self._recent[0] > window:
            self._recent.popleft()
        if len(self._recent) >= self.config.session.rapid_repeat_limit:
            flags = [*flags, "rapid-repeat"]
        self._recent.append(now)
        if self._unsaved:  # keep the order: older answers are saved first
            self._unsaved.append((answers, flags, lang))
            return False
        try:
            response = self._save(answers, flags, lang)
        except OutboxError as exc:
            log.error("out of order: %s", exc)
            self._unsaved.append((answers, flags, lang))
            self._out_of_order(str(exc))
            return False
        self.on_commit(response)
        return True

    def _out_of_order(self, reason: str, lang: str | None = None) -> None:
        self._reason = reason
        self._until = self.clock.monotonic() + RETRY_SECONDS
        if lang is None:  # the visitor's language, as they see it fail
            staff = self.view.screen in (Screen.PIN, Screen.STAFF)
            lang = self.default_lang if staff else self.view.lang
        self._show(View(Screen.OUT_OF_ORDER, lang, reason=reason))

    def _save(self, answers: Answers, flags: list[str], lang: str) -> Response:
        stamp = self.clock.stamp()

        def build(seq: int) -> Response:
            return build_response(
                self.survey,
                device=self.config.device,
                seq=seq,
                site=self.config.site,
                lang=lang,
                answers=answers,
                flags=flags,
                at=stamp.at,
                clock=stamp.clock,
            )

        return self.outbox.commit(build, stamp)

    def _retry(self) -> None:
        while self._unsaved:
            answers, flags, lang = self._unsaved[0]
            try:
                response = self._save(answers, flags, lang)
            except OutboxError as exc:
                log.error("still out of order, %d answers kept: %s", len(self._unsaved), exc)
                self._out_of_order(str(exc))
                return
            self._unsaved.pop(0)
            log.info("outbox writable again; a kept response is saved as seq %d", response.seq)
            self.on_commit(response)
        self._welcome()
