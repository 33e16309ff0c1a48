"""Who may do what on the broker: the rights of Mosquitto's dynamic-security plugin.

Mosquitto's ``acl_file`` checks reading when a message is delivered, not when a
client subscribes, so a terminal could take a share of every response with
``$share/<group>/…`` and drop it.  The dynamic-security plugin checks a
subscription when it is made and refuses it with a SUBACK reason code; nothing
is subscribed, subscribable or publishable unless a role below allows it.

* **A terminal** (user = its device id) has its own role ``nojd-terminal-<id>``:
  publish its own response and status, subscribe to and receive its own ack and its
  own central configuration (``nojd/v1/<id>/config``).
  Its client id is bound to ``nojd-kiosk-<id>``, so no one else's login can take
  that id, and it can take no other.  (Mosquitto 2.0.11, in Debian 12, has no
  ``%u`` in dynamic-security topics: hence one role per terminal.)
* **The server** (``nojd-server``) reads responses (shared or not) and statuses
  and writes acks and the terminals' central configurations (retained), under any
  client id: its ingest workers run side by side.
* **The admin** (``nojd-admin``) manages the plugin (``nojd device add``), and
  publishes the epoch a replacement starts (``nojd/v1/<id>/epoch``, retained), which
  only it may publish and only the server may read.

The plugin stores passwords as mosquitto_passwd does (PBKDF2-SHA512, 12-byte
salt), so a password file's entries carry over unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from nojd.errors import ConfigError
from nojd.survey.topics import PREFIX, kiosk_client_id, topic

ADMIN_USER = "nojd-admin"
SERVER_USER = "nojd-server"
SERVER_ROLE = "nojd-server"
ITERATIONS = 101
SALT_BYTES = 12

#: No default rights for anyone: every right is a role's.
DEFAULT_ACCESS = {
    "publishClientSend": False,
    "publishClientReceive": False,
    "subscribe": False,
    "unsubscribe": True,
}


def acl(kind: str, topic_filter: str) -> dict[str, Any]:
    """One allowing ACL entry of a role."""
    return {"acltype": kind, "topic": topic_filter, "priority": 0, "allow": True}


TERMINAL_ROLE_PREFIX = "nojd-terminal-"


def terminal_role_name(device: str) -> str:
    """The role that holds a terminal's rights."""
    return f"{TERMINAL_ROLE_PREFIX}{device}"


def terminal_acls(device: str, prefix: str = PREFIX) -> list[dict[str, Any]]:
    """A terminal sends its own response and status and reads its own ack and its own
    central configuration; nothing else."""
    return [
        acl("publishClientSend", topic("response", device, prefix)),
        acl("publishClientSend", topic("status", device, prefix)),
        acl("subscribeLiteral", topic("ack", device, prefix)),
        acl("publishClientReceive", topic("ack", device, prefix)),
        acl("subscribeLiteral", topic("config", device, prefix)),
        acl("publishClientReceive", topic("config", device, prefix)),
    ]


def server_acls(prefix: str = PREFIX) -> list[dict[str, Any]]:
    """The server reads every response (through any shared group) and status, writes acks."""
    return [
        acl("subscribePattern", f"$share/+/{prefix}/+/response"),
        acl("subscribePattern", f"{prefix}/+/response"),
        acl("subscribePattern", f"{prefix}/+/status"),
        acl("subscribePattern", f"{prefix}/+/epoch"),
        acl("publishClientReceive", f"{prefix}/+/response"),
        acl("publishClientReceive", f"{prefix}/+/status"),
        acl("publishClientReceive", f"{prefix}/+/epoch"),
        acl("publishClientSend", f"{prefix}/+/ack"),
        acl("publishClientSend", f"{prefix}/+/config"),
    ]


def admin_acls(prefix: str = PREFIX) -> list[dict[str, Any]]:
    """The plugin's control topics, and of nojd's only the epochs a replacement starts."""
    control = "$CONTROL/dynamic-security/#"
    return [
        acl("publishClientSend", control),
        acl("publishClientReceive", control),
        acl("subscribePattern", control),
        acl("publishClientSend", f"{prefix}/+/epoch"),
    ]


def hashed(password: str) -> dict[str, Any]:
    """The plugin's stored form of a password."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS)
    return {
        "salt": base64.b64encode(salt).decode(),
        "password": base64.b64encode(digest).decode(),
        "iterations": ITERATIONS,
    }


def from_passwd_line(line: str) -> tuple[str, dict[str, Any]]:
    """``user:$7$101$salt$hash`` (mosquitto_passwd) → ``(user, stored form)``."""
    user, _, entry = line.strip().partition(":")
    parts = entry.split("$")
    if len(parts) != 5 or parts[1] != "7" or not parts[2].isdigit():
        raise ConfigError(
            f"password file: the entry of {user!r} is not mosquitto_passwd's $7$ form"
        )
    return user, {"salt": parts[3], "password": parts[4], "iterations": int(parts[2])}


def terminal_client(device: str, stored: dict[str, Any], epoch: int = 0) -> dict[str, Any]:
    """A terminal's client entry, bound to its client id, with its epoch in its description."""
    return {
        "username": device,
        "clientid": kiosk_client_id(device),
        "textname": f"nojd terminal {device}",
        "textdescription": describe_epoch(epoch),
        "roles": [{"rolename": terminal_role_name(device), "priority": 0}],
        **stored,
    }


def describe_epoch(epoch: int) -> str:
    """Where a terminal's sequence epoch is kept: its client's description."""
    return f"epoch {epoch}"


def epoch_of(description: object) -> int:
    """The epoch in a client's description; 0 if it has none (made before epochs)."""
    if isinstance(description, str) and description.startswith("epoch "):
        value = description.removeprefix("epoch ")
        if value.isdigit():
            return int(value)
    return 0


def initial_config(
    admin_password: str,
    server_password: str,
    prefix: str = PREFIX,
    terminals: dict[str, dict[str, Any]] | None = None,
    server_user: str = SERVER_USER,
) -> dict[str, Any]:
    """The plugin's first file: the admin, the server, and terminals carried over from a
    password file (``{device: stored password}``)."""
    clients = [
        {
            "username": ADMIN_USER,
            "textname": "nojd device add",
            "roles": [{"rolename": ADMIN_USER, "priority": 0}],
            **hashed(admin_password),
        },
        {
            "username": server_user,
            "textname": "nojd server (every ingest worker)",
            "roles": [{"rolename": SERVER_ROLE, "priority": 0}],
            **hashed(server_password),
        },
    ]
    roles = [
        {"rolename": ADMIN_USER, "acls": admin_acls(prefix)},
        {"rolename": SERVER_ROLE, "acls": server_acls(prefix)},
    ]
    for device, stored in sorted((terminals or {}).items()):
        clients.append(terminal_client(device, stored))
        roles.append(
            {"rolename": terminal_role_name(device), "acls": terminal_acls(device, prefix)}
        )
    return {
        "clients": clients,
        "groups": [],
        "roles": roles,
        "defaultACLAccess": DEFAULT_ACCESS,
    }
