"""Adding a terminal: its broker credentials, its password-file entry and its kiosk config.

The shipped ACL (``firmware_config/mosquitto/nojd.acl``) gives every user
rights by pattern on ``nojd/v1/<user>/…``, so a device's ACL entry is its
user name being its device id; nothing else has to be written there.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from nojd.errors import ConfigError
from nojd.mqtt import parse_broker_url
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


def add_device(
    device: str,
    site: str,
    broker: str,
    password_file: Path,
    out: Path,
    ca_file: str = "",
    rotate: bool = False,
) -> NewDevice:
    """Create credentials, add them to the broker's password file, write the kiosk config."""
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
    known = _users(password_file)
    if device in known and not rotate:
        raise ConfigError(
            f"device: {device!r} already has credentials in {password_file}; "
            "pass --rotate to give it a new password"
        )
    password = secrets.token_urlsafe(24)
    _set_password(password_file, device, password)
    out.mkdir(parents=True, exist_ok=True)
    config = out / f"{device}.toml"
    ca_line = f'ca_file = "{ca_file}"\n' if tls and ca_file else ""
    text = KIOSK_TEMPLATE.format(
        device=device, site=site, broker=broker, password=password, ca_line=ca_line
    )
    descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return NewDevice(device, password, config)


def _users(password_file: Path) -> set[str]:
    if not password_file.exists():
        return set()
    lines = password_file.read_text(encoding="utf-8").splitlines()
    return {line.split(":", 1)[0] for line in lines if ":" in line}


def _set_password(password_file: Path, user: str, password: str) -> None:
    tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
    if not Path(tool).exists():
        raise ConfigError("mosquitto_passwd: not found (install the mosquitto package)")
    password_file.parent.mkdir(parents=True, exist_ok=True)
    if not password_file.exists():
        password_file.touch(mode=0o600)
    result = subprocess.run(
        [tool, "-b", str(password_file), user, password],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ConfigError(f"mosquitto_passwd: {result.stderr.strip() or result.stdout.strip()}")
    _readable_by_mosquitto(password_file)


def _readable_by_mosquitto(path: Path) -> None:
    """Mosquitto started as root drops to its own user before it reads the password file."""
    if os.geteuid() != 0:
        return
    try:
        account = pwd.getpwnam("mosquitto")
    except KeyError:
        return
    os.chown(path, account.pw_uid, account.pw_gid)
    path.chmod(0o600)
