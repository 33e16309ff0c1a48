"""Screenshots of every kiosk screen, for checking wording and layout (``nojd kiosk screenshots``).

Each screen is reached the way a visitor or staff member reaches it, through
the session, on a throw-away outbox; nothing touches a real terminal's data.
A panel is given as width, height and rotation: a turned panel is drawn through
``display.rotate``, and the picture saved is the panel's, turned back as the
visitor in front of the mounted panel sees it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pygame
from gpiozero.pins.mock import MockFactory

from nojd.errors import ConfigError
from nojd.kiosk.app import Kiosk
from nojd.kiosk.clock import ManualClock
from nojd.kiosk.config import DisplayConfig, GpioConfig, KioskConfig
from nojd.kiosk.pin import hash_pin
from nojd.kiosk.session import MODES, STAFF_TABS, Session
from nojd.kiosk.wiring import build_kiosk
from nojd.survey import default_survey
from nojd.survey.hours import OpeningHours
from nojd.survey.translations import full_languages

#: A Tuesday morning, when the desk is open.
OPEN_AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
#: A Sunday, when it is closed.
CLOSED_AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SAMPLE_PIN = "2468"
#: A panel's native width and height, and how far its picture is turned (display.rotate).
Panel = tuple[int, int, int]


def example_config(data_dir: Path) -> KioskConfig:
    """The example terminal, in every language of the shipped survey, with a staff PIN and
    weekday opening hours."""
    weekdays = {
        day: ((datetime.min.time().replace(hour=8), datetime.min.time().replace(hour=17)),)
        for day in range(5)
    }
    return KioskConfig(
        languages=default_survey().languages,
        device="hbg-kc-desk1",
        site="kontaktcenter",
        data_dir=data_dir,
        gpio=GpioConfig(),
        hours=OpeningHours(ZoneInfo("Europe/Stockholm"), weekdays),
    )


def view_size(panel: Panel) -> tuple[int, int]:
    """The size of the picture a visitor sees on ``panel``."""
    width, height, rotate = panel
    return (height, width) if rotate in (90, 270) else (width, height)


def save_screenshots(
    folder: Path,
    panels: Iterable[Panel],
    config: KioskConfig | None = None,
    only: Sequence[str] | None = None,
) -> list[Path]:
    """Save ``<W>x<H>-<lang>-<screen>.png`` (the visitor's view) for every screen, panel and
    language (the config's, or ``only`` these of them)."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as scratch:
        base = config or example_config(Path(scratch))
        base = replace(
            base,
            display=DisplayConfig(fullscreen=False),
            staff=replace(base.staff, pin_hash=hash_pin(SAMPLE_PIN)),
            session=replace(base.session, settle_time=0),  # screens are reached at once
        )
        for panel in panels:
            turned = replace(base, display=DisplayConfig(fullscreen=False, rotate=panel[2]))
            for lang in only or base.languages:
                if lang not in base.languages:
                    known = ", ".join(base.languages)
                    raise ConfigError(f"--lang: {lang!r} is not a language of the terminal "
                                      f"({known})")  # fmt: skip
                data = Path(tempfile.mkdtemp(dir=scratch))
                saved += _screens(folder, panel, lang, replace(turned, data_dir=data))
            saved += _unusual(folder, panel, turned, Path(scratch))
    return saved


def _save(kiosk: Kiosk, path: Path) -> Path:
    assert kiosk.display is not None
    pygame.image.save(kiosk.display.snapshot(), str(path))
    return path


def _screens(folder: Path, panel: Panel, lang: str, config: KioskConfig) -> list[Path]:
    clock = ManualClock(OPEN_AT - timedelta(days=21))
    factory = MockFactory()
    kiosk = build_kiosk(config, clock=clock, pin_factory=factory, window=panel[:2], sound=False)
    session = kiosk.session
    assert session is not None
    shots: list[Path] = []
    width, height = view_size(panel)

    def shot(name: str) -> None:
        kiosk.pump()
        shots.append(_save(kiosk, folder / f"{width}x{height}-{lang}-{name}.png"))

    try:
        _fill(kiosk, clock)
        if lang != session.default_lang:
            session.open_languages()
            session.choose_language(lang)
        shot("welcome")
        session.open_languages()
        shot("language")
        session.choose_language(lang)
        session.start()
        shot("question")
        timeout, warning = config.session.inactivity_timeout, config.session.more_time_warning
        clock.advance(timeout - min(warning, timeout / 2))
        kiosk.pump()
        if session.view.more_time:
            shot("more-time")
            session.take_more_time()
        while session.view.question and session.view.question.kind == "rating":
            session.answer(4)
        if session.view.question is not None:
            shot("choice")
            session.answer(session.view.question.option_ids[0])
        if session.view.question is not None:  # the follow-up, what to do better
            shot("followup")
            session.answer(session.view.question.option_ids[-1])
        shot("thanks")
        clock.advance(config.session.response_interval)
        if lang in full_languages():  # staff screens are in Swedish or English
            _staff(session, shot)
        _modes(session, shot, lang)
    finally:
        kiosk.close()
        factory.close()
    return shots


def _staff(session: Session, shot: Callable[[str], None]) -> None:
    """The PIN keypad, a wrong PIN, and each page of the staff summary."""
    session.request_staff()
    for digit in "13":
        session.pin_digit(digit)
    shot("pin")
    session.pin_ok()
    shot("pin-wrong")
    for digit in SAMPLE_PIN:
        session.pin_digit(digit)
    session.pin_ok()
    shot("staff")
    for tab in STAFF_TABS[1:]:
        session.staff_tab(tab)
        shot(f"staff-{tab}")
    session.close()


def _modes(session: Session, shot: Callable[[str], None], lang: str) -> None:
    """The welcome screen and a question with larger text, high contrast, and both."""
    if lang != session.view.lang:
        session.open_languages()
        session.choose_language(lang)
    for name, modes in (
        ("large", ("large_text",)),
        ("contrast", ("high_contrast",)),
        ("large-contrast", MODES),
    ):
        for mode in modes:
            session.toggle_mode(mode)
        shot(f"welcome-{name}")
        session.start()
        shot(f"question-{name}")
        session.back()
        for mode in modes:
            session.toggle_mode(mode)


def _fill(kiosk: Kiosk, clock: ManualClock) -> None:
    """Visitors over the past weeks and four this morning, so every period has figures.

    Today's four stay below ``min_n``: the summary shows "too few answers" there.
    """
    session = kiosk.session
    assert session is not None
    for visitor in range(84):
        if visitor == 80:
            clock.advance((OPEN_AT - clock.now()).total_seconds() - 3600)
        session.start()
        for step in range(4):
            session.answer((2, 3, 4, 5, 5, 4, 3, 5, 1)[(visitor + step) % 9])
        if session.view.question is not None:
            session.answer(session.view.question.option_ids[visitor % 3])
        clock.advance(6 * 3600 if visitor < 80 else 120)
        session.tick()
    clock.advance((OPEN_AT - clock.now()).total_seconds())


def _unusual(folder: Path, panel: Panel, config: KioskConfig, scratch: Path) -> list[Path]:
    """The closed screen and the out-of-order screen (an outbox folder that cannot exist)."""
    blocker = scratch / "not-a-folder"
    blocker.write_text("a file where the data folder should be\n")
    cases = {
        "closed": (config, CLOSED_AT),
        "out-of-order": (replace(config, data_dir=blocker / "data"), OPEN_AT),
    }
    shots = []
    for name, (case, moment) in cases.items():
        factory = MockFactory()
        kiosk = build_kiosk(case, clock=ManualClock(moment), pin_factory=factory,
                            window=panel[:2], sound=False)  # fmt: skip
        width, height = view_size(panel)
        try:
            kiosk.pump()
            path = folder / f"{width}x{height}-{case.languages[0]}-{name}.png"
            shots.append(_save(kiosk, path))
        finally:
            kiosk.close()
            factory.close()
    return shots
