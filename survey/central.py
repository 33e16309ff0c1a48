"""Central configuration: what the server sets for a terminal, and the message that carries it.

A technician sets these per site or per terminal, on the dashboard or with
``nojd config set``; the server sends each terminal the merged result as a retained
message on its own topic ``nojd/v1/<device>/config``::

    {"v": 1, "version": 12, "config": {
        "hours": {"mon": "08:00-16:30", "closed_dates": ["2026-12-24"]},
        "session": {"inactivity_timeout": 40, "response_interval": 3},
        "languages": ["sv", "en"],
        "survey": {... a survey definition, as in a survey TOML file ...}}}

Each key is optional; a key that is missing keeps the terminal's own file's value.
``version`` grows with every change. The same checks run on the server before it
stores a change and on the terminal before it applies one, so a terminal refuses only
what an older or a foreign server sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nojd.errors import ConfigError, MessageError
from nojd.survey.definition import Survey, parse_survey
from nojd.survey.hours import OpeningHours, parse_hours
from nojd.survey.translations import languages
from nojd.survey.wire import check_fields, is_int, json_object, show
from nojd.tomlconfig import Table, number

#: The keys a central configuration may set.
KEYS = ("hours", "session", "languages", "survey")
SESSION_KEYS = ("inactivity_timeout", "more_time_warning", "response_interval")
#: The largest config message: under the 64 KiB that terminals take from the broker.
MAX_CONFIG_PAYLOAD = 48 * 1024
MAX_VERSION = 2**62


@dataclass(frozen=True)
class Central:
    """A checked central configuration: None where the terminal keeps its own value."""

    hours: OpeningHours | None = None
    inactivity_timeout: float | None = None
    more_time_warning: float | None = None
    response_interval: float | None = None
    languages: tuple[str, ...] | None = None
    survey: Survey | None = None


def check_central(data: Mapping[str, Any], label: str = "central config") -> Central:
    """The checked form of ``data``; :class:`ConfigError` naming the key, the value and
    what was expected."""
    top = Table(dict(data), label)
    top.only(*KEYS)
    session = top.table("session")
    session.only(*SESSION_KEYS)
    seconds = "a number of seconds 1..3600"
    survey = None
    if "survey" in data:
        if not isinstance(data["survey"], dict):
            raise top.fail("survey", f"expected a survey table, got {show(data['survey'])}")
        try:
            survey = parse_survey(data["survey"], f"{label}: survey")
        except Exception as exc:  # SurveyError names the key already
            raise ConfigError(str(exc)) from None
    central = Central(
        hours=parse_hours(top.table("hours")) if "hours" in data else None,
        inactivity_timeout=session.get("inactivity_timeout", None, number(1, 3600), seconds),
        more_time_warning=session.get("more_time_warning", None, number(0, 600), "seconds 0..600"),
        response_interval=session.get("response_interval", None, number(0, 3600), seconds),
        languages=top.get("languages", None, _languages, "a list of language codes like ['sv']"),
        survey=survey,
    )
    if central.languages is not None:
        for lang in central.languages:
            if lang not in languages():
                raise top.fail("languages", f"{lang!r} is not a language of the terminal's "
                               f"texts ({', '.join(languages())})")  # fmt: skip
            if central.survey is not None and lang not in central.survey.languages:
                raise top.fail("languages", f"{lang!r} is not a language of the survey "
                               f"({', '.join(central.survey.languages)})")  # fmt: skip
    return central


def _languages(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise TypeError(value)
    if len(set(value)) != len(value):
        raise ValueError(value)
    return tuple(value)


def encode_config(version: int, config: Mapping[str, Any]) -> bytes:
    """The retained message for a terminal; :class:`ConfigError` if it is too large."""
    payload = json.dumps(
        {"v": 1, "version": version, "config": config}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    if len(payload) > MAX_CONFIG_PAYLOAD:
        raise ConfigError(
            f"config: {len(payload)} bytes as a message, expected at most {MAX_CONFIG_PAYLOAD}"
        )
    return payload


def decode_config(payload: bytes | str) -> tuple[int, dict[str, Any]]:
    """``(version, config)`` of a config message; :class:`MessageError` if it is not one.
    The config itself is checked by :func:`check_central`."""
    data = json_object(payload, MAX_CONFIG_PAYLOAD)
    check_fields(data, ("v", "version", "config"))
    version = data["version"]
    if not is_int(version) or not 0 <= version <= MAX_VERSION:
        raise MessageError("version", f"{show(version)} is not a config version")
    if not isinstance(data["config"], dict):
        raise MessageError("config", f"{show(data['config'])} is not a JSON object")
    return version, data["config"]
