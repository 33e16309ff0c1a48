"""Speech: a prompt read aloud in the visitor's language, with Debian's espeak-ng, played
through ALSA (``aplay``) on whatever output the Pi has (HDMI, USB or its jack).

Each language the terminal speaks has a voice of its own (:data:`VOICES`). A language
without a Debian voice (Somali: espeak-ng has none) is not spoken at all rather than
spoken with another language's voice: :func:`voice_for` gives None.

A :class:`Speaker` speaks one prompt at a time on a thread of its own; a new prompt cuts
the one playing, as a visitor who presses on expects.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import shutil
import subprocess
import threading
import wave
from array import array
from collections.abc import Callable
from typing import Protocol

from nojd.errors import NojdError

log = logging.getLogger("nojd.kiosk")

#: espeak-ng's voice per language of the terminal's texts (lättläst svenska, sv-x-ll, is
#: Swedish: the Swedish voice). Somali has none.
VOICES = {"sv": "sv", "en": "en-gb", "fi": "fi", "ar": "ar", "sv-x-ll": "sv"}
#: Words per minute: a little slower than espeak-ng's 175, for visitors who listen once.
RATE = 150
ESPEAK = "espeak-ng"
#: The longest prompt spoken (characters); a screen's texts are far shorter.
MAX_TEXT = 2000


def tones(*hertz: float, seconds: float = 0.18, rate: int = 22050) -> bytes:
    """A WAV of short sine tones, one after the other, with a breath between them."""
    frames = array("h")
    for pitch in hertz:
        count = round(seconds * rate)
        for i in range(count):
            fade = min(1.0, i / 400, (count - i) / 400)  # no click at either end
            frames.append(round(12000 * fade * math.sin(2 * math.pi * pitch * i / rate)))
        frames.extend([0] * round(0.08 * rate))
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(frames.tobytes())
    return out.getvalue()


#: The offer of more time, heard by every visitor (not only one using speech).
CHIME = tones(660.0, 880.0)


class Player(Protocol):
    """A sound being played: ``aplay``'s process, say."""

    def poll(self) -> int | None: ...

    def wait(self) -> int: ...

    def kill(self) -> None: ...


class SpeechError(NojdError):
    """Speech could not be made or played."""


def voice_for(lang: str) -> str | None:
    """The espeak-ng voice of ``lang``; None where Debian has none."""
    return VOICES.get(lang)


def render(text: str, lang: str, rate: int = RATE) -> bytes:
    """``text`` spoken in ``lang``'s voice, as a WAV file's bytes."""
    voice = voice_for(lang)
    if voice is None:
        raise SpeechError(f"lang: {lang!r} has no voice (espeak-ng speaks {', '.join(VOICES)})")
    return espeak(text, voice, rate)


def espeak(text: str, voice: str, rate: int = RATE) -> bytes:
    """espeak-ng's WAV of ``text`` in ``voice``."""
    program = shutil.which(ESPEAK)
    if program is None:
        raise SpeechError("espeak-ng is not installed (./setup.sh kiosk installs it)")
    try:
        done = subprocess.run(
            [program, "-v", voice, "-s", str(rate), "--stdout"],
            input=text[:MAX_TEXT].encode("utf-8"),
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechError(f"espeak-ng failed: {exc}") from None
    if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
        said = done.stderr.decode("utf-8", "replace").strip()[:200]
        raise SpeechError(f"espeak-ng failed (exit {done.returncode}): {said}")
    return done.stdout


def aplay(wav: bytes) -> subprocess.Popen[bytes]:
    """Start playing ``wav`` on ALSA's default output; the process, to wait for or stop."""
    player = subprocess.Popen(
        ["aplay", "-q", "-"], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert player.stdin is not None  # stdin=PIPE
    try:
        player.stdin.write(wav)
    except BrokenPipeError:  # no sound device: aplay ended at once
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            player.stdin.close()
    return player


class Speaker:
    """Speaks prompts one at a time; the newest prompt wins."""

    def __init__(self, play: Callable[[bytes], Player] = aplay) -> None:
        self._play = play
        self._wanted: tuple[str, str] | bytes | None = None
        self._changed = threading.Condition()
        self._playing: Player | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    def say(self, text: str, lang: str) -> None:
        """Speak ``text`` in ``lang`` now, cutting what is being said."""
        with self._changed:
            self._wanted = (text, lang)
            self._cut()
            self._changed.notify()

    def chime(self) -> None:
        """Two short tones: something needs the visitor now (more time is offered)."""
        with self._changed:
            self._wanted = CHIME
            self._cut()
            self._changed.notify()

    def hush(self) -> None:
        """Stop speaking."""
        with self._changed:
            self._wanted = None
            self._cut()

    def close(self) -> None:
        """Stop speaking and end the thread."""
        with self._changed:
            self._stopped = True
            self._wanted = None
            self._cut()
            self._changed.notify()
        self._thread.join(5)

    def _superseded(self) -> bool:
        """Whether a newer prompt (or the end) came; under the lock."""
        return self._wanted is not None or self._stopped

    def _cut(self) -> None:
        if self._playing is not None and self._playing.poll() is None:
            self._playing.kill()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._stopped or self._wanted is not None)
                if self._stopped:
                    return
                wanted, self._wanted = self._wanted, None
            try:
                wav = wanted if isinstance(wanted, bytes) else render(*wanted or ("", ""))
                with self._changed:
                    if self._superseded():
                        continue  # a newer prompt came while this one was made
                    playing = self._playing = self._play(wav)
                playing.wait()
            except SpeechError as exc:  # a kiosk never stops for its speech
                log.error("could not speak: %s", exc)
            except OSError as exc:
                log.error("could not play speech: %s", exc)
