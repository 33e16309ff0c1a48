"""Adding a terminal: its broker client and role, and its kiosk config.

The broker's dynamic-security plugin holds the terminal's rights
(:mod:`nojd.server.broker_roles`); ``nojd device add`` makes them over the
plugin's control topic as the admin user (:mod:`nojd.server.broker_admin`).
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from nojd.errors import ConfigError
from nojd.mqtt import BrokerSettings, parse_broker_url
from nojd.server.broker_admin import BrokerAdmin
from nojd.server.broker_roles import epoch_of
from nojd.survey.topics import PREFIX
from nojd.survey.wire import DEVICE_PATTERN, SITE_PATTERN

#: Broker users of the server itself (nojd-server): no terminal may take or replace them.
RESERVED_PREFIX = "nojd-"

KIOSK_TEMPLATE = """\
# Kiosk config for {device}, made by `nojd device add`. Every other key and its
# default is documented in firmware_config/kiosk.example.toml.
device = "{device}"
site = "{site}"
data_dir = "/var/lib/nojd"
broker = "{broker}"
epoch = {epoch}                  # raised by `nojd device add --replace`: a new terminal here

[uplink]
username = "{device}"
password = "{password}"
{ca_line}"""


@dataclass(frozen=True)
class NewDevice:
    """What ``nojd device add`` made."""

    device: str
    password: str
    kiosk_config: Path
    epoch: int


def add_device(
    device: str,
    site: str,
    broker: str,
    admin: BrokerSettings,
    out: Path,
    ca_file: str = "",
    change: str = "",
    prefix: str = PREFIX,
) -> NewDevice:
    """Create the terminal's client on the broker (or, with ``change`` "rotate" or
    "replace", give it a new password), and write its kiosk config.

    "replace" starts a new sequence epoch: the server keeps the old terminal's
    answers and takes the new one's from seq 1 without clashes.
    """
    if not DEVICE_PATTERN.fullmatch(device):
        raise ConfigError(f"device: {device!r} does not match {DEVICE_PATTERN.pattern}")
    if device.startswith(RESERVED_PREFIX):
        raise ConfigError(
            f"device: {device!r} is reserved (ids starting with {RESERVED_PREFIX} are the "
            "server's own broker users), expected another id"
        )
    if not SITE_PATTERN.fullmatch(site):
        raise ConfigError(f"site: {site!r} does not match {SITE_PATTERN.pattern}")
    _, _, tls = parse_broker_url(broker)
    password = secrets.token_urlsafe(24)
    try:  # before the broker changes: a config that cannot be written changes nothing
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"out: cannot make {str(out)!r} ({exc.strerror})") from None
    config = out / f"{device}.toml"
    partial = out / f".{device}.toml.partial"  # the password is never only in the broker
    with BrokerAdmin(admin) as broker_admin:
        known = broker_admin.terminal(device)
        if known is None and change:
            raise ConfigError(f"device: {device!r} has no credentials yet; leave out --{change}")
        if known is not None and not change:
            raise ConfigError(
                f"device: {device!r} already has credentials; pass --rotate for a new password "
                "(same terminal, same outbox) or --replace for a new terminal in its place"
            )
        epoch = 0 if known is None else epoch_of(known.get("textdescription"))
        if change == "replace":  # seconds since 1970: later than any epoch before
            epoch = max(int(time.time()), epoch + 1)
        ca_line = f'ca_file = "{ca_file}"\n' if tls and ca_file else ""
        text = KIOSK_TEMPLATE.format(
            device=device, site=site, broker=broker, password=password, ca_line=ca_line,
            epoch=epoch,
        )  # fmt: skip
        partial.unlink(missing_ok=True)
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise ConfigError(f"out: cannot write {str(partial)!r} ({exc.strerror})") from None
        try:
            if change == "replace":  # first: until the password changes, it starts nothing
                broker_admin.start_epoch(device, epoch, prefix)
            if known is None:
                broker_admin.add_terminal(device, password, prefix)
            else:
                broker_admin.set_password(device, password, epoch)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(config)
    return NewDevice(device, password, config, epoch)
