"""Ingest's network half: a process of its own that receives from the broker.

paho's network thread (reading packets, MQTT 5 properties, a PUBACK per message) took
about half of one ingest process's time, and one interpreter lock serialised it with
decoding and committing. So :class:`nojd.server.ingest.Ingest` starts this module as a
child process (``python -m nojd.server.receiver``): it subscribes and hands every
message on through a pipe, in frames, while the parent decodes, commits and acks on a
core of its own.

The parent writes the settings as one JSON line on the child's stdin (the password
never appears in a command line) and keeps stdin open: the child ends when stdin ends,
so it never outlives its parent, even one killed with SIGKILL.

A frame is :data:`FRAME` (kind, topic length, payload length), then the topic in UTF-8
and the payload. The child acks nothing of nojd's: a terminal's answer is acked by the
parent after its commit, so a message lost between the two processes is sent again by
its terminal.
"""

from __future__ import annotations

import json
import logging
import os
import random
import struct
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

import paho.mqtt.client as mqtt

from nojd.mqtt import BrokerSettings, connect_limits, make_client
from nojd.systemd import configure_logging

log = logging.getLogger("nojd.ingest")

#: kind (one byte), topic length, payload length
FRAME = struct.Struct(">BHI")
MESSAGE, UP, DOWN = 0, 1, 2
MAX_BACKOFF = 30.0


def subscriptions(prefix: str, group: str) -> list[tuple[str, int]]:
    """What ingest reads: responses shared among the workers, every status and epoch."""
    return [
        (f"$share/{group}/{prefix}/+/response", 1),
        (f"{prefix}/+/status", 1),
        (f"{prefix}/+/epoch", 1),
    ]


def connect(client: mqtt.Client, broker: BrokerSettings, stopped: threading.Event) -> bool:
    """Connect, retrying with backoff and jitter until it works or ``stopped`` is set;
    paho's own thread reconnects after that."""
    host, port, _ = broker.address
    delay = 0.5
    while not stopped.is_set():
        try:
            client.connect(host, port, keepalive=30, properties=connect_limits())
            client.reconnect_delay_set(min_delay=1, max_delay=int(MAX_BACKOFF))
            return True
        except OSError as exc:
            log.warning("broker %s not reachable (%s); retrying in %.1f s", broker.url, exc, delay)
            stopped.wait(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, MAX_BACKOFF)
    return False


def frames(buffer: bytearray) -> tuple[list[tuple[int, str, bytes]], int]:
    """The whole frames at the start of ``buffer``, and how many bytes they took."""
    found: list[tuple[int, str, bytes]] = []
    at, size, head = 0, len(buffer), FRAME.size
    while size - at >= head:
        kind, topic_length, payload_length = FRAME.unpack_from(buffer, at)
        end = at + head + topic_length + payload_length
        if end > size:
            break
        start = at + head
        topic = buffer[start : start + topic_length].decode("utf-8")
        found.append((kind, topic, bytes(buffer[start + topic_length : end])))
        at = end
    return found, at


class Receiver:
    """Subscribes for ingest and writes what arrives to ``out`` (a file descriptor)."""

    def __init__(self, settings: Mapping[str, Any], out: int) -> None:
        self.broker = BrokerSettings(**settings["broker"])
        self.prefix = str(settings["prefix"])
        self.group = str(settings["group"])
        self.client_id = str(settings["client_id"])
        self.out = out
        self.stopped = threading.Event()
        self.client = make_client(self.broker, self.client_id, reconnect=True)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def _write(self, kind: int, topic: bytes = b"", payload: bytes | bytearray = b"") -> None:
        try:
            os.write(self.out, FRAME.pack(kind, len(topic), len(payload)) + topic + payload)
        except OSError:  # the parent is gone: nothing is acked, so nothing is lost
            os._exit(0)

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            log.error("broker refused ingest: %s", reason)
            return
        client.subscribe(subscriptions(self.prefix, self.group))
        log.info("connected to %s as %s", self.broker.url, self.client_id)

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, codes: Any, properties: Any
    ) -> None:
        refused = [str(code) for code in codes if code.is_failure]
        if refused:
            log.error(
                "the broker refused ingest's subscriptions (%s): is %s's role in its "
                "dynamic-security plugin? (docs/security.md)", ", ".join(refused),
                self.broker.username or "this user",
            )  # fmt: skip
        else:
            self._write(UP)

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._write(DOWN)
        if not self.stopped.is_set():
            log.warning("disconnected from the broker: %s", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic.encode("utf-8")
        except UnicodeError:  # the broker checks topics; this is for one that does not
            log.warning("dropped a message whose topic is not UTF-8")
            return
        self._write(MESSAGE, topic, message.payload)

    def run(self, until: Callable[[], object]) -> None:
        """Receive until ``until()`` returns (the parent closes stdin), also while the
        broker cannot be reached."""

        def watch() -> None:
            until()
            self.stopped.set()

        threading.Thread(target=watch, name="parent", daemon=True).start()
        if connect(self.client, self.broker, self.stopped):
            self.client.loop_start()
            self.stopped.wait()
            self.client.disconnect()
            self.client.loop_stop()


def main() -> None:
    """``python -m nojd.server.receiver``: settings on stdin, frames on stdout."""
    settings = json.loads(sys.stdin.buffer.readline())
    configure_logging(settings.get("log_level", "INFO"))
    out = os.dup(1)
    os.dup2(2, 1)  # a stray print must not corrupt the frames
    Receiver(settings, out).run(sys.stdin.buffer.read)


if __name__ == "__main__":
    main()
