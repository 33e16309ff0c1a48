"""Back and skip, by touch, by key and by tactile buttons (gpiozero mock pins): a skipped
question is unanswered, back keeps what was answered, and the language screen has a way
back."""

from dataclasses import replace

from kiosk_helpers import READ_TIME

from nojd.kiosk.session import Screen

BACK_PIN, SKIP_PIN = 20, 21


def answers(row):
    return dict(row.answers)


def test_skip_leaves_a_question_unanswered_and_back_keeps_answers(rig):
    kiosk = rig()
    kiosk.press(1)
    kiosk.press(4)  # wait_time 4
    assert kiosk.view.step == 2
    kiosk.tap_action("back")
    assert kiosk.view.step == 1
    kiosk.tap_action("skip")  # wait_time skipped after all: its answer is dropped
    assert kiosk.view.step == 2
    kiosk.press(5)  # reception
    kiosk.tap_action("skip")  # trust
    kiosk.press(2)  # overall
    kiosk.tap_action("answer", "referred")
    assert kiosk.screen is Screen.THANKS
    [row] = kiosk.rows()
    assert answers(row) == {"reception": 5, "overall": 2, "resolution": "referred"}
    assert list(row.flags) == []


def test_skipping_everything_saves_nothing_and_still_thanks(rig):
    kiosk = rig()
    kiosk.press(1)
    for _ in range(5):
        kiosk.tap_action("skip")
    assert kiosk.screen is Screen.THANKS
    assert kiosk.rows() == []


def test_back_from_the_first_question_saves_what_was_answered(rig):
    kiosk = rig()
    kiosk.press(1, 3)
    kiosk.tap_action("back")
    kiosk.tap_action("back")
    assert kiosk.screen is Screen.WELCOME
    [row] = kiosk.rows()
    assert answers(row) == {"wait_time": 3} and list(row.flags) == ["partial"]


def test_the_language_screen_has_a_way_back(rig):
    kiosk = rig()
    kiosk.press(1)
    kiosk.tap_action("languages")
    assert kiosk.screen is Screen.LANGUAGE
    kiosk.tap_action("back")
    assert kiosk.screen is Screen.QUESTION and kiosk.view.lang == "sv" and kiosk.view.step == 1


def test_tactile_back_and_skip_buttons(rig):
    from nojd.kiosk.config import GpioConfig

    kiosk = rig(gpio=replace(GpioConfig(), back_button=BACK_PIN, skip_button=SKIP_PIN))

    def push(pin):
        kiosk.clock.advance(READ_TIME)
        kiosk.factory.pin(pin).drive_low()
        kiosk.factory.pin(pin).drive_high()
        kiosk.kiosk.pump()

    kiosk.press(1, 4)
    push(BACK_PIN)
    assert kiosk.view.step == 1
    push(SKIP_PIN)
    push(SKIP_PIN)
    assert kiosk.view.step == 3
    kiosk.press(5, 5)
    kiosk.tap_action("answer", "answered")
    [row] = kiosk.rows()
    assert answers(row) == {"trust": 5, "overall": 5, "resolution": "answered"}
