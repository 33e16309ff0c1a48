"""The wire's shared rules (docs/protocol.md): strict JSON, the version, the
fields of an object, and the values every message has (times, seqs, device ids).

Whatever bytes they are given, the functions here return a value or raise
:class:`MessageError` naming the field and the value; nothing else.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, TypeGuard

from nojd.errors import MessageError

VERSION = 1
MAX_SEQ = 2**63 - 1
DEVICE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SITE_PATTERN = DEVICE_PATTERN
_AT_PATTERN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


def format_time(moment: datetime) -> str:
    """UTC time as the protocol writes it: ``2026-11-22T09:15:03.120Z``."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are unique: JSON parsers disagree on which duplicate wins."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MessageError(clip(key), "appears twice in one object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> None:
    raise MessageError("payload", f"{name} is not a JSON number")


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    names.update({int: "a number", float: "a number", type(None): "null"})
    return names.get(type(value), type(value).__name__)


def show(value: object) -> str:
    """A value as JSON, cut short so one message cannot flood a log."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return clip(text)


def clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_seq(value: object) -> int:
    if not is_int(value):
        raise MessageError("seq", f"{show(value)} is not a whole number")
    if not 1 <= value <= MAX_SEQ:
        raise MessageError("seq", f"{value} is outside 1..{MAX_SEQ}")
    return value


def parse_time(value: object) -> datetime:
    expected = "expected UTC like 2026-11-22T09:15:03.120Z"
    if not isinstance(value, str) or not _AT_PATTERN.fullmatch(value):
        raise MessageError("at", f"{show(value)} is not a time ({expected})")
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise MessageError("at", f"{show(value)} is not a real time ({expected})") from None


def one_of(value: object, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed or not isinstance(value, str):
        raise MessageError(name, f"{show(value)} is not one of {', '.join(allowed)}")
    return value


def json_object(payload: bytes | str, limit: int) -> dict[str, Any]:
    """A JSON object of at most ``limit`` bytes."""
    data = parse_json(payload, limit)
    if not isinstance(data, dict):
        raise MessageError("payload", f"expected a JSON object, got {kind(data)}")
    return data


def parse_json(payload: bytes | str, limit: int) -> object:
    """JSON from strict UTF-8, at most ``limit`` bytes, unique keys, no NaN."""
    size = len(payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload)
    if size > limit:
        raise MessageError("payload", f"{size} bytes is over the limit of {limit}")
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    except UnicodeDecodeError as exc:
        raise MessageError("payload", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except MessageError:
        raise
    except json.JSONDecodeError as exc:
        raise MessageError("payload", f"not JSON ({exc.msg} at character {exc.pos})") from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise MessageError("payload", f"not JSON ({type(exc).__name__})") from None
    # Valid UTF-8 bytes hold no surrogate, so from bytes only an escape brings one in.
    if not isinstance(payload, bytes) or _SURROGATE_ESCAPE.search(text):
        _characters_only(data)
    return data


#: A JSON escape of a UTF-16 surrogate: valid UTF-8 text holds none of its own, so a
#: message without one needs no walk through its strings.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _characters_only(value: object) -> None:
    """Refuse a string holding a lone surrogate (JSON's ``"\\ud800"``): Python lets it in,
    but it is no character, and a database or a log line encoding it as UTF-8 fails."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise MessageError(
                    "payload",
                    f"holds \\u{ord(item[exc.start]):04x}, a lone surrogate and no character",
                ) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_fields(
    data: dict[str, Any], fields: tuple[str, ...], optional: tuple[str, ...] = ()
) -> None:
    """Version, then unknown fields, then missing ones: the first problem is reported."""
    # The version first: a message of another version has another shape.
    version = data.get("v")
    if "v" in data and (not is_int(version) or version != VERSION):
        raise MessageError("v", f"{show(version)} is not a supported version (expected {VERSION})")
    for key in data:
        if key not in fields and key not in optional:
            known = ", ".join((*fields, *optional))
            raise MessageError(clip(key), f"unknown field (expected {known})")
    for key in fields:
        if key not in data:
            raise MessageError(key, "missing")
