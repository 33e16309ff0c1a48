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


class Recording(Speaker):
    """The real speaker, noting what it was asked to say: a test of what is *not* said
    cannot wait for a sound that never comes."""

    def __init__(self, play):
        super().__init__(play)
        self.asked: list[tuple[str, str]] = []

    def say(self, text, lang):
        self.asked.append((text, lang))
        super().say(text, lang)


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
                        speaker=Recording(keep))  # fmt: skip
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
        "Knapp 1 är längst till vänster. Längst ner på skärmen finns två knappar: till "
        "vänster större text, till höger hög kontrast."
    )
    assert said(played, 1) == render(welcome, "sv")
    grades = kiosk.config.gpio.buttons
    push(factory, kiosk, clock, grades[0])  # starts
    first = SURVEY.questions[0].text["sv"]
    extent = ("Tryck på en knapp från 1 till 5. Knapp 1: Inte alls. Knapp 2: Till liten del. "
              "Knapp 3: Delvis. Knapp 4: Till stor del. Knapp 5: Helt och hållet.")  # fmt: skip
    assert said(played, 2) == render(f"Fråga 1 av 5. {first} {extent}", "sv")
    push(factory, kiosk, clock, grades[3])  # grade 4
    second = SURVEY.questions[1].text["sv"]
    quality = ("Tryck på en knapp från 1 till 5. Knapp 1: Mycket dåligt. Knapp 2: Dåligt. "
               "Knapp 3: Varken bra eller dåligt. Knapp 4: Bra. Knapp 5: Mycket bra.")  # fmt: skip
    assert said(played, 3) == render(
        f"Svaret är registrerat. Fråga 2 av 5. {second} {quality}", "sv"
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


def test_a_mode_turned_on_or_off_is_said_and_the_next_visitor_starts_without_it(talking):
    kiosk, factory, clock, played = talking
    kiosk.pump()
    kiosk.session.toggle_mode("large_text")
    kiosk.pump()
    assert said(played, 1) == render("Större text är på.", "sv")  # said without asking
    kiosk.session.toggle_mode("high_contrast")
    kiosk.pump()
    assert said(played, 2) == render("Hög kontrast är på.", "sv")
    assert not kiosk.session.toggle_mode("large_text")  # at once again: a bounce, not a tap
    clock.advance(1)
    kiosk.session.toggle_mode("large_text")
    kiosk.pump()
    assert said(played, 3) == render("Större text är av.", "sv")
    assert kiosk.view.high_contrast and not kiosk.view.large_text
    clock.advance(kiosk.config.session.inactivity_timeout)  # left at the welcome screen
    kiosk.pump()
    assert not kiosk.view.high_contrast
    kiosk.pump()
    assert len(played) == 3  # the reset for the next visitor is silent


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


def test_staff_taking_over_from_a_visitor_in_a_mode_hear_nothing(talking):
    kiosk, factory, clock, played = talking
    kiosk.pump()
    kiosk.session.toggle_mode("high_contrast")
    kiosk.pump()
    assert kiosk.speaker.asked == [("Hög kontrast är på.", "sv")]
    clock.advance(1)
    kiosk.session.request_staff(with_pin=False)  # the staff button
    kiosk.pump()
    assert kiosk.view.screen is Screen.STAFF and not kiosk.view.high_contrast
    assert kiosk.speaker.asked == [("Hög kontrast är på.", "sv")]  # no "är av" to the room


def test_speech_left_on_at_the_welcome_screen_ends_before_the_next_visitor(talking):
    kiosk, factory, clock, played = talking
    kiosk.pump()
    push(factory, kiosk, clock, SPEECH_PIN)
    assert kiosk.speaking and len(kiosk.speaker.asked) == 1
    clock.advance(kiosk.config.session.inactivity_timeout)  # nobody went on
    kiosk.pump()
    assert not kiosk.speaking
    push(factory, kiosk, clock, kiosk.config.gpio.buttons[0])  # the next visitor starts
    assert kiosk.view.screen is Screen.QUESTION
    assert len(kiosk.speaker.asked) == 1  # in silence


def test_a_somali_screen_is_shown_and_never_spoken_in_another_voice(talking):
    kiosk, factory, clock, played = talking
    kiosk.session.config = replace(kiosk.session.config, languages=("sv", "so"))
    kiosk.session.open_languages()
    kiosk.session.choose_language("so")
    kiosk.pump()
    push(factory, kiosk, clock, SPEECH_PIN)
    kiosk.session.toggle_mode("large_text")
    kiosk.pump()
    assert kiosk.speaking and kiosk.view.large_text and kiosk.view.lang == "so"
    assert kiosk.speaker.asked == []
