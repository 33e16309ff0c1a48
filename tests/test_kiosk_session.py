"""The kiosk driven as visitors and staff drive it: mock pins, taps, keys, time passing."""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pygame
from kiosk_helpers import PIN, fill_the_disk
from waiting import wait_until

from nojd.kiosk.config import GpioConfig, SessionConfig
from nojd.kiosk.session import RETRY_SECONDS, Screen
from nojd.survey import decode, default_survey, encode
from nojd.survey.hours import OpeningHours


def answers(response):
    return dict(response.answers)


def flags(response):
    return list(response.flags)


def test_a_full_survey_with_the_buttons(rig):
    kiosk = rig()
    assert kiosk.screen is Screen.WELCOME
    kiosk.press(1)
    assert kiosk.screen is Screen.QUESTION
    assert (kiosk.view.step, kiosk.view.steps) == (1, 5)
    kiosk.press(4, 5, 2, 5)
    assert kiosk.view.question.id == "resolution"
    kiosk.press(2)
    assert kiosk.screen is Screen.THANKS
    [row] = kiosk.rows()
    assert answers(row) == {
        "wait_time": 4, "reception": 5, "trust": 2, "overall": 5, "resolution": "referred",
    }  # fmt: skip
    assert flags(row) == []
    assert row.seq == 1
    assert row.lang == "sv"
    # the row is a valid v1 message, and what the kiosk reported as committed
    assert kiosk.committed[0].id == row.id
    assert decode(encode(kiosk.committed[0]), default_survey()) == kiosk.committed[0]


def test_the_led_confirms_each_press(rig):
    kiosk = rig()
    led = kiosk.factory.pin(kiosk.kiosk.config.gpio.led)
    kiosk.press(1)
    assert wait_until(lambda: [state.state for state in led.states] == [False, True, False])


def test_a_full_survey_by_touch(rig):
    kiosk = rig()
    kiosk.tap_action("start")
    for grade in (1, 2, 3, 4):
        kiosk.tap_action("answer", grade)
    kiosk.tap_action("answer", "unanswered")
    assert kiosk.screen is Screen.THANKS
    [row] = kiosk.rows()
    assert answers(row) == {
        "wait_time": 1, "reception": 2, "trust": 3, "overall": 4, "resolution": "unanswered",
    }  # fmt: skip


def test_keyboard_1_to_5_for_development(rig):
    kiosk = rig(ask_optional=False)
    for key in (pygame.K_1, pygame.K_3, pygame.K_3, pygame.K_KP4, pygame.K_5):
        kiosk.key(key)
    assert kiosk.screen is Screen.THANKS
    assert answers(kiosk.rows()[0]) == {"wait_time": 3, "reception": 3, "trust": 4, "overall": 5}


def test_a_visitor_who_leaves_is_saved_as_partial(rig):
    kiosk = rig()
    kiosk.press(1, 5, 4)
    kiosk.wait(19.9)
    assert kiosk.screen is Screen.QUESTION
    assert kiosk.rows() == []
    kiosk.wait(0.1)
    assert kiosk.screen is Screen.WELCOME
    [row] = kiosk.rows()
    assert answers(row) == {"wait_time": 5, "reception": 4}
    assert flags(row) == ["partial"]


def test_a_visitor_who_answers_nothing_leaves_no_row(rig):
    kiosk = rig()
    kiosk.press(3)
    kiosk.wait(20)
    assert kiosk.screen is Screen.WELCOME
    assert kiosk.rows() == []


def test_presses_within_the_response_interval_are_ignored(rig):
    kiosk = rig(ask_optional=False)
    kiosk.press(1, 5, 5, 5, 5)
    assert kiosk.screen is Screen.THANKS
    kiosk.wait(1)
    kiosk.press(1, 2, 3)
    assert kiosk.screen is Screen.THANKS
    assert len(kiosk.rows()) == 1
    kiosk.wait(2)
    assert kiosk.screen is Screen.WELCOME
    kiosk.press(1)
    assert kiosk.screen is Screen.QUESTION


def test_bursts_beyond_the_rate_are_kept_and_flagged(rig):
    session = SessionConfig(response_interval=1, rapid_repeat_limit=2, rapid_repeat_window=60)
    kiosk = rig(session=session, ask_optional=False)
    for _ in range(4):
        kiosk.press(1, 5, 5, 5, 5)
        kiosk.wait(1)
    assert [flags(row) for row in kiosk.rows()] == [[], [], ["rapid-repeat"], ["rapid-repeat"]]
    kiosk.wait(60)
    kiosk.press(1, 5, 5, 5, 5)
    assert flags(kiosk.rows()[-1]) == []


def test_language_switch_and_back_for_the_next_visitor(rig):
    kiosk = rig(ask_optional=False)
    kiosk.tap_action("languages")
    assert kiosk.screen is Screen.LANGUAGE
    kiosk.press(2)
    assert kiosk.screen is Screen.WELCOME
    assert kiosk.view.lang == "en"
    kiosk.press(1)
    assert kiosk.view.question.text[kiosk.view.lang] == "Was the waiting time reasonable?"
    kiosk.tap_action("languages")
    kiosk.tap_action("language", "sv")
    assert kiosk.screen is Screen.QUESTION
    assert kiosk.view.lang == "sv"
    kiosk.tap_action("languages")
    kiosk.tap_action("language", "en")
    kiosk.press(4, 4, 4, 4)
    assert kiosk.rows()[0].lang == "en"
    kiosk.wait(3)
    assert kiosk.screen is Screen.WELCOME
    assert kiosk.view.lang == "sv"


def long_press_corner(kiosk, seconds):
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(5, 5), button=1))
    kiosk.kiosk.pump()
    kiosk.wait(seconds)


def test_staff_screen_after_long_press_and_pin(rig):
    kiosk = rig(ask_optional=False, session=SessionConfig(rapid_repeat_limit=100))
    for grades in [(5, 5, 5, 5)] * 8 + [(1, 1, 1, 1)]:
        kiosk.press(1, *grades)
        kiosk.wait(3)
    long_press_corner(kiosk, 2.9)
    assert kiosk.screen is Screen.WELCOME
    kiosk.wait(0.1)
    assert kiosk.screen is Screen.PIN
    for digit in "1111":
        kiosk.tap_action("pin", digit)
    kiosk.tap_action("pin_ok")
    assert kiosk.screen is Screen.PIN
    assert kiosk.view.pin_error
    for digit in PIN:
        kiosk.tap_action("pin", digit)
    assert kiosk.view.pin_digits == 4
    kiosk.tap_action("pin_ok")
    assert kiosk.screen is Screen.STAFF
    summary = kiosk.kiosk._summary
    overall = summary.figures["today"]["overall"]
    # counted in whole blocks of min_n = 7: the two newest (a five and the ones) wait
    assert overall["n"] == 7
    assert overall["counts"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 7}
    assert summary.backlog == 9
    kiosk.wait(59)
    assert kiosk.screen is Screen.STAFF
    kiosk.wait(1)
    assert kiosk.screen is Screen.WELCOME


def test_staff_summary_suppresses_small_numbers(rig):
    kiosk = rig(ask_optional=False)
    for _ in range(5):
        kiosk.press(1, 2, 2, 2, 2)
        kiosk.wait(3)
    kiosk.key(pygame.K_F12)
    for digit in PIN:
        kiosk.key(pygame.K_0, digit)
    kiosk.key(pygame.K_RETURN)
    assert kiosk.screen is Screen.STAFF
    figures = kiosk.kiosk._summary.figures["month"]["overall"]
    assert figures["n"] == 0  # five responses: no whole block of seven yet
    assert figures["suppressed"] is True
    assert figures["counts"] is None
    assert figures["mean"] is None


def test_five_wrong_pins_return_to_welcome(rig):
    kiosk = rig()
    kiosk.key(pygame.K_F12)
    for _ in range(4):
        kiosk.key(pygame.K_0, "9")
        kiosk.key(pygame.K_RETURN)
        assert kiosk.screen is Screen.PIN
    kiosk.key(pygame.K_RETURN)
    assert kiosk.screen is Screen.WELCOME


def test_long_press_does_nothing_without_a_pin_hash(rig):
    kiosk = rig()
    kiosk.kiosk.session.config = replace(
        kiosk.kiosk.config, staff=replace(kiosk.kiosk.config.staff, pin_hash="")
    )
    long_press_corner(kiosk, 3)
    assert kiosk.screen is Screen.WELCOME


def test_the_staff_button_opens_the_summary_without_a_pin(rig):
    kiosk = rig(gpio=GpioConfig(staff_button=21))
    pin = kiosk.factory.pin(21)
    pin.drive_low()
    # gpiozero's hold timer runs on real time: pump until it fires, within a deadline
    assert wait_until(lambda: kiosk.kiosk.pump(0.05) or kiosk.screen is Screen.STAFF)
    pin.drive_high()
    assert kiosk.screen is Screen.STAFF


def test_buttons_only_mode(rig):
    kiosk = rig(mode="buttons")
    assert kiosk.kiosk.surface is None
    kiosk.press(4)
    kiosk.press(1)
    [row] = kiosk.rows()
    assert answers(row) == {"overall": 4}
    kiosk.wait(3)
    kiosk.press(2)
    assert [answers(row) for row in kiosk.rows()] == [{"overall": 4}, {"overall": 2}]
    led = kiosk.factory.pin(kiosk.kiosk.config.gpio.led)
    assert wait_until(lambda: [state.state for state in led.states[-6:]] == [True, False] * 3)


def test_buttons_only_mode_answers_the_configured_question(rig):
    kiosk = rig(mode="buttons", buttons_question="reception")
    kiosk.press(5)
    assert answers(kiosk.rows()[0]) == {"reception": 5}


WEEKDAYS = OpeningHours(
    ZoneInfo("Europe/Stockholm"),
    {
        day: ((datetime.min.time().replace(hour=8), datetime.min.time().replace(hour=17)),)
        for day in range(5)
    },
)


def test_closed_outside_opening_hours(rig):
    # Saturday 10:00 UTC: closed until Monday 08:00 Stockholm (07:00 UTC)
    kiosk = rig(start=datetime(2026, 11, 28, 10, 0, tzinfo=UTC), hours=WEEKDAYS)
    assert kiosk.screen is Screen.CLOSED
    kiosk.press(1, 5)
    assert kiosk.screen is Screen.CLOSED
    assert kiosk.rows() == []
    for _ in range(100):  # the loop wakes at least hourly, and exactly at the opening
        kiosk.wait(kiosk.kiosk._timeout())
        if kiosk.screen is not Screen.CLOSED:
            break
    assert kiosk.screen is Screen.WELCOME
    assert kiosk.clock.now() == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    kiosk.press(1)
    assert kiosk.screen is Screen.QUESTION


def test_closing_time_lets_the_visitor_finish(rig):
    kiosk = rig(
        start=datetime(2026, 11, 24, 15, 59, 50, tzinfo=UTC), hours=WEEKDAYS, ask_optional=False
    )
    kiosk.press(1, 3)
    kiosk.wait(15)
    assert kiosk.screen is Screen.QUESTION and kiosk.view.more_time  # offered at 12 s
    kiosk.press(3)  # takes the time
    kiosk.press(3, 3, 3)
    kiosk.wait(3)
    assert kiosk.screen is Screen.CLOSED
    assert len(kiosk.rows()) == 1


def test_an_unwritable_data_folder_shows_out_of_order_and_recovers(rig, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    kiosk = rig(data_dir=blocker / "data")
    assert kiosk.screen is Screen.OUT_OF_ORDER
    assert "cannot be opened for writing" in kiosk.view.reason
    kiosk.press(1, 2)
    assert kiosk.screen is Screen.OUT_OF_ORDER
    blocker.unlink()
    kiosk.wait(10)
    assert kiosk.screen is Screen.WELCOME
    kiosk.press(1)
    assert kiosk.screen is Screen.QUESTION


def test_a_full_disk_keeps_the_answer_and_saves_it_later(rig):
    kiosk = rig(ask_optional=False)
    outbox = kiosk.kiosk.outbox
    fill_the_disk(kiosk)
    assert "database or disk is full" in kiosk.view.reason
    saved = len(kiosk.rows())
    kiosk.press(1, 2, 3)
    assert kiosk.screen is Screen.OUT_OF_ORDER
    kiosk.wait(10)
    assert kiosk.screen is Screen.OUT_OF_ORDER
    outbox.db.execute("PRAGMA max_page_count = 1000000")
    kiosk.wait(10)
    assert kiosk.screen is Screen.WELCOME
    rows = kiosk.rows()
    assert len(rows) == saved + 1
    assert [row.seq for row in rows] == list(range(1, saved + 2))


def test_a_failing_input_handler_does_not_stop_the_kiosk(rig, caplog):
    kiosk = rig()
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1))  # no position
    kiosk.kiosk.pump()
    assert "ignored an input that failed" in caplog.text
    kiosk.press(1)
    assert kiosk.screen is Screen.QUESTION


def test_a_partial_answer_that_cannot_be_saved_is_kept_until_it_can(rig):
    kiosk = rig(ask_optional=False)
    outbox = kiosk.kiosk.outbox
    kiosk.press(1, 5, 5, 5, 5)
    kiosk.wait(3)
    before = len(kiosk.rows())
    outbox.db.execute("PRAGMA query_only = 1")  # the storage turns read-only
    kiosk.press(1, 2, 3)
    kiosk.wait(20)  # the visitor leaves; the partial answer cannot be saved
    assert kiosk.screen is Screen.OUT_OF_ORDER
    kiosk.key(pygame.K_F12)  # staff look in
    for digit in PIN:
        kiosk.key(pygame.K_0, digit)
    kiosk.key(pygame.K_RETURN)
    assert kiosk.screen is Screen.STAFF
    kiosk.tap_action("close")
    assert kiosk.screen is Screen.OUT_OF_ORDER  # not welcome: an answer is still unsaved
    assert "readonly database" in kiosk.view.reason
    outbox.db.execute("PRAGMA query_only = 0")
    kiosk.wait(10)
    assert kiosk.screen is Screen.WELCOME
    rows = kiosk.rows()
    assert len(rows) == before + 1
    assert (answers(rows[-1]), flags(rows[-1])) == ({"wait_time": 2, "reception": 3}, ["partial"])


def test_a_double_tap_answers_one_question(rig):
    kiosk = rig()
    kiosk.press(1)
    kiosk.clock.advance(2)  # the visitor reads the question, then taps twice
    for _ in range(2):  # two presses within a tenth of a second
        pin = kiosk.pin(4)
        pin.drive_low()
        pin.drive_high()
        kiosk.kiosk.pump()
        kiosk.clock.advance(0.1)
    assert kiosk.view.step == 2
    kiosk.press(4)
    assert kiosk.view.step == 3


def test_the_pin_locks_after_five_wrong_tries(rig):
    kiosk = rig()
    for _ in range(5):
        kiosk.key(pygame.K_F12)
        kiosk.key(pygame.K_0, "9")
        kiosk.key(pygame.K_RETURN)
        kiosk.key(pygame.K_ESCAPE)
    assert kiosk.screen is Screen.WELCOME
    kiosk.key(pygame.K_F12)
    assert kiosk.screen is Screen.WELCOME  # locked
    kiosk.wait(300)
    kiosk.key(pygame.K_F12)
    assert kiosk.screen is Screen.PIN


def test_buttons_only_mode_blinks_an_alarm_when_out_of_order(rig, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    kiosk = rig(mode="buttons", data_dir=blocker / "data")
    assert kiosk.screen is Screen.OUT_OF_ORDER
    led = kiosk.factory.pin(kiosk.kiosk.config.gpio.led)
    assert wait_until(lambda: len(led.states) > 6)  # blinking on and off
    blocker.unlink()
    kiosk.wait(10)
    assert kiosk.screen is Screen.WELCOME
    assert wait_until(lambda: led.state == 0)
    settled = len(led.states)
    # no blink of any speed is left running (gpiozero blinks from a thread of its own) ...
    assert kiosk.kiosk.buttons.led._blink_thread is None
    # ... and none comes back later: the kiosk sets the LED only while it runs, so run it on
    # its clock past its next retries and timeouts, then look again
    for _ in range(3):
        kiosk.wait(RETRY_SECONDS)
    assert kiosk.kiosk.buttons.led._blink_thread is None
    assert len(led.states) == settled


def test_buttons_only_mode_without_buttons_refuses_to_start(rig):
    from nojd.errors import ConfigError

    try:
        rig(mode="buttons", gpio=GpioConfig(buttons=()))
    except ConfigError as error:
        assert "needs its five buttons" in str(error)
    else:
        raise AssertionError("a buttons-only terminal started without buttons")


def test_a_survey_that_lost_a_question_does_not_break_the_summary(rig, tmp_path):
    from nojd.kiosk.staff import summarize
    from nojd.survey import load_survey

    kiosk = rig(ask_optional=False, session=SessionConfig(rapid_repeat_limit=100))
    for _ in range(7):
        kiosk.press(1, 4, 4, 4, 4)
        kiosk.wait(3)
    smaller = tmp_path / "smaller.toml"
    text = Path(default_survey().source).read_text(encoding="utf-8")
    smaller.write_text(
        text.split('[[questions]]\nid = "reception"')[0]
        + (
            '[[questions]]\nid = "overall"\nkind = "rating"\ntext.sv = "Helhet?"\ntext.en = "Overall?"\n'
            'text.fi = "Kokonaisuus?"\ntext.ar = "بشكل عام؟"\ntext.so = "Guud ahaan?"\n'
            'text.sv-x-ll = "Allt?"\n'
        ),
        encoding="utf-8",
    )
    survey = load_survey(smaller)
    summary = summarize(
        survey, kiosk.kiosk.outbox, kiosk.clock.now(), ZoneInfo("Europe/Stockholm"), "offline"
    )
    assert summary.error == ""
    assert set(summary.figures["today"]) == {"wait_time", "overall"}
    assert summary.figures["today"]["overall"]["n"] == 7


def test_the_out_of_order_screen_shows_visitors_no_internals(rig, tmp_path):
    """The reason (an errno, a path) changes not one pixel of what visitors see."""
    import pygame

    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    kiosk = rig(data_dir=blocker / "data")
    assert kiosk.screen is Screen.OUT_OF_ORDER and "Errno" in kiosk.view.reason
    surface = kiosk.kiosk.surface
    shown = pygame.image.tobytes(surface, "RGB")
    from nojd.kiosk import screens
    from nojd.kiosk.session import View

    screens.draw(surface, View(Screen.OUT_OF_ORDER, "sv", reason="other"), kiosk.kiosk._context(),
                 None)  # fmt: skip
    assert pygame.image.tobytes(surface, "RGB") == shown


def test_more_time_is_offered_before_the_timeout_and_taking_it_answers_nothing(rig):
    kiosk = rig()
    timeout = kiosk.kiosk.config.session.inactivity_timeout  # 20 s, offered 8 s before
    kiosk.press(1)
    assert kiosk.view.step == 1 and not kiosk.view.more_time
    kiosk.wait(timeout - 8 - 0.1)
    assert not kiosk.view.more_time
    kiosk.wait(0.2)
    assert kiosk.view.more_time and kiosk.screen is Screen.QUESTION
    kiosk.press(3)  # a button takes the time
    assert not kiosk.view.more_time and kiosk.view.step == 1
    kiosk.wait(timeout - 8)
    assert kiosk.view.more_time
    kiosk.tap_action("more_time")  # so does a touch anywhere
    assert not kiosk.view.more_time and kiosk.view.step == 1
    kiosk.press(4)
    assert kiosk.view.step == 2  # answering goes on as before
    kiosk.wait(timeout)  # nobody takes it: saved as partial, as before
    assert kiosk.screen is Screen.WELCOME
    [row] = kiosk.rows()
    assert answers(row) == {"wait_time": 4} and flags(row) == ["partial"]


def test_no_offer_of_more_time_when_it_is_turned_off(rig):
    from nojd.kiosk.config import SessionConfig

    kiosk = rig(session=SessionConfig(more_time_warning=0, settle_time=0.4))
    kiosk.press(1)
    for _ in range(19):
        kiosk.wait(1)
        assert not kiosk.view.more_time
    kiosk.wait(1)
    assert kiosk.screen is Screen.WELCOME
