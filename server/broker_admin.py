"""Managing terminals on a running broker, through the dynamic-security plugin's
control topic (``$CONTROL/dynamic-security/v1``), as the admin user.

The plugin applies a change at once and saves its file itself; nothing has to
be reloaded.  Changing a client's password disconnects it.
"""

from __future__ import annotations

import json
import queue
import secrets
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from nojd.errors import ConfigError
from nojd.mqtt import BrokerSettings, make_client, settings_from_table
from nojd.server.broker_roles import (
    ADMIN_USER,
    SERVER_ROLE,
    TERMINAL_ROLE_PREFIX,
    describe_epoch,
    epoch_of,
    server_acls,
    terminal_acls,
    terminal_client,
    terminal_role_name,
)
from nojd.survey.topics import PREFIX, encode_epoch, topic
from nojd.tomlconfig import Table, text

CONTROL = "$CONTROL/dynamic-security/v1"
DEFAULT_ADMIN_FILE = Path("/etc/nojd/broker-admin.toml")
TIMEOUT = 10.0


def load_admin(path: Path) -> tuple[BrokerSettings, str]:
    """The admin's connection and the topic prefix, from the file ``nojd broker init``
    writes (mode 0600)."""
    top = Table.load(path, "broker admin file")
    settings = settings_from_table(top, "mqtt://127.0.0.1:1883", "prefix")
    if not settings.username or not settings.password:
        raise top.fail("password", "missing (expected the username and password of nojd-admin)")
    return settings, top.get("prefix", PREFIX, text, "a topic prefix like 'nojd/v1'")


class BrokerAdmin:
    """One admin connection; :meth:`run` sends commands and waits for their answers."""

    def __init__(self, settings: BrokerSettings, timeout: float = TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout
        self.answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected: queue.Queue[Any] = queue.Queue()
        self.client = make_client(settings, f"{ADMIN_USER}-{secrets.token_hex(4)}")
        self.client.on_connect = lambda c, u, f, reason, p: self.connected.put(reason)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.connected.put(codes[0])
        self.client.on_message = self._answered

    def __enter__(self) -> BrokerAdmin:
        host, port, _ = self.settings.address
        try:
            self.client.connect(host, port)
        except OSError as exc:
            raise ConfigError(f"broker: cannot reach {self.settings.url} ({exc})") from None
        self.client.loop_start()
        reason = self._wait(self.connected, "connect")
        if reason.is_failure:
            self.close()
            raise ConfigError(
                f"broker: {self.settings.url} refused {self.settings.username} ({reason})"
            )
        self.client.subscribe(f"{CONTROL}/response", qos=1)
        if self._wait(self.connected, "subscribe").is_failure:
            self.close()
            raise ConfigError(f"broker: {self.settings.username} may not manage the broker")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()

    def _answered(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            answer = json.loads(message.payload)
        except ValueError:
            return
        for each in answer.get("responses", []) if isinstance(answer, dict) else []:
            self.answers.put(each)

    def _wait(self, source: queue.Queue[Any], what: str, deadline: float | None = None) -> Any:
        left = self.timeout if deadline is None else deadline - time.monotonic()
        try:
            return source.get(timeout=max(left, 0.001))
        except queue.Empty:
            self.close()
            raise ConfigError(
                f"broker: no answer to {what} from {self.settings.url} within {self.timeout:g} s "
                "(is the dynamic-security plugin loaded? see docs/security.md)"
            ) from None

    def publish(self, topic_name: str, payload: bytes | str, retain: bool = False) -> None:
        """Publish at QoS 1 and wait for the broker's PUBACK; a refusal raises."""
        published: queue.Queue[Any] = queue.Queue()
        self.client.on_publish = lambda c, u, mid, reason, p: published.put(reason)
        try:
            self.client.publish(topic_name, payload, qos=1, retain=retain)
        except (RuntimeError, ValueError) as exc:  # paho: not connected, or a bad topic
            raise ConfigError(f"broker: could not publish to {topic_name} ({exc})") from None
        reason = self._wait(published, f"a publish to {topic_name}")
        if reason.is_failure:
            raise ConfigError(
                f"broker: {topic_name} refused to {self.settings.username} ({reason})"
            )

    def run(self, *commands: dict[str, Any]) -> list[dict[str, Any]]:
        """Send ``commands`` at once; their answers, in order.  An error answer raises
        :class:`ConfigError` naming the command."""
        tag = secrets.token_hex(6)
        tagged = [
            {**command, "correlationData": f"{tag}-{i}"} for i, command in enumerate(commands)
        ]
        self.publish(CONTROL, json.dumps({"commands": tagged}))
        deadline = time.monotonic() + self.timeout  # for all answers: others' don't extend it
        found: dict[str, dict[str, Any]] = {}
        while len(found) < len(tagged):
            answer = self._wait(self.answers, tagged[len(found)]["command"], deadline)
            mark = answer.get("correlationData")
            if isinstance(mark, str) and mark.startswith(tag):
                found[mark] = answer
        answers = [found[command["correlationData"]] for command in tagged]
        for command, answer in zip(tagged, answers, strict=True):
            if answer.get("error"):
                raise ConfigError(f"broker: {command['command']} refused: {answer['error']}")
        return answers

    # -- terminals -------------------------------------------------------------

    def terminal(self, device: str) -> dict[str, Any] | None:
        """The client entry of ``device``, or ``None``."""
        tagged = {"command": "getClient", "username": device}
        try:
            return dict(self.run(tagged)[0]["data"]["client"])
        except ConfigError as exc:
            if "not found" in str(exc):
                return None
            raise

    def epoch(self, device: str) -> int:
        """The sequence epoch of ``device`` (0 for one never replaced)."""
        client = self.terminal(device)
        return epoch_of(client.get("textdescription")) if client else 0

    def add_terminal(self, device: str, password: str, prefix: str) -> None:
        """A new terminal: its own role and its client, bound to its client id."""
        role = terminal_role_name(device)
        self.run({"command": "createRole", "rolename": role, "acls": terminal_acls(device, prefix)})
        try:
            self.run(
                {"command": "createClient", **terminal_client(device, {}), "password": password}
            )
        except ConfigError:
            self.run({"command": "deleteRole", "rolename": role})  # no role without its client
            raise

    def update_roles(self, prefix: str) -> list[str]:
        """Give the server's role and every terminal's role the rights of this version
        (an upgrade adds rights, such as a terminal's config topic); the roles changed."""
        names = self.run({"command": "listRoles"})[0]["data"]["roles"]
        changed = []
        for name in names:
            if name == SERVER_ROLE:
                wanted = server_acls(prefix)
            elif isinstance(name, str) and name.startswith(TERMINAL_ROLE_PREFIX):
                wanted = terminal_acls(name.removeprefix(TERMINAL_ROLE_PREFIX), prefix)
            else:
                continue
            role = self.run({"command": "getRole", "rolename": name})[0]["data"]["role"]
            held = {(entry["acltype"], entry["topic"]) for entry in role.get("acls", [])}
            missing = [entry for entry in wanted if (entry["acltype"], entry["topic"]) not in held]
            if missing:
                self.run(*({"command": "addRoleACL", "rolename": name, **e} for e in missing))
                changed.append(name)
        return changed

    def start_epoch(self, device: str, epoch: int, prefix: str) -> None:
        """Tell the server (retained, so a server that is down learns it later) that a
        replacement started ``epoch`` for ``device``."""
        self.publish(topic("epoch", device, prefix), encode_epoch(epoch), retain=True)

    def set_password(self, device: str, password: str, epoch: int) -> None:
        """A new password (the broker disconnects the terminal) and the epoch it starts."""
        self.run(
            {"command": "modifyClient", "username": device, "password": password,
             "textdescription": describe_epoch(epoch)},
        )  # fmt: skip
