"""Speech, rendered by the real espeak-ng and measured: every prompt of the terminal in
each language it speaks is sound, not silence; longer texts last longer; and each
language is spoken in its own voice."""

import io
import math
import statistics
import tomllib
import wave
from array import array
from importlib import resources

import pytest
from kiosk_helpers import Kept
from waiting import wait_until

from nojd.kiosk.speech import VOICES, Speaker, SpeechError, espeak, render, voice_for
from nojd.survey import default_survey
from nojd.survey.translations import languages

SURVEY = default_survey()


def measure(wav: bytes) -> tuple[float, float]:
    """``(seconds, RMS)`` of a 16-bit mono WAV."""
    with wave.open(io.BytesIO(wav)) as sound:
        assert (sound.getsampwidth(), sound.getnchannels()) == (2, 1)
        rate = sound.getframerate()
        samples = array("h", sound.readframes(sound.getnframes()))
    assert samples, "no sound at all"
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    return len(samples) / rate, rms


def prompts(lang: str) -> list[str]:
    """What the terminal says: its screens' texts and the survey's questions, options and
    the words of each grade."""
    texts = tomllib.loads(
        (resources.files("nojd.assets") / "translations" / f"{lang}.toml").read_text("utf-8")
    )["kiosk"]
    found = [value for value in texts.values() if isinstance(value, str) and "{" not in value]
    for question in SURVEY.questions:
        found.append(question.text[lang])
        found += [option.text[lang] for option in question.options]
        if question.kind == "rating":
            found += list(question.labels(lang).values())
    return found


@pytest.mark.parametrize("lang", [lang for lang in languages() if voice_for(lang)])
def test_every_prompt_is_sound_and_longer_texts_last_longer(lang):
    said = prompts(lang)
    assert len(said) > 20
    lengths, seconds = [], []
    for text in said:
        duration, rms = measure(render(text, lang))
        assert rms > 500, f"{text!r} in {lang} is (nearly) silent: RMS {rms:.0f}"
        assert duration > 0.2, f"{text!r} in {lang} lasts {duration:.2f} s"
        lengths.append(len(text))
        seconds.append(duration)
    assert statistics.correlation(lengths, seconds) > 0.8
    shortest, longest = min(said, key=len), max(said, key=len)
    assert measure(render(longest, lang))[0] > 2 * measure(render(shortest, lang))[0]


@pytest.mark.parametrize("lang", [lang for lang in languages() if voice_for(lang)])
def test_a_prompt_is_spoken_in_its_own_language_s_voice(lang):
    text = SURVEY.question("overall").text[lang]
    spoken = render(text, lang)
    assert spoken == espeak(text, VOICES[lang])  # espeak-ng is deterministic
    for other, voice in VOICES.items():
        if voice != VOICES[lang]:  # lättläst svenska is Swedish: it shares the Swedish voice
            assert spoken != espeak(text, voice), f"{lang} spoken with {other}'s voice"


def test_a_language_without_a_voice_is_not_spoken_with_another_s():
    assert voice_for("so") is None
    with pytest.raises(SpeechError, match="'so' has no voice"):
        render("Sidee ayaad u qiimeyn lahayd adeegga?", "so")


def test_the_speaker_speaks_each_prompt_in_turn():
    played: list[bytes] = []

    def keep(wav):
        played.append(wav)
        return Kept()

    speaker = Speaker(keep)
    try:
        speaker.say("Välkommen", "sv")
        assert wait_until(lambda: played, 20)
        speaker.say("Tack för ditt svar", "sv")
        assert wait_until(lambda: len(played) == 2, 20)
    finally:
        speaker.close()
    assert played == [render("Välkommen", "sv"), render("Tack för ditt svar", "sv")]


def test_a_new_prompt_cuts_the_one_playing():
    import threading

    played: list[bytes] = []
    cut: list[bytes] = []

    class Playing:
        """A sound that plays until it is stopped, as aplay does with a long prompt."""

        def __init__(self, wav):
            self.wav, self.done = wav, threading.Event()

        def poll(self):
            return 0 if self.done.is_set() else None

        def wait(self):
            self.done.wait(20)
            return 0

        def kill(self):
            cut.append(self.wav)
            self.done.set()

    def play(wav):
        played.append(wav)
        return Playing(wav)

    speaker = Speaker(play)
    try:
        speaker.say("Hur upplevde du servicen som helhet?", "sv")
        assert wait_until(lambda: played, 20)
        speaker.say("Tack för ditt svar", "sv")
        assert wait_until(lambda: len(played) == 2, 20)
    finally:
        speaker.close()
    assert cut[0] == render("Hur upplevde du servicen som helhet?", "sv")
    assert played[1] == render("Tack för ditt svar", "sv")
