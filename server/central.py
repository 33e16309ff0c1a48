"""Central configuration on the server: set per site or per terminal, checked, logged, and
sent to each terminal as a retained message on its own topic.

A technician writes what a scope sets, as TOML::

    survey = "service"           # one of the server's surveys, sent whole with its texts
    languages = ["sv", "en"]
    [session]
    inactivity_timeout = 40
    [hours]
    mon = "08:00-16:30"
    closed_dates = ["2026-12-24"]

A terminal gets its site's config with its own on top (a key set for the terminal
replaces the site's). Every change is logged with who made it and when; the change's
number is the config's version. Ingest sends what differs from what it last sent
(:func:`messages`), and the terminal reports back what it applied or refused.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nojd.errors import ConfigError, NojdError
from nojd.server.config import ServerConfig
from nojd.server.store import Store
from nojd.survey.central import KEYS, MAX_VERSION, check_central, encode_config
from nojd.survey.hours import OpeningHours
from nojd.survey.wire import DEVICE_PATTERN, SITE_PATTERN

log = logging.getLogger("nojd.central")

SCOPE = re.compile(r"(site|device):(.+)")
#: The longest TOML a scope may hold (a survey is sent by id, so configs are small).
MAX_TOML = 16 * 1024


def scope_name(site: str | None = None, device: str | None = None) -> str:
    """``site:ID`` or ``device:ID``; :class:`ConfigError` for anything else."""
    if (site is None) == (device is None):
        raise ConfigError("scope: expected either a site or a terminal")
    if site is not None:
        if not SITE_PATTERN.fullmatch(site):
            raise ConfigError(f"site: {site!r} does not match {SITE_PATTERN.pattern}")
        return f"site:{site}"
    assert device is not None
    if not DEVICE_PATTERN.fullmatch(device):
        raise ConfigError(f"device: {device!r} does not match {DEVICE_PATTERN.pattern}")
    return f"device:{device}"


def parse_toml(text: str, label: str = "config") -> dict[str, Any]:
    """The TOML a technician wrote, as data; :class:`ConfigError` naming what is wrong."""
    if len(text.encode("utf-8")) > MAX_TOML:
        raise ConfigError(f"{label}: over {MAX_TOML} bytes, expected at most {MAX_TOML}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: not valid TOML: {exc}") from None


def check(body: Mapping[str, Any], config: ServerConfig, label: str = "config") -> dict[str, Any]:
    """``body`` checked as a scope's config, as the terminal will check it; returned as it
    is stored. The survey must be one of the server's, by id."""
    unknown = [key for key in body if key not in KEYS]
    if unknown:
        raise ConfigError(f"{label}: {unknown[0]}: unknown key (expected one of {', '.join(KEYS)})")
    expand(dict(body), config.survey_tables(), label)
    return dict(body)


def expand(
    body: Mapping[str, Any], tables: Mapping[str, dict[str, Any]], label: str = "config"
) -> dict[str, Any]:
    """The config as a terminal gets it: the survey's whole definition (from ``tables``,
    the server's surveys by id) in place of its id; checked, and small enough to send."""
    sent = dict(body)
    if "survey" in sent:
        chosen = sent["survey"]
        if not isinstance(chosen, str) or chosen not in tables:
            raise ConfigError(
                f"{label}: survey: {chosen!r} is not one of the server's surveys "
                f"({', '.join(sorted(tables))})"
            )
        sent["survey"] = tables[chosen]
    check_central(sent, label)
    encode_config(MAX_VERSION, sent)  # not too large, whatever its version
    return sent


@dataclass(frozen=True)
class Message:
    """The config message one terminal should hold."""

    device: str
    version: int
    payload: bytes

    @property
    def digest(self) -> str:
        """What tells two messages apart."""
        return hashlib.sha256(self.payload).hexdigest()


def terminals(store: Store, config: ServerConfig) -> dict[str, str]:
    """Every terminal the server knows, with its site: from the organisation in the
    config, then as the terminal last reported."""
    found = {
        device: site.id for site in config.organisation.sites.values() for device in site.devices
    }
    for row in store.devices():
        if row["site"]:
            found.setdefault(row["device"], row["site"])
    return found


def merge(*bodies: Mapping[str, Any] | None) -> dict[str, Any]:
    """Later bodies on top of earlier ones: a value replaces a value, and the tables
    ``[hours]`` and ``[session]`` are merged key by key (a terminal's ``closed_dates``
    replaces its site's, its site's weekdays stay)."""
    merged: dict[str, Any] = {}
    for body in bodies:
        for key, value in (body or {}).items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def _desired(
    configs: Mapping[str, tuple[dict[str, Any] | None, int]],
    sites: Mapping[str, str],
    tables: Mapping[str, dict[str, Any]],
    sent: Mapping[str, tuple[int, str]] | None = None,
) -> tuple[list[Message], dict[str, str]]:
    """The message each terminal should hold, and the terminals whose merged config
    cannot be sent, with why."""
    devices = set(sites) | {scope[7:] for scope in configs if scope.startswith("device:")}
    devices |= set(sent or {})
    latest = max((version for _, version in configs.values()), default=0)
    found, failed = [], {}
    for device in sorted(devices):
        parts = [configs.get(f"site:{sites.get(device)}"), configs.get(f"device:{device}")]
        present = [part for part in parts if part is not None and part[0] is not None]
        if not present:
            if sent and device in sent:  # it was sent something: now it holds nothing
                found.append(Message(device, latest, encode_config(latest, {})))
            continue
        version = max(part[1] for part in parts if part is not None)
        try:
            body = expand(merge(*(body for body, _ in present)), tables, f"config of {device}")
            found.append(Message(device, version, encode_config(version, body)))
        except ConfigError as exc:
            failed[device] = str(exc)
    return found, failed


def messages(
    store: Store, config: ServerConfig, sent: Mapping[str, tuple[int, str]] | None = None
) -> list[Message]:
    """The message each configured terminal should hold now; an empty config for one that
    was ``sent`` one and now has none (moved, or its scopes cleared). A terminal whose
    merged config cannot be sent is logged and left as it is."""
    configs = store.central.configs()
    if not configs:
        return []
    found, failed = _desired(configs, terminals(store, config), config.survey_tables(), sent)
    for device, why in failed.items():
        log.error("no config sent to %s: %s", device, why)
    return found


def hours_by_device(store: Store, config: ServerConfig) -> dict[str, OpeningHours]:
    """The opening hours set centrally for each terminal (its site's with its own on top):
    the server's word on when a desk is open, for the terminals page and the alerts."""
    configs = store.central.configs()
    if not configs:
        return {}
    found = {}
    for device, site in terminals(store, config).items():
        bodies = [
            configs.get(scope, (None, 0))[0] for scope in (f"site:{site}", f"device:{device}")
        ]
        hours = merge(*bodies).get("hours")
        if isinstance(hours, dict):
            checked = check_central({"hours": hours}).hours
            if checked is not None:
                found[device] = checked
    return found


def opening_of(
    store: Store, config: ServerConfig, site: str | None, device: str | None
) -> OpeningHours | None:
    """The central opening hours of one terminal, or else of one site; None for anything
    wider, or where none were set."""
    if device:
        return hours_by_device(store, config).get(device)
    if site:
        body, _ = store.central.configs().get(f"site:{site}", (None, 0))
        if body and "hours" in body:
            return check_central({"hours": body["hours"]}).hours
    return None


def set_config(
    store: Store,
    config: ServerConfig,
    scope: str,
    body: Mapping[str, Any] | None,
    who: str,
) -> int:
    """Check and store ``scope``'s config (None clears it), logged as ``who``'s; its version.
    Refused, and nothing stored, if the config or what it gives any terminal merged with
    the terminal's other scope cannot be sent."""
    if not SCOPE.fullmatch(scope):
        raise ConfigError(f"scope: {scope!r} is not site:ID or device:ID")
    checked = None if body is None else check(body, config, scope)
    configs = {**store.central.configs(), scope: (checked, 0)}
    _, failed = _desired(configs, terminals(store, config), config.survey_tables())
    if failed:
        device, why = sorted(failed.items())[0]
        raise ConfigError(f"{scope}: what it gives terminal {device} cannot be sent: {why}")
    try:
        return store.central.set(scope, checked, who, datetime.now(UTC))
    except NojdError as exc:  # two changes at once (PostgreSQL): one of them is refused
        raise ConfigError(f"{scope}: not stored ({exc}); try again") from None
