"""The kiosk's configuration, from a TOML file (``firmware_config/kiosk.example.toml``).

Command-line flags override the file, so one example config serves many test
terminals.  The staff PIN is stored only as its hash (:mod:`nojd.kiosk.pin`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from nojd.errors import ConfigError
from nojd.kiosk.pin import PIN_SCHEME
from nojd.mqtt import BrokerSettings, parse_broker_url, settings_from_table
from nojd.survey import Survey, default_survey, load_survey
from nojd.survey.hours import OpeningHours, parse_hours
from nojd.survey.translations import languages
from nojd.survey.wire import DEVICE_PATTERN, SITE_PATTERN
from nojd.tomlconfig import Table, boolean, number, one_of, text, whole

MODES = ("display", "buttons")


@dataclass(frozen=True)
class GpioConfig:
    """The physical buttons (BCM pin numbers, grade 1 first), LED and staff button."""

    buttons: tuple[int, ...] = (5, 6, 13, 19, 26)
    led: int | None = 12
    staff_button: int | None = None
    #: The tactile speech button: pressed, the terminal reads its screens aloud.
    speech_button: int | None = None
    #: Tactile back and skip buttons, for visitors who do not use the screen.
    back_button: int | None = None
    skip_button: int | None = None
    bounce_time: float = 0.05


@dataclass(frozen=True)
class SessionConfig:
    """The rules of one visitor's session (seconds)."""

    inactivity_timeout: float = 20.0
    #: Seconds before the inactivity timeout at which the visitor is offered more time
    #: (at most half the timeout; 0: no offer).
    more_time_warning: float = 8.0
    response_interval: float = 3.0
    rapid_repeat_limit: int = 6
    rapid_repeat_window: float = 60.0
    settle_time: float = 0.4


@dataclass(frozen=True)
class StaffConfig:
    """How staff reach the summary screen."""

    pin_hash: str = ""
    long_press: float = 3.0
    timeout: float = 60.0


@dataclass(frozen=True)
class DisplayConfig:
    """The screen: full screen at its own size, or a window of ``size``; ``rotate``
    turns the picture clockwise (degrees) for a panel mounted turned."""

    fullscreen: bool = True
    size: tuple[int, int] = (800, 480)
    rotate: int = 0


@dataclass(frozen=True)
class UplinkConfig:
    """How the kiosk talks to the broker; ``broker`` (the URL) comes from the top level."""

    broker: BrokerSettings = field(default_factory=lambda: BrokerSettings(""))
    prefix: str = "nojd/v1"
    max_in_flight: int = 100
    resend_after: float = 30.0
    heartbeat: float = 60.0
    keepalive: int = 30
    #: The sequence epoch every response carries (the top-level ``epoch`` key).
    epoch: int = 0


#: The time zone of a terminal without opening hours (which carry their own).
DEFAULT_ZONE = "Europe/Stockholm"


@dataclass(frozen=True)
class KioskConfig:
    """Everything one terminal needs to know."""

    device: str
    site: str
    data_dir: Path
    survey_file: Path | None = None
    languages: tuple[str, ...] = ("sv", "en")
    ask_optional: bool = True
    mode: str = "display"
    buttons_question: str = "overall"
    broker: str = ""
    gpio: GpioConfig = field(default_factory=GpioConfig)
    session: SessionConfig = field(default_factory=SessionConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    hours: OpeningHours | None = None
    uplink: UplinkConfig = field(default_factory=UplinkConfig)
    #: Raised by ``nojd device add --replace``: a new terminal under this id.
    epoch: int = 0
    source: str = "<defaults>"

    def uplink_config(self) -> UplinkConfig:
        """The uplink settings with the broker URL and the epoch filled in."""
        broker = replace(self.uplink.broker, url=self.broker)
        return replace(self.uplink, broker=broker, epoch=self.epoch)

    @property
    def zone(self) -> ZoneInfo:
        """The terminal's time zone: its opening hours', else Sweden's."""
        return self.hours.timezone if self.hours else ZoneInfo(DEFAULT_ZONE)

    def survey(self) -> Survey:
        """The survey this terminal asks."""
        return default_survey() if self.survey_file is None else load_survey(self.survey_file)

    def with_overrides(
        self,
        device: str | None = None,
        site: str | None = None,
        broker: str | None = None,
        data_dir: Path | None = None,
    ) -> KioskConfig:
        """The config with command-line flags applied and checked."""
        if broker:
            parse_broker_url(broker)
        changed = replace(
            self,
            device=self.device if device is None else device,
            site=self.site if site is None else site,
            broker=self.broker if broker is None else broker,
            data_dir=self.data_dir if data_dir is None else data_dir,
        )
        _check_ids(changed, "command line")
        return changed


def load_config(path: str | Path) -> KioskConfig:
    """Read and check a kiosk config file."""
    top = Table.load(path, "kiosk config")
    top.only(
        "device", "site", "data_dir", "survey", "languages", "ask_optional", "mode",
        "buttons_question", "broker", "gpio", "session", "staff", "display", "hours", "uplink",
        "epoch",
    )  # fmt: skip
    survey_file = top.get("survey", "", text, "a path to a survey TOML file")
    config = KioskConfig(
        device=top.require("device", text, "a device id like 'hbg-kc-desk1'"),
        site=top.require("site", text, "a site id like 'kontaktcenter'"),
        data_dir=Path(top.get("data_dir", "/var/lib/nojd", text, "a folder")),
        survey_file=Path(survey_file) if survey_file else None,
        languages=top.get("languages", ("sv", "en"), _languages, "a list like ['sv', 'en']"),
        ask_optional=top.get("ask_optional", True, boolean, "true or false"),
        mode=top.get("mode", "display", one_of(MODES), "'display' or 'buttons'"),
        buttons_question=top.get("buttons_question", "overall", text, "a question id"),
        broker=top.get("broker", "", text, "a broker URL like mqtt://host:1883"),
        gpio=_gpio(top.table("gpio")),
        session=_session(top.table("session")),
        staff=_staff(top.table("staff")),
        display=_display(top.table("display")),
        hours=parse_hours(top.table("hours")) if "hours" in top.data else None,
        uplink=_uplink(top.table("uplink")),
        epoch=top.get("epoch", 0, whole(0, 2**62), "a whole number (nojd device add writes it)"),
        source=top.label,
    )
    _check_ids(config, top.label)
    _check_survey(config, top)
    if config.broker:
        try:
            parse_broker_url(config.broker)
        except ConfigError as exc:
            raise top.fail("broker", str(exc).removeprefix("broker: ")) from None
    return config


def _check_ids(config: KioskConfig, label: str) -> None:
    if not DEVICE_PATTERN.fullmatch(config.device):
        raise ConfigError(
            f"{label}: device: {config.device!r} does not match {DEVICE_PATTERN.pattern}"
        )
    if not SITE_PATTERN.fullmatch(config.site):
        raise ConfigError(f"{label}: site: {config.site!r} does not match {SITE_PATTERN.pattern}")


def _check_survey(config: KioskConfig, top: Table) -> None:
    survey = config.survey()
    for lang in config.languages:
        if lang not in survey.languages:
            raise top.fail("languages", f"{lang!r} is not a language of survey {survey.id!r}")
        if lang not in languages():
            raise top.fail("languages", f"{lang!r} has no translation file (the terminal has "
                           f"{', '.join(languages())})")  # fmt: skip
    if len(set(config.languages)) != len(config.languages):
        raise top.fail("languages", f"{list(config.languages)!r} names a language twice")
    question = survey.question(config.buttons_question)
    if question.kind != "rating":
        raise top.fail("buttons_question", f"{question.id!r} is not a rating question")


def _languages(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise TypeError(value)
    return tuple(value)


def _pin_number(value: object) -> int | None:
    if value == 0:
        return None
    return whole(1, 53)(value)


def _pins(value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) not in (0, 5):
        raise ValueError(value)
    pins = tuple(whole(1, 53)(pin) for pin in value)
    if len(set(pins)) != len(pins):
        raise ValueError(value)
    return pins


def _uplink(table: Table) -> UplinkConfig:
    if "url" in table.data:
        raise table.fail("url", "the broker URL is the top-level key 'broker'")
    settings = settings_from_table(
        table, "", "prefix", "max_in_flight", "resend_after", "heartbeat", "keepalive"
    )
    return UplinkConfig(
        broker=settings,
        prefix=table.get("prefix", "nojd/v1", text, "a topic prefix like 'nojd/v1'"),
        max_in_flight=table.get("max_in_flight", 100, whole(1, 10_000), "a whole number 1..10000"),
        resend_after=table.get("resend_after", 30.0, number(0.1, 3600), "seconds 0.1..3600"),
        heartbeat=table.get("heartbeat", 60.0, number(1, 3600), "seconds 1..3600"),
        keepalive=table.get("keepalive", 30, whole(2, 3600), "whole seconds 2..3600"),
    )


def _gpio(table: Table) -> GpioConfig:
    table.only(
        "buttons", "led", "staff_button", "speech_button", "back_button", "skip_button",
        "bounce_time",
    )  # fmt: skip
    default = GpioConfig()
    gpio = GpioConfig(
        buttons=table.get("buttons", default.buttons, _pins, "five different BCM pins, or []"),
        led=table.get("led", default.led, _pin_number, "a BCM pin, or 0 for none"),
        staff_button=table.get("staff_button", None, _pin_number, "a BCM pin, or 0 for none"),
        speech_button=table.get("speech_button", None, _pin_number, "a BCM pin, or 0 for none"),
        back_button=table.get("back_button", None, _pin_number, "a BCM pin, or 0 for none"),
        skip_button=table.get("skip_button", None, _pin_number, "a BCM pin, or 0 for none"),
        bounce_time=table.get("bounce_time", 0.05, number(0, 1), "seconds 0..1"),
    )
    taken: dict[int, str] = {}
    for key in ("buttons", "led", "staff_button", "speech_button", "back_button", "skip_button"):
        value = getattr(gpio, key)
        for pin in value if isinstance(value, tuple) else () if value is None else (value,):
            if pin in taken:
                raise table.fail(
                    key, f"BCM pin {pin} is taken by {taken[pin]}; expected a pin of its own "
                    "(two buttons on one pin would stop every button)",
                )  # fmt: skip
            taken[pin] = key
    return gpio


def _session(table: Table) -> SessionConfig:
    table.only(
        "inactivity_timeout",
        "more_time_warning",
        "response_interval",
        "rapid_repeat_limit",
        "rapid_repeat_window",
        "settle_time",
    )
    seconds = "a number of seconds 0..3600"
    return SessionConfig(
        inactivity_timeout=table.get("inactivity_timeout", 20.0, number(1, 3600), seconds),
        more_time_warning=table.get("more_time_warning", 8.0, number(0, 600), "seconds 0..600"),
        response_interval=table.get("response_interval", 3.0, number(0, 3600), seconds),
        rapid_repeat_limit=table.get(
            "rapid_repeat_limit", 6, whole(1, 1_000_000), "a whole number 1..1000000"
        ),
        rapid_repeat_window=table.get("rapid_repeat_window", 60.0, number(0, 86_400), seconds),
        settle_time=table.get("settle_time", 0.4, number(0, 5), "a number of seconds 0..5"),
    )


def _staff(table: Table) -> StaffConfig:
    table.only("pin_hash", "long_press", "timeout")
    pin_hash = table.get("pin_hash", "", text, "a hash from 'nojd kiosk hash-pin'")
    if pin_hash and not pin_hash.startswith(PIN_SCHEME + "$"):
        raise table.fail(
            "pin_hash", "is not a hash from 'nojd kiosk hash-pin' (never the PIN itself)"
        )
    return StaffConfig(
        pin_hash=pin_hash,
        long_press=table.get("long_press", 3.0, number(0.5, 30), "seconds 0.5..30"),
        timeout=table.get("timeout", 60.0, number(5, 3600), "seconds 5..3600"),
    )


def _display(table: Table) -> DisplayConfig:
    table.only("fullscreen", "size", "rotate")
    return DisplayConfig(
        fullscreen=table.get("fullscreen", True, boolean, "true or false"),
        size=table.get("size", (800, 480), _size, "[width, height] in pixels"),
        rotate=table.get("rotate", 0, _rotation, "0, 90, 180 or 270 (degrees clockwise)"),
    )


def _rotation(value: object) -> int:
    if isinstance(value, bool) or value not in (0, 90, 180, 270):
        raise ValueError(value)
    return int(value)


def _size(value: object) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(value)
    width, height = (whole(200, 10_000)(v) for v in value)
    return width, height
