"""The response message v1 (DESIGN.md, "Wire protocol v1"): build, encode, decode, validate.

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

VERSION = 1
#: Largest payload accepted; a real response is about 300 bytes.
MAX_PAYLOAD = 16 * 1024
DEVICE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SITE_PATTERN = DEVICE_PATTERN
CLOCK_STATES = ("synced", "unsynced", "corrected")
FLAGS = ("partial", "rapid-repeat")
FIELDS = (
    "v", "id", "device", "seq", "site", "survey", "lang", "at", "clock", "answers", "flags",
)  # fmt: skip
MAX_SEQ = 2**63 - 1
_AT_PATTERN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")

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

    def as_json(self) -> dict[str, Any]:
        """The message as a JSON-ready dict, fields in the order of DESIGN.md."""
        return {
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


def format_time(moment: datetime) -> str:
    """UTC time as the protocol writes it: ``2026-11-22T09:15:03.120Z``."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


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
    data = _parse(payload, MAX_PAYLOAD)
    response = validate(data, surveys)
    if topic_device is not None and response.device != topic_device:
        raise MessageError(
            "device", f"{response.device!r} differs from the topic's device {topic_device!r}"
        )
    return response


def validate(data: object, surveys: Survey | Mapping[str, Survey]) -> Response:
    """Check a parsed message against the protocol and its survey."""
    if not isinstance(data, dict):
        raise MessageError("payload", f"expected a JSON object, got {_kind(data)}")
    _fields(data, FIELDS)
    survey = _survey(data["survey"], surveys)
    return Response(
        id=_response_id(data["id"]),
        device=_slug(data["device"], "device", DEVICE_PATTERN),
        seq=_seq(data["seq"]),
        site=_slug(data["site"], "site", SITE_PATTERN),
        survey=survey.id,
        lang=_slug(data["lang"], "lang", LANG_PATTERN),
        at=_time(data["at"]),
        clock=_one_of(data["clock"], "clock", CLOCK_STATES),
        answers=_answers(data["answers"], survey),
        flags=_flags(data["flags"]),
    )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are unique: JSON parsers disagree on which duplicate wins."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MessageError(_clip(key), "appears twice in one object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> None:
    raise MessageError("payload", f"{name} is not a JSON number")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    names.update({int: "a number", float: "a number", type(None): "null"})
    return names.get(type(value), type(value).__name__)


def _show(value: object) -> str:
    """A value as JSON, cut short so one message cannot flood a log."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return _clip(text)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _survey(value: object, surveys: Survey | Mapping[str, Survey]) -> Survey:
    known = {surveys.id: surveys} if isinstance(surveys, Survey) else surveys
    if isinstance(value, str) and value in known:
        return known[value]
    names = ", ".join(sorted(known))
    raise MessageError("survey", f"{_show(value)} is not a known survey (expected {names})")


def _response_id(value: object) -> str:
    expected = "expected a lowercase uuid4 like 0b7f6c1e-3d2a-4f5b-9c8d-7e6f5a4b3c2d"
    if not isinstance(value, str):
        raise MessageError("id", f"{_show(value)} is not a string ({expected})")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise MessageError("id", f"{_show(value)} is not a UUID ({expected})") from None
    if str(parsed) != value or parsed.version != 4:
        raise MessageError("id", f"{_show(value)} is not a lowercase uuid4 ({expected})")
    return value


def _slug(value: object, name: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise MessageError(name, f"{_show(value)} does not match {pattern.pattern}")
    return value


def _seq(value: object) -> int:
    if not _is_int(value):
        raise MessageError("seq", f"{_show(value)} is not a whole number")
    if not 1 <= value <= MAX_SEQ:
        raise MessageError("seq", f"{value} is outside 1..{MAX_SEQ}")
    return value


def _time(value: object) -> datetime:
    expected = "expected UTC like 2026-11-22T09:15:03.120Z"
    if not isinstance(value, str) or not _AT_PATTERN.fullmatch(value):
        raise MessageError("at", f"{_show(value)} is not a time ({expected})")
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise MessageError("at", f"{_show(value)} is not a real time ({expected})") from None


def _one_of(value: object, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed or not isinstance(value, str):
        raise MessageError(name, f"{_show(value)} is not one of {', '.join(allowed)}")
    return value


def _answers(value: object, survey: Survey) -> dict[str, Answer]:
    if not isinstance(value, dict):
        raise MessageError("answers", f"expected an object, got {_kind(value)}")
    if not value:
        raise MessageError("answers", "is empty (expected at least one answer)")
    questions = {question.id: question for question in survey.questions}
    answers: dict[str, Answer] = {}
    for key, answer in value.items():
        if key not in questions:
            raise MessageError(
                f"answers.{_clip(key)}",
                f"unknown question (survey {survey.id!r} has {', '.join(questions)})",
            )
        answers[key] = _answer(answer, questions[key])
    return answers


def _answer(value: object, question: Question) -> Answer:
    name = f"answers.{question.id}"
    if question.kind == "rating":
        if not _is_int(value):
            raise MessageError(name, f"{_show(value)} is not a whole number 1..5")
        if value not in GRADES:
            raise MessageError(name, f"{value} is outside {GRADES[0]}..{GRADES[-1]}")
        return value
    if value not in question.option_ids or not isinstance(value, str):
        raise MessageError(name, f"{_show(value)} is not one of {', '.join(question.option_ids)}")
    return value


def _flags(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise MessageError("flags", f"expected a list, got {_kind(value)}")
    for flag in value:
        _one_of(flag, "flags", FLAGS)
    if len(set(value)) != len(value):
        raise MessageError("flags", f"{_show(value)} names a flag twice")
    return tuple(value)


#: The topic prefix of DESIGN.md; configurable per installation.
PREFIX = "nojd/v1"
TOPIC_KINDS = ("response", "ack", "status")
STATUS_STATES = ("online", "offline")
MAX_ACK_SEQS = 10_000


def topic(kind: str, device: str, prefix: str = PREFIX) -> str:
    """``nojd/v1/<device>/<kind>``."""
    return f"{prefix}/{device}/{kind}"


def parse_topic(name: str, prefix: str = PREFIX) -> tuple[str, str]:
    """``(device, kind)`` of a topic; :class:`MessageError` if it is not one of ours."""
    head, _, rest = name.partition(f"{prefix}/")
    device, _, kind = rest.partition("/")
    if head or not DEVICE_PATTERN.fullmatch(device) or kind not in TOPIC_KINDS:
        raise MessageError("topic", f"{_clip(name)!r} is not {prefix}/<device>/response|ack|status")
    return device, kind


def encode_ack(seqs: Iterable[int]) -> bytes:
    """``{"v": 1, "seqs": [...]}``: these responses are committed at the server."""
    return json.dumps({"v": VERSION, "seqs": sorted(set(seqs))}, separators=(",", ":")).encode()


def decode_ack(payload: bytes | str) -> list[int]:
    """The seqs of an ack; :class:`MessageError` for anything else."""
    data = _object(payload)
    _fields(data, ("v", "seqs"))
    seqs = data["seqs"]
    if not isinstance(seqs, list) or len(seqs) > MAX_ACK_SEQS:
        raise MessageError("seqs", f"expected a list of at most {MAX_ACK_SEQS} seqs")
    return [_seq(seq) for seq in seqs]


def encode_status(state: str, at: datetime, backlog: int, version: str) -> bytes:
    """The retained status of a kiosk: online (with its backlog) or offline (its last will)."""
    message = {
        "v": VERSION,
        "state": state,
        "at": format_time(at),
        "backlog": backlog,
        "version": version,
    }
    return json.dumps(message, separators=(",", ":")).encode()


def decode_status(payload: bytes | str) -> dict[str, Any]:
    """A status message as a dict with ``at`` parsed; :class:`MessageError` for anything else."""
    data = _object(payload)
    _fields(data, ("v", "state", "at", "backlog", "version"))
    backlog = data["backlog"]
    if not _is_int(backlog) or not 0 <= backlog <= MAX_SEQ:
        raise MessageError("backlog", f"{_show(backlog)} is not a count")
    if not isinstance(data["version"], str) or len(data["version"]) > 64:
        raise MessageError("version", f"{_show(data['version'])} is not a version string")
    return {
        "state": _one_of(data["state"], "state", STATUS_STATES),
        "at": _time(data["at"]),
        "backlog": backlog,
        "version": data["version"],
    }


def _object(payload: bytes | str) -> dict[str, Any]:
    data = _parse(payload, MAX_PAYLOAD * 8)
    if not isinstance(data, dict):
        raise MessageError("payload", f"expected a JSON object, got {_kind(data)}")
    return data


def _parse(payload: bytes | str, limit: int) -> object:
    """JSON from strict UTF-8, at most ``limit`` bytes, unique keys, no NaN."""
    size = len(payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload)
    if size > limit:
        raise MessageError("payload", f"{size} bytes is over the limit of {limit}")
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    except UnicodeDecodeError as exc:
        raise MessageError("payload", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except MessageError:
        raise
    except json.JSONDecodeError as exc:
        raise MessageError("payload", f"not JSON ({exc.msg} at character {exc.pos})") from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise MessageError("payload", f"not JSON ({type(exc).__name__})") from None


def _fields(data: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Version, then unknown fields, then missing ones: the first problem is reported."""
    # The version first: a message of another version has another shape.
    version = data.get("v")
    if "v" in data and (not _is_int(version) or version != VERSION):
        raise MessageError("v", f"{_show(version)} is not a supported version (expected {VERSION})")
    for key in data:
        if key not in fields:
            raise MessageError(_clip(key), f"unknown field (expected {', '.join(fields)})")
    for key in fields:
        if key not in data:
            raise MessageError(key, "missing")
