"""A visitor who cannot see the screen: the speech button (a real gpiozero mock pin) makes
the kiosk read each screen aloud with espeak-ng, confirms a press without its grade,
and stops when the visit ends. The sound is rendered and compared, not assumed."""

from dataclasses import replace

import pytest
from gpiozero.pins.mock import MockFactory
from kiosk_helpers import READ_TIME, TUESDAY, Kept, base_config
from waiting import wait_until

from nojd.kiosk.clock import ManualClock
from nojd.kiosk.session import Screen
from nojd.kiosk.speech import Speaker, render
from nojd.kiosk.wiring import build_kiosk
from nojd.survey import default_survey

SPEECH_PIN = 16
SURVEY = default_survey()


@pytest.fixture
def talking(tmp_path, dummy_video):
    played: list[bytes] = []

    def keep(wav):
        played.append(wav)
        return Kept()

    config = base_config(tmp_path / "data")
    config = replace(config, gpio=replace(config.gpio, speech_button=SPEECH_PIN))
    clock, factory = ManualClock(TUESDAY), MockFactory()
    kiosk = build_kiosk(config, clock=clock, pin_factory=factory, window=(800, 480),
                        speaker=Speaker(keep))  # fmt: skip
    yield kiosk, factory, clock, played
    kiosk.close()
    factory.close()


def push(factory, kiosk, clock, pin):
    clock.advance(READ_TIME)
    factory.pin(pin).drive_low()
    factory.pin(pin).drive_high()
    kiosk.pump()


def said(played, count):
    assert wait_until(lambda: len(played) >= count, 20), f"{len(played)} of {count} spoken"
    return played[count - 1]


def test_the_speech_button_reads_the_visit_aloud_and_never_a_grade(talking):
    kiosk, factory, clock, played = talking
    kiosk.pump()
    assert not played  # silent until asked
    push(factory, kiosk, clock, SPEECH_PIN)
    welcome = (
        SURVEY.welcome["sv"] + " Tryck på en av de fem knapparna för att börja. "
        "Knapp 1 är längst till vänster."
    )
    assert said(played, 1) == render(welcome, "sv")
    grades = kiosk.config.gpio.buttons
    push(factory, kiosk, clock, grades[0])  # starts
    first = SURVEY.questions[0].text["sv"]
    scale = "Tryck på en knapp från 1, Mycket dåligt, till 5, Mycket bra."
    assert said(played, 2) == render(f"Fråga 1 av 5. {first} {scale}", "sv")
    push(factory, kiosk, clock, grades[3])  # grade 4
    second = SURVEY.questions[1].text["sv"]
    assert said(played, 3) == render(
        f"Svaret är registrerat. Fråga 2 av 5. {second} {scale}", "sv"
    )  # the press confirmed; which grade, never said
    for count, number in enumerate((5, 2, 5), start=4):
        push(factory, kiosk, clock, grades[number - 1])
        said(played, count)  # a visitor listens before pressing on
    push(factory, kiosk, clock, grades[1])  # the choice question's second option
    assert kiosk.view.screen is Screen.THANKS
    thanks = said(played, 7)
    assert thanks.startswith(b"RIFF") and thanks == render(
        "Svaret är registrerat. Tack för ditt svar! " + kiosk_text("kiosk.thanks_more"), "sv"
    )
    clock.advance(30)
    kiosk.pump()
    assert kiosk.view.screen is Screen.WELCOME and not kiosk.speaking
    kiosk.pump()
    assert len(played) == 7  # the next visitor starts in silence


def kiosk_text(key):
    from nojd.survey.translations import text

    return text(key, "sv")


def test_more_time_is_heard_by_every_visitor_and_spoken_to_a_listening_one(talking):
    import io
    import math
    import wave
    from array import array

    from nojd.kiosk.speech import CHIME

    kiosk, factory, clock, played = talking
    grades = kiosk.config.gpio.buttons
    push(factory, kiosk, clock, grades[0])
    clock.advance(12)
    kiosk.pump()
    assert kiosk.view.more_time
    assert said(played, 1) == CHIME  # no speech asked for: a chime, and the screen
    with wave.open(io.BytesIO(CHIME)) as sound:
        samples = array("h", sound.readframes(sound.getnframes()))
        seconds = len(samples) / sound.getframerate()
    assert 0.3 < seconds < 1.0 and math.sqrt(sum(s * s for s in samples) / len(samples)) > 3000
    push(factory, kiosk, clock, grades[2])  # takes the time
    push(factory, kiosk, clock, SPEECH_PIN)
    said(played, 2)
    clock.advance(12)
    kiosk.pump()
    assert said(played, 3) == render("Behöver du mer tid? Tryck på valfri knapp för mer tid.", "sv")
