"""The session's rules on their own: no pygame, no pins, a manual clock and a real outbox."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nojd.kiosk.clock import ManualClock
from nojd.kiosk.config import KioskConfig, SessionConfig, StaffConfig
from nojd.kiosk.outbox import Outbox
from nojd.kiosk.pin import hash_pin
from nojd.kiosk.session import MAX_PIN_ATTEMPTS, PIN_LOCKOUT, RETRY_SECONDS, Screen, Session
from nojd.survey import Response, default_survey

SURVEY = default_survey()
PIN = "1357"
PIN_HASH = hash_pin(PIN, salt="test")  # scrypt: once, not per example
START = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
RULES = SessionConfig()
#: Long enough to be past the settle time, short of every timeout.
READ = RULES.settle_time + 0.1


class Desk:
    """A session with its outbox and clock; ``committed`` is what ``on_commit`` was given."""

    def __init__(self, folder, outbox=None, **changes) -> None:
        config = KioskConfig(device="desk-1", site="kontaktcenter", data_dir=folder)
        staff = StaffConfig(pin_hash=PIN_HASH)
        self.config = replace(config, staff=staff, **changes)
        self.clock = ManualClock(START)
        self.outbox = outbox or Outbox(folder, "desk-1", self.clock)
        self.committed: list[Response] = []
        self.open = True
        self.session = Session(
            self.config,
            SURVEY,
            self.outbox,
            self.clock,
            on_commit=self.committed.append,
            is_open=lambda: self.open,
        )

    @property
    def screen(self) -> Screen:
        return self.session.view.screen

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.session.tick()

    def press(self, *numbers: int) -> list[bool]:
        """Press each button after reading the screen, as a visitor does."""
        taken = []
        for number in numbers:
            self.wait(READ)
            taken.append(self.session.press(number))
        return taken


@pytest.fixture
def desk(tmp_path):
    made: list[Desk] = []

    def make(**changes) -> Desk:
        made.append(Desk(tmp_path / f"desk{len(made)}", **changes))
        return made[-1]

    yield make
    for each in made:
        each.outbox.close()


def test_a_whole_visit_is_committed_before_the_thanks(desk):
    d = desk()
    assert d.press(1, 4, 5, 2, 5, 2) == [True] * 6  # start, four grades, the choice "referred"
    assert d.screen is Screen.THANKS
    [response] = d.committed
    assert d.outbox.pending() == [response]
    assert dict(response.answers) == {
        "wait_time": 4, "reception": 5, "trust": 2, "overall": 5, "resolution": "referred",
    }  # fmt: skip
    assert response.flags == ()
    d.wait(RULES.response_interval)
    assert d.screen is Screen.WELCOME


def test_presses_while_thanking_are_ignored(desk):
    d = desk(ask_optional=False)
    d.press(1, 5, 5, 5, 5)
    assert d.press(1, 1) == [False, False]
    assert d.screen is Screen.THANKS
    assert len(d.committed) == 1


def test_a_visitor_who_leaves_is_saved_as_partial(desk):
    d = desk()
    d.press(1, 3, 3)
    d.wait(RULES.inactivity_timeout - READ)
    assert d.screen is Screen.QUESTION  # not yet
    d.wait(READ)
    assert d.screen is Screen.WELCOME
    [response] = d.committed
    assert dict(response.answers) == {"wait_time": 3, "reception": 3}
    assert response.flags == ("partial",)


def test_a_visitor_who_answers_nothing_leaves_nothing(desk):
    d = desk()
    d.press(1)
    d.wait(RULES.inactivity_timeout)
    assert d.screen is Screen.WELCOME
    assert d.committed == [] and d.outbox.backlog() == 0


def test_a_press_within_the_settle_time_answers_nothing(desk):
    d = desk()
    d.press(1, 4)  # start, then the first question
    assert d.session.view.step == 2
    assert d.session.press(4) is False  # the same finger again, at once
    assert d.session.view.step == 2


def test_bursts_beyond_the_limit_are_kept_and_flagged(desk):
    d = desk(mode="buttons", session=replace(RULES, rapid_repeat_limit=2))
    for _ in range(4):
        d.press(5)
        d.wait(RULES.response_interval)
    assert [r.flags for r in d.committed] == [(), (), ("rapid-repeat",), ("rapid-repeat",)]
    d.wait(RULES.rapid_repeat_window)
    d.press(5)
    assert d.committed[-1].flags == ()


def test_buttons_mode_answers_the_configured_question_with_one_press(desk):
    d = desk(mode="buttons", buttons_question="reception")
    assert d.press(0, 6) == [False, False]  # no such grade
    assert d.press(2) == [True]
    assert [dict(r.answers) for r in d.committed] == [{"reception": 2}]


def test_closed_hours_show_closed_and_take_no_answers(desk):
    d = desk()
    d.open = False
    d.wait(1)
    assert d.screen is Screen.CLOSED
    assert d.press(1) == [False]
    d.open = True
    d.wait(1)
    assert d.screen is Screen.WELCOME


def test_closing_time_lets_the_visitor_finish(desk):
    d = desk(ask_optional=False)
    d.press(1, 4)
    d.open = False
    d.wait(1)
    assert d.screen is Screen.QUESTION
    d.press(4, 4, 4)
    d.wait(RULES.response_interval)
    assert d.screen is Screen.CLOSED
    assert len(d.committed) == 1


def test_the_language_is_the_visitors_and_resets_for_the_next(desk):
    d = desk(ask_optional=False)
    d.wait(READ)
    assert d.session.open_languages()
    assert d.session.choose_language("en")
    assert not d.session.choose_language("xx")
    d.press(1, 2, 2, 2, 2)
    assert d.committed[0].lang == "en"
    d.wait(RULES.response_interval)
    assert d.session.view.lang == "sv"


def test_an_outbox_that_fails_keeps_answers_in_order_until_it_works(desk):
    d = desk(ask_optional=False)
    d.press(1, 5, 5, 5, 5)
    d.wait(RULES.response_interval)
    pages = d.outbox.db.execute("PRAGMA page_count").fetchone()[0]
    d.outbox.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
    while d.screen is not Screen.OUT_OF_ORDER:
        d.press(1, 1, 1, 1, 1)
        d.wait(RULES.response_interval)
    assert "database or disk is full" in d.session.view.reason
    kept = len(d.committed)
    d.wait(RETRY_SECONDS)
    assert d.screen is Screen.OUT_OF_ORDER  # still full: still out of order
    d.outbox.db.execute("PRAGMA max_page_count = 1000000")
    d.wait(RETRY_SECONDS)
    assert d.screen is Screen.WELCOME
    assert len(d.committed) == kept + 1
    assert [r.seq for r in d.outbox.pending()] == list(range(1, kept + 2))


def test_the_pin_opens_the_summary_and_locks_after_wrong_tries(desk):
    d = desk()
    assert d.session.request_staff(with_pin=True)
    for digit in PIN:
        d.session.pin_digit(digit)
    assert d.session.pin_ok()
    assert d.screen is Screen.STAFF
    d.wait(d.config.staff.timeout)
    assert d.screen is Screen.WELCOME
    for _ in range(MAX_PIN_ATTEMPTS):
        d.session.request_staff(with_pin=True)
        d.session.pin_digit("0")
        d.session.pin_ok()
    assert d.screen is Screen.WELCOME
    assert not d.session.request_staff(with_pin=True)  # locked
    assert d.session.request_staff(with_pin=False)  # the staff button needs no PIN
    d.session.close()
    d.wait(PIN_LOCKOUT)
    assert d.session.request_staff(with_pin=True)


def test_a_visit_cut_short_by_staff_is_saved_as_partial(desk):
    d = desk()
    d.press(1, 2)
    assert d.session.request_staff(with_pin=False)
    assert [r.flags for r in d.committed] == [("partial",)]


def test_the_deadline_is_when_tick_changes_the_screen(desk):
    d = desk()
    assert d.session.deadline() is None  # the welcome screen waits for ever
    d.press(1)
    offer = d.session.deadline()  # first, more time is offered
    warning = min(RULES.more_time_warning, RULES.inactivity_timeout / 2)
    assert offer == pytest.approx(d.clock.monotonic() + RULES.inactivity_timeout - warning)
    d.clock.advance(offer - d.clock.monotonic() - 0.01)
    d.session.tick()
    assert d.screen is Screen.QUESTION and not d.session.view.more_time
    d.clock.advance(0.01)
    d.session.tick()
    assert d.session.view.more_time
    deadline = d.session.deadline()  # then the timeout itself
    assert deadline == pytest.approx(offer + warning)
    d.clock.advance(deadline - d.clock.monotonic() - 0.01)
    d.session.tick()
    assert d.screen is Screen.QUESTION
    d.clock.advance(0.01)
    d.session.tick()
    assert d.screen is Screen.WELCOME


#: Waits around every rule's edge: the settle time, the thanks, the timeouts.
WAITS = [0.0, 0.2, READ, 2.0, RULES.response_interval, RULES.inactivity_timeout, 61.0]
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("press"), st.integers(-1, 7)),
        st.tuples(st.just("read and press"), st.lists(st.integers(1, 5), max_size=7)),
        st.tuples(st.just("answer"), st.sampled_from([0, 1, 3, 5, 6, "answered", "nonsense"])),
        st.tuples(st.just("wait"), st.sampled_from(WAITS) | st.floats(0, 90)),
        st.tuples(st.just("start"), st.none()),
        st.tuples(st.just("languages"), st.sampled_from(["sv", "en", "fi"])),
        st.tuples(st.just("staff"), st.booleans()),
        st.tuples(st.just("close"), st.none()),
        st.tuples(st.just("hours"), st.booleans()),
    ),
    max_size=80,
)


@pytest.fixture(scope="module")
def shared_outbox(tmp_path_factory):
    """One outbox for every example: opening a new one per example costs most of the time."""
    with Outbox(tmp_path_factory.mktemp("shared"), "desk-1") as outbox:
        yield outbox


@given(actions=ACTIONS)
def test_any_sequence_of_inputs_keeps_the_rules(shared_outbox, actions):
    d = Desk(shared_outbox.path.parent, shared_outbox)
    first = shared_outbox.db.execute("SELECT coalesce(max(seq), 0) FROM responses").fetchone()[0]
    for kind, value in actions:
        before = (d.session.version, d.session.view)
        if kind == "press":
            d.session.press(value)
        elif kind == "read and press":
            d.press(*value)
        elif kind == "answer":
            d.session.answer(value)
        elif kind == "wait":
            d.wait(value)
        elif kind == "start":
            d.session.start()
        elif kind == "languages":
            d.session.open_languages() and d.session.choose_language(value)
        elif kind == "staff":
            d.session.request_staff(with_pin=value)
        elif kind == "close":
            d.session.close()
        else:
            d.open = value
            d.wait(0)
        view = d.session.view
        assert d.session.version >= before[0]
        assert (d.session.version == before[0]) <= (view == before[1])
        assert view.lang in d.config.languages
        if view.screen is Screen.QUESTION:
            assert 1 <= view.step <= view.steps and view.question is not None
    stored = shared_outbox.pending(limit=1000, after_seq=first)
    assert stored == d.committed  # every commit reached the outbox, in order, once
    assert [r.seq for r in stored] == list(range(first + 1, first + len(stored) + 1))
    for response in stored:
        assert response.answers  # no empty response is ever saved
        assert set(response.flags) <= {"partial", "rapid-repeat"}
    shared_outbox.acknowledge(r.seq for r in stored)
