"""The kiosk config: the example loads, every mistake is named, flags override, the PIN is hashed."""

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from nojd.errors import ConfigError
from nojd.kiosk.config import load_config
from nojd.kiosk.pin import hash_pin, verify_pin
from nojd.survey.hours import OpeningHours

EXAMPLE = Path(__file__).resolve().parent.parent / "firmware_config" / "kiosk.example.toml"


def test_the_example_config_loads_with_its_documented_values():
    config = load_config(EXAMPLE)
    assert (config.device, config.site) == ("hbg-kc-desk1", "kontaktcenter")
    assert config.data_dir == Path("/var/lib/nojd")
    assert config.gpio.buttons == (5, 6, 13, 19, 26)
    assert config.gpio.led == 12
    assert config.gpio.staff_button is None
    assert config.session.inactivity_timeout == 20
    assert config.session.response_interval == 3
    assert config.mode == "display"
    assert config.display.rotate == 0
    assert config.survey().id == "service"
    assert config.hours is not None
    assert config.hours.days[4] == ((time(8), time(12)), (time(13), time(15)))
    assert config.hours.days[5] == ()


def test_flags_override_the_file(tmp_path):
    config = load_config(EXAMPLE).with_overrides(
        device="desk-9", site="bibliotek", broker="mqtt://127.0.0.1:1884", data_dir=tmp_path
    )
    assert (config.device, config.site, config.broker, config.data_dir) == (
        "desk-9", "bibliotek", "mqtt://127.0.0.1:1884", tmp_path,
    )  # fmt: skip
    with pytest.raises(ConfigError, match="command line: device: 'Desk 9' does not match"):
        load_config(EXAMPLE).with_overrides(device="Desk 9")


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ('device = "hbg-kc-desk1"', "", "device: missing, and has no default"),
        ('device = "hbg-kc-desk1"', 'device = "HBG desk"', "device: 'HBG desk' does not match"),
        ('mode = "display"', 'mode = "kiosk"', "mode: 'kiosk' is not 'display' or 'buttons'"),
        (
            "inactivity_timeout = 20",
            'inactivity_timeout = "soon"',
            "session.inactivity_timeout: 'soon' is not a number of seconds",
        ),
        (
            "response_interval = 3",
            "respons_interval = 3",
            "session.respons_interval: unknown key (expected one of",
        ),
        (
            "buttons = [5, 6, 13, 19, 26]",
            "buttons = [5, 6, 13]",
            "gpio.buttons: [5, 6, 13] is not five different BCM pins, or []",
        ),
        (
            "buttons = [5, 6, 13, 19, 26]",
            "buttons = [5, 5, 13, 19, 26]",
            "gpio.buttons: [5, 5, 13, 19, 26] is not five different BCM pins",
        ),
        (
            'pin_hash = ""',
            'pin_hash = "1234"',
            "staff.pin_hash: is not a hash from 'nojd kiosk hash-pin' (never the PIN itself)",
        ),
        (
            'languages = ["sv", "en"]',
            'languages = ["sv", "de"]',
            "languages: 'de' is not a language of survey 'service'",
        ),
        (
            'languages = ["sv", "en"]',
            'languages = ["sv", "en", "sv"]',
            "languages: ['sv', 'en', 'sv'] names a language twice",
        ),
        (
            'buttons_question = "overall"',
            'buttons_question = "resolution"',
            "buttons_question: 'resolution' is not a rating question",
        ),
        ('mon = "08:00-16:30"', 'mon = "8-16"', "hours.mon: '8-16' is not times like"),
        (
            'mon = "08:00-16:30"',
            'mon = "16:30-08:00"',
            "hours.mon: '16:30-08:00' is not times like",
        ),
        (
            'timezone = "Europe/Stockholm"',
            'timezone = "Mars/Olympus"',
            "hours.timezone: 'Mars/Olympus' is not a known time zone",
        ),
        (
            "size = [800, 480]",
            "size = [10, 10]",
            "display.size: [10, 10] is not [width, height] in pixels",
        ),
        ('broker = ""', 'broker = ""\nhours = 5', "hours: expected a table [hours], got 5"),
        ("rotate = 0", "rotate = 45", "display.rotate: 45 is not 0, 90, 180 or 270 (degrees"),
        ("rotate = 0", 'rotate = "90"', "display.rotate: '90' is not 0, 90, 180 or 270"),
        ("rotate = 0", "rotate = true", "display.rotate: True is not 0, 90, 180 or 270"),
        (
            "speech_button = 0 ",
            "speech_button = 12 ",
            "gpio.speech_button: BCM pin 12 is taken by led; expected a pin of its own",
        ),
        (
            "skip_button = 0 ",
            "skip_button = 26 ",
            "gpio.skip_button: BCM pin 26 is taken by buttons; expected a pin of its own",
        ),
        (
            "more_time_warning = 8 ",
            'more_time_warning = "soon" ',
            "session.more_time_warning: 'soon' is not seconds 0..600",
        ),
    ],
)
def test_a_mistake_names_the_file_and_key(tmp_path, replace, by, message):
    text = EXAMPLE.read_text(encoding="utf-8")
    if by.endswith("hours = 5"):
        text = text[: text.index("[hours]")]
    assert replace in text
    path = tmp_path / "kiosk.toml"
    path.write_text(text.replace(replace, by, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"kiosk config {path}: ")
    assert message in str(caught.value)


def test_a_turned_panel(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("rotate = 0", "rotate = 270"))
    assert load_config(path).display.rotate == 270


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml: not found"):
        load_config(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_text("device = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        load_config(tmp_path / "bad.toml")


def test_pin_hash_round_trip():
    stored = hash_pin("2468")
    assert stored.startswith("pbkdf2_sha256$200000$")
    assert "2468" not in stored
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)
    assert not verify_pin("2468", "")
    assert hash_pin("2468") != stored  # salted
    with pytest.raises(ConfigError, match="expected 4 to 8 digits"):
        hash_pin("12a4")


def test_opening_hours_in_stockholm_across_daylight_saving():
    hours = load_config(EXAMPLE).hours
    assert isinstance(hours, OpeningHours)
    # Monday 2026-03-30, summer time (UTC+2): 08:00 local is 06:00 UTC
    assert hours.is_open(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 3, 30, 5, 59, tzinfo=UTC))
    # Monday 2026-03-23, winter time (UTC+1): 08:00 local is 07:00 UTC
    assert not hours.is_open(datetime(2026, 3, 23, 6, 30, tzinfo=UTC))
    assert hours.is_open(datetime(2026, 3, 23, 7, 0, tzinfo=UTC))
    # Friday lunch break, and a closed date
    assert not hours.is_open(datetime(2026, 11, 27, 11, 30, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 12, 24, 9, 0, tzinfo=UTC))


def test_next_change_and_next_opening():
    hours = load_config(EXAMPLE).hours
    assert hours is not None
    friday_noon = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # 12:00 local: lunch starts
    assert hours.next_change(friday_noon) == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    opening = hours.next_opening(saturday)
    assert opening is not None
    assert opening.isoformat() == "2026-11-30T08:00:00+01:00"
    christmas_eve = datetime(2026, 12, 23, 20, 0, tzinfo=UTC)
    after_christmas = hours.next_opening(christmas_eve)
    assert after_christmas is not None
    assert after_christmas.isoformat() == "2026-12-28T08:00:00+01:00"  # local time
