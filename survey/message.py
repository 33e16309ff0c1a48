"""The response message v1 (docs/protocol.md): build, encode, decode, validate.

Acks, statuses and topics are :mod:`nojd.survey.topics`; the rules all messages share
are :mod:`nojd.survey.wire`.

Validation is strict: whatever bytes :func:`decode` is given, it returns a
:class:`Response` or raises :class:`MessageError` with a reason that names the
field and the value (``answers.wait_time: 7 is outside 1..5``).  It raises
nothing else.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nojd.errors import MessageError
from nojd.survey.definition import GRADES, LANG_PATTERN, Question, Survey
from nojd.survey.wire import (
    DEVICE_PATTERN,
    MAX_SEQ,
    SITE_PATTERN,
    VERSION,
    check_fields,
    clip,
    format_time,
    is_int,
    kind,
    one_of,
    parse_json,
    parse_seq,
    parse_time,
    show,
)

#: Largest payload accepted; a real response is about 300 bytes.
MAX_PAYLOAD = 16 * 1024
CLOCK_STATES = ("synced", "unsynced", "corrected")
FLAGS = ("partial", "rapid-repeat")
FIELDS = (
    "v", "id", "device", "seq", "site", "survey", "lang", "at", "clock", "answers", "flags",
)  # fmt: skip
#: Fields a message may leave out: ``epoch`` is 0 until a terminal is replaced.
OPTIONAL_FIELDS = ("epoch",)

Answer = int | str


@dataclass(frozen=True)
class Response:
    """One visitor's answers, as sent from kiosk to server."""

    id: str
    device: str
    seq: int
    site: str
    survey: str
    lang: str
    at: datetime
    clock: str
    answers: Mapping[str, Answer]
    flags: tuple[str, ...] = field(default=())
    #: The terminal's sequence epoch: raised by ``nojd device add --replace`` (seconds since
    #: 1970 at the replacement), so a new terminal under an old id counts from 1 again.
    epoch: int = 0

    def as_json(self) -> dict[str, Any]:
        """The message as a JSON-ready dict, fields in the order of docs/protocol.md (``epoch``
        last, and only when it is not 0)."""
        made = {
            "v": VERSION,
            "id": self.id,
            "device": self.device,
            "seq": self.seq,
            "site": self.site,
            "survey": self.survey,
            "lang": self.lang,
            "at": format_time(self.at),
            "clock": self.clock,
            "answers": dict(self.answers),
            "flags": list(self.flags),
        }
        if self.epoch:
            made["epoch"] = self.epoch
        return made


def build_response(
    survey: Survey,
    *,
    device: str,
    seq: int,
    site: str,
    lang: str,
    answers: Mapping[str, Answer],
    flags: Iterable[str] = (),
    at: datetime | None = None,
    clock: str = "synced",
    response_id: str | None = None,
    epoch: int = 0,
) -> Response:
    """A new, valid response; :class:`MessageError` if any part is wrong."""
    moment = datetime.now(UTC) if at is None else at
    if moment.tzinfo is None:
        raise MessageError("at", f"{moment.isoformat()} has no time zone (expected an aware time)")
    message = {
        "v": VERSION,
        "id": str(uuid.uuid4()) if response_id is None else response_id,
        "device": device,
        "seq": seq,
        "site": site,
        "survey": survey.id,
        "lang": lang,
        "at": format_time(moment),
        "clock": clock,
        "answers": dict(answers),
        "flags": list(flags),
    }
    if epoch:
        message["epoch"] = epoch
    return validate(message, survey)


def encode(response: Response) -> bytes:
    """The message as compact UTF-8 JSON bytes."""
    return json.dumps(response.as_json(), ensure_ascii=False, separators=(",", ":")).encode()


def decode(
    payload: bytes | str,
    surveys: Survey | Mapping[str, Survey],
    *,
    topic_device: str | None = None,
) -> Response:
    """Parse and validate a payload; ``topic_device`` must match ``device`` when given."""
    data = parse_json(payload, MAX_PAYLOAD)
    response = validate(data, surveys)
    if topic_device is not None and response.device != topic_device:
        raise MessageError(
            "device", f"{response.device!r} differs from the topic's device {topic_device!r}"
        )
    return response


def validate(data: object, surveys: Survey | Mapping[str, Survey]) -> Response:
    """Check a parsed message against the protocol and its survey."""
    if not isinstance(data, dict):
        raise MessageError("payload", f"expected a JSON object, got {kind(data)}")
    check_fields(data, FIELDS, OPTIONAL_FIELDS)
    survey = _survey(data["survey"], surveys)
    return Response(
        id=_response_id(data["id"]),
        device=_slug(data["device"], "device", DEVICE_PATTERN),
        seq=parse_seq(data["seq"]),
        site=_slug(data["site"], "site", SITE_PATTERN),
        survey=survey.id,
        lang=_slug(data["lang"], "lang", LANG_PATTERN),
        at=parse_time(data["at"]),
        clock=one_of(data["clock"], "clock", CLOCK_STATES),
        answers=_answers(data["answers"], survey),
        flags=_flags(data["flags"]),
        epoch=_epoch(data.get("epoch", 0)),
    )


def _epoch(value: object) -> int:
    if not is_int(value) or not 0 <= value <= MAX_SEQ:
        raise MessageError("epoch", f"{show(value)} is not a whole number in 0..{MAX_SEQ}")
    return value


def _survey(value: object, surveys: Survey | Mapping[str, Survey]) -> Survey:
    known = {surveys.id: surveys} if isinstance(surveys, Survey) else surveys
    if isinstance(value, str) and value in known:
        return known[value]
    names = ", ".join(sorted(known))
    raise MessageError("survey", f"{show(value)} is not a known survey (expected {names})")


def _response_id(value: object) -> str:
    expected = "expected a lowercase uuid4 like 0b7f6c1e-3d2a-4f5b-9c8d-7e6f5a4b3c2d"
    if not isinstance(value, str):
        raise MessageError("id", f"{show(value)} is not a string ({expected})")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise MessageError("id", f"{show(value)} is not a UUID ({expected})") from None
    if str(parsed) != value or parsed.version != 4:
        raise MessageError("id", f"{show(value)} is not a lowercase uuid4 ({expected})")
    return value


def _slug(value: object, name: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise MessageError(name, f"{show(value)} does not match {pattern.pattern}")
    return value


def _answers(value: object, survey: Survey) -> dict[str, Answer]:
    if not isinstance(value, dict):
        raise MessageError("answers", f"expected an object, got {kind(value)}")
    if not value:
        raise MessageError("answers", "is empty (expected at least one answer)")
    questions = {question.id: question for question in survey.questions}
    answers: dict[str, Answer] = {}
    for key, answer in value.items():
        if key not in questions:
            raise MessageError(
                f"answers.{clip(key)}",
                f"unknown question (survey {survey.id!r} has {', '.join(questions)})",
            )
        answers[key] = _answer(answer, questions[key])
    return answers


def _answer(value: object, question: Question) -> Answer:
    name = f"answers.{question.id}"
    if question.kind == "rating":
        if not is_int(value):
            raise MessageError(name, f"{show(value)} is not a whole number 1..5")
        if value not in GRADES:
            raise MessageError(name, f"{value} is outside {GRADES[0]}..{GRADES[-1]}")
        return value
    if value not in question.option_ids or not isinstance(value, str):
        raise MessageError(name, f"{show(value)} is not one of {', '.join(question.option_ids)}")
    return value


def _flags(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise MessageError("flags", f"expected a list, got {kind(value)}")
    for flag in value:
        one_of(flag, "flags", FLAGS)
    if len(set(value)) != len(value):
        raise MessageError("flags", f"{show(value)} names a flag twice")
    return tuple(value)
