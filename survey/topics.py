"""The other messages of the wire: topics, the server's ack and the kiosk's status.

The response message itself is :mod:`nojd.survey.message`; both follow the
shared rules of :mod:`nojd.survey.wire`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from nojd.errors import MessageError
from nojd.survey.wire import (
    DEVICE_PATTERN,
    MAX_SEQ,
    SITE_PATTERN,
    VERSION,
    check_fields,
    clip,
    format_time,
    is_int,
    json_object,
    one_of,
    parse_seq,
    parse_time,
    show,
)

#: An ack or a status is small; anything larger is refused unread.
MAX_CONTROL_PAYLOAD = 128 * 1024


#: The topic prefix (docs/protocol.md); configurable per installation.
PREFIX = "nojd/v1"
TOPIC_KINDS = ("response", "ack", "status", "epoch")
STATUS_STATES = ("online", "offline")
MAX_ACK_SEQS = 10_000


def topic(kind: str, device: str, prefix: str = PREFIX) -> str:
    """``nojd/v1/<device>/<kind>``."""
    return f"{prefix}/{device}/{kind}"


def kiosk_client_id(device: str) -> str:
    """A terminal's MQTT client id; the broker binds it to the terminal's user name."""
    return f"nojd-kiosk-{device}"


def parse_topic(name: str, prefix: str = PREFIX) -> tuple[str, str]:
    """``(device, kind)`` of a topic; :class:`MessageError` if it is not one of ours."""
    head, _, rest = name.partition(f"{prefix}/")
    device, _, kind = rest.partition("/")
    if head or not DEVICE_PATTERN.fullmatch(device) or kind not in TOPIC_KINDS:
        raise MessageError(
            "topic", f"{clip(name)!r} is not {prefix}/<device>/response|ack|status|epoch"
        )
    return device, kind


def encode_ack(seqs: Iterable[int]) -> bytes:
    """``{"v": 1, "seqs": [...]}``: these responses are committed at the server."""
    return json.dumps({"v": VERSION, "seqs": sorted(set(seqs))}, separators=(",", ":")).encode()


def decode_ack(payload: bytes | str) -> list[int]:
    """The seqs of an ack; :class:`MessageError` for anything else."""
    data = json_object(payload, MAX_CONTROL_PAYLOAD)
    check_fields(data, ("v", "seqs"))
    seqs = data["seqs"]
    if not isinstance(seqs, list) or len(seqs) > MAX_ACK_SEQS:
        raise MessageError("seqs", f"expected a list of at most {MAX_ACK_SEQS} seqs")
    return [parse_seq(seq) for seq in seqs]


def encode_epoch(epoch: int) -> bytes:
    """``{"v": 1, "epoch": N}``: the admin started epoch N for this device (retained)."""
    return json.dumps({"v": VERSION, "epoch": epoch}, separators=(",", ":")).encode()


def decode_epoch(payload: bytes | str) -> int:
    """The epoch of an epoch message; :class:`MessageError` for anything else."""
    data = json_object(payload, MAX_CONTROL_PAYLOAD)
    check_fields(data, ("v", "epoch"))
    epoch = data["epoch"]
    if not is_int(epoch) or not 1 <= epoch <= MAX_SEQ:
        raise MessageError("epoch", f"{show(epoch)} is not a whole number in 1..{MAX_SEQ}")
    return epoch


def encode_status(
    state: str,
    at: datetime,
    backlog: int,
    version: str,
    config: dict[str, Any] | None = None,
    site: str = "",
) -> bytes:
    """The retained status of a kiosk: online (with its backlog) or offline (its last will);
    ``config`` says which central configuration it applied, or refused and why; ``site``
    where it stands, so that a new terminal gets its site's config before its first answer."""
    message: dict[str, Any] = {
        "v": VERSION,
        "state": state,
        "at": format_time(at),
        "backlog": backlog,
        "version": version,
    }
    if config:
        message["config"] = config
    if site:
        message["site"] = site
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


#: The longest reason a terminal gives for refusing a configuration.
MAX_REASON = 300


def decode_status(payload: bytes | str) -> dict[str, Any]:
    """A status message as a dict with ``at`` parsed; :class:`MessageError` for anything else."""
    data = json_object(payload, MAX_CONTROL_PAYLOAD)
    check_fields(data, ("v", "state", "at", "backlog", "version"), optional=("config", "site"))
    backlog = data["backlog"]
    if not is_int(backlog) or not 0 <= backlog <= MAX_SEQ:
        raise MessageError("backlog", f"{show(backlog)} is not a count")
    if not isinstance(data["version"], str) or len(data["version"]) > 64:
        raise MessageError("version", f"{show(data['version'])} is not a version string")
    return {
        "state": one_of(data["state"], "state", STATUS_STATES),
        "at": parse_time(data["at"]),
        "backlog": backlog,
        "version": data["version"],
        **({"config": _config_state(data["config"])} if "config" in data else {}),
        **({"site": _site(data["site"])} if "site" in data else {}),
    }


def _site(value: object) -> str:
    if not isinstance(value, str) or not SITE_PATTERN.fullmatch(value):
        raise MessageError("site", f"{show(value)} does not match {SITE_PATTERN.pattern}")
    return value


def _config_state(value: object) -> dict[str, Any]:
    """A status's ``config``: the central configuration applied and the one refused."""
    if not isinstance(value, dict):
        raise MessageError("config", f"{show(value)} is not a JSON object")
    check_fields(value, (), optional=("applied", "refused", "reason"))
    for key in ("applied", "refused"):
        number = value.get(key)
        if number is not None and (not is_int(number) or not 0 <= number <= MAX_SEQ):
            raise MessageError(f"config.{key}", f"{show(number)} is not a config version")
    reason = value.get("reason")
    if reason is not None and (
        not isinstance(reason, str) or len(reason) > MAX_REASON or not reason.isprintable()
    ):
        raise MessageError("config.reason", f"{show(reason)} is not a reason of at most "
                           f"{MAX_REASON} printable characters")  # fmt: skip
    return {key: value.get(key) for key in ("applied", "refused", "reason")}
