"""The dynamic-security plugin's first file, written before Mosquitto loads the plugin.

Mosquitto reads the file at start and rewrites it after every change made over
its control topic; nojd writes it once only (``nojd broker init``), and never
while the plugin holds it.  Terminals of an older install, in a mosquitto
password file, are carried over with the passwords they have.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nojd.errors import ConfigError
from nojd.server.broker_roles import SERVER_USER, from_passwd_line, initial_config
from nojd.server.devices import RESERVED_PREFIX
from nojd.survey.wire import DEVICE_PATTERN

ADMIN_FILE_TEMPLATE = """\
# The broker's admin, for `nojd device add` only (made by `nojd broker init`).
# It manages the broker's users and rights: keep this file root's, mode 0600.
url = "{url}"
username = "nojd-admin"
password = "{password}"
prefix = "{prefix}"
"""


@dataclass(frozen=True)
class Initialised:
    """What ``nojd broker init`` did."""

    written: bool
    terminals: tuple[str, ...] = ()


def init_broker(
    plugin_file: Path,
    admin_file: Path,
    server_password: str,
    prefix: str,
    url: str,
    passwd: Path | None = None,
    server_user: str = SERVER_USER,
) -> Initialised:
    """Write the plugin's file and the admin's file, unless the plugin's file exists."""
    if plugin_file.exists():
        return Initialised(False)
    if not server_password:
        raise ConfigError("broker.password: empty (expected the password of nojd-server)")
    carry = passwd is not None and passwd.exists()
    terminals = _carried_over(passwd, server_user) if passwd is not None and carry else {}
    admin_password = secrets.token_urlsafe(24)
    config = initial_config(admin_password, server_password, prefix, terminals, server_user)
    _write(admin_file, ADMIN_FILE_TEMPLATE.format(url=url, password=admin_password, prefix=prefix))
    _write(plugin_file, json.dumps(config, indent=1) + "\n")
    return Initialised(True, tuple(sorted(terminals)))


def _carried_over(passwd: Path, server_user: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(passwd.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            user, stored = from_passwd_line(line)
        except ConfigError as exc:
            raise ConfigError(f"{passwd}:{number}: {exc}") from None
        if (
            DEVICE_PATTERN.fullmatch(user)
            and not user.startswith(RESERVED_PREFIX)
            and user != server_user
        ):
            found[user] = stored
    return found


def _write(path: Path, text: str) -> None:
    """Write a secret file whole (mode 0600), or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
