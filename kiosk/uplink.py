"""The uplink: sends the outbox to the broker and marks rows delivered when the server acks them.

It runs in its own thread; the visitor's screen never waits for the network.
Rows go out in ``seq`` order, QoS 1, at most ``max_in_flight`` unacked at a
time; a row committed while a backlog drains goes out at once, ahead of the
backlog.  A row leaves the outbox's backlog only when ``nojd/v1/<device>/ack``
names it, which the server sends after its commit; what stays unacked is sent
again after ``resend_after`` seconds.  Lost connections are retried with
exponential backoff and jitter.  A retained ``status`` (online, backlog,
version) is refreshed every ``heartbeat`` seconds, with an ``offline`` last
will.  Time stamps made before NTP synchronised the clock are corrected from
the boot's monotonic clock before they are sent, and marked ``corrected``.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import deque
from datetime import timedelta
from typing import Any

import paho.mqtt.client as mqtt

from nojd import __version__
from nojd.kiosk.config import UplinkConfig
from nojd.kiosk.outbox import Outbox
from nojd.mqtt import make_client
from nojd.survey import MessageError, Survey, encode, validate
from nojd.survey.topics import decode_ack, encode_status, topic

log = logging.getLogger("nojd.uplink")

MIN_BACKOFF = 0.5
MAX_BACKOFF = 60.0
#: Seconds between looks at whether the clock is synchronised (for the log line).
CLOCK_CHECK = 10.0
CONNECT_TIMEOUT = 10.0
#: A drained backlog at least this long is worth a line in the log.
BACKLOG_WORTH_LOGGING = 10


class Uplink:
    """The thread that empties the outbox into the broker."""

    def __init__(
        self, config: UplinkConfig, device: str, outbox: Outbox, survey: Survey, clock: Any
    ) -> None:
        self.config = config
        self.device = device
        self.outbox = outbox
        self.survey = survey
        self.clock = clock
        self.state = "connecting"
        self.drained = threading.Event()
        self._fresh: deque[int] = deque()
        self._stop = threading.Event()
        self._in_flight: dict[int, float] = {}
        self._cursor = 0
        self._peak = 0
        self._synced: bool | None = None
        self._clock_checked = float("-inf")
        self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Say offline, disconnect, and end the thread; safe to call twice."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def notify(self, seq: int) -> None:
        """A response was just committed: send it ahead of any backlog."""
        self.drained.clear()
        self._fresh.append(seq)

    # -- the thread -------------------------------------------------------------

    def _run(self) -> None:
        delay = MIN_BACKOFF
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._session()
            except (OSError, ConnectionError, mqtt.WebsocketConnectionError) as exc:
                log.warning("broker %s: %s", self.config.broker.url, str(exc))
            except Exception:  # the uplink never dies: the outbox keeps everything
                log.exception("uplink failed; reconnecting")
            self.state = "disconnected"
            if self._stop.is_set():
                break
            if time.monotonic() - started > MAX_BACKOFF:
                delay = MIN_BACKOFF  # that connection lived: start the backoff afresh
            self._stop.wait(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, MAX_BACKOFF)

    def _session(self) -> None:
        host, port, _ = self.config.broker.address
        client = make_client(self.config.broker, f"nojd-kiosk-{self.device}")
        status = topic("status", self.device, self.config.prefix)
        client.will_set(status, self._status("offline"), qos=1, retain=True)
        connected = threading.Event()
        refused: list[str] = []

        def on_connect(
            client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
        ) -> None:
            if reason.is_failure:
                refused.append(str(reason))
            connected.set()

        client.on_connect = on_connect
        client.on_message = self._on_ack
        self.state = "connecting"
        try:
            client.connect(host, port, keepalive=self.config.keepalive)
            self._serve(client, connected, refused, status)
        finally:
            sock = client.socket()
            if sock is not None:  # a failed TLS handshake or a lost connection leaves it open
                sock.close()

    def _serve(
        self, client: mqtt.Client, connected: threading.Event, refused: list[str], status: str
    ) -> None:
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while not connected.is_set():
            if client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS or time.monotonic() > deadline:
                raise ConnectionError("no answer to CONNECT")
        if refused:
            raise ConnectionError(f"refused: {refused[0]}")
        client.subscribe(topic("ack", self.device, self.config.prefix), qos=1)
        self.state = "online"
        self._peak = self.outbox.backlog()
        log.info("connected to %s; backlog %d", self.config.broker.url, self._peak)
        self._in_flight.clear()
        self._cursor = 0
        beat = 0.0
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now - beat >= self.config.heartbeat:
                    client.publish(status, self._status("online"), qos=1, retain=True)
                    beat = now
                self._send(client, now)
                busy = len(self._in_flight) < self.config.max_in_flight and self._fresh
                if client.loop(timeout=0.01 if busy else 0.2) != mqtt.MQTT_ERR_SUCCESS:
                    raise ConnectionError("connection lost")
        finally:
            if self._stop.is_set():
                client.publish(status, self._status("offline"), qos=1, retain=True)
                client.loop(timeout=0.5)
                client.disconnect()

    def _status(self, state: str) -> bytes:
        return encode_status(state, self.clock.now(), self.outbox.backlog(), __version__)

    def _on_ack(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            seqs = decode_ack(message.payload)
        except MessageError as exc:
            log.warning("ignored an ack that is not one: %s", exc)
            return
        self.outbox.acknowledge(seqs)
        for seq in seqs:
            self._in_flight.pop(seq, None)
        if not self._in_flight and self.outbox.backlog() == 0:
            if self._peak >= BACKLOG_WORTH_LOGGING:
                log.info("backlog of %d drained: every response is acknowledged", self._peak)
            self._peak = 0
            self.drained.set()

    def _send(self, client: mqtt.Client, now: float) -> None:
        """Resend what waited too long, then fill the window: fresh rows first, then the oldest."""
        if now >= self._clock_checked + CLOCK_CHECK:  # adjtimex is a system call: not per loop
            self._clock_checked = now
            self._watch_clock()
        late = [
            seq for seq, sent in self._in_flight.items() if now - sent > self.config.resend_after
        ]
        rows = [
            row for row in (self.outbox.row(seq) for seq in late) if row and not row["acked_at"]
        ]
        room = self.config.max_in_flight - len(self._in_flight)
        while self._fresh and room > 0:
            row = self.outbox.row(self._fresh.popleft())
            if row and not row["acked_at"] and row["seq"] not in self._in_flight:
                rows.append(row)
                room -= 1
        if room > 0:
            for row in self.outbox.pending(limit=room, after_seq=self._cursor):
                self._cursor = max(self._cursor, int(row["seq"]))
                if row["seq"] not in self._in_flight and row not in rows:
                    rows.append(row)
        if not rows:
            if not self._in_flight and self.outbox.backlog() == 0:
                self.drained.set()
            return
        for row in rows:
            payload = self._payload(row)
            if payload is not None:
                client.publish(topic("response", self.device, self.config.prefix), payload, qos=1)
            self._in_flight[int(row["seq"])] = now
        self.outbox.mark_sent([int(row["seq"]) for row in rows], self.clock.now())

    def _watch_clock(self) -> None:
        """Log when the clock becomes synchronised (or stops being so), once per change."""
        synced = self.clock.synced()
        if synced == self._synced:
            return
        if synced:
            log.info("clock synchronised; answers given before get corrected time stamps")
        else:
            log.warning("clock not synchronised (no NTP yet); answers are marked unsynced")
        self._synced = synced

    def _payload(self, row: dict[str, object]) -> bytes | None:
        if (
            row["clock"] == "unsynced"
            and row["boot_id"] == self.clock.boot_id
            and self.clock.synced()
        ):
            age = self.clock.monotonic() - float(row["monotonic"])  # type: ignore[arg-type]
            self.outbox.correct(int(row["seq"]), self.clock.now() - timedelta(seconds=age))  # type: ignore[call-overload]
            row = self.outbox.row(int(row["seq"])) or row  # type: ignore[call-overload]
        message = {
            "v": 1,
            **{
                key: row[key]
                for key in ("id", "device", "seq", "site", "survey", "lang", "at", "clock")
            },
            "answers": json.loads(str(row["answers"])),
            "flags": json.loads(str(row["flags"])),
        }
        try:
            return encode(validate(message, self.survey))
        except MessageError as exc:  # cannot happen for a row the kiosk built; never block the rest
            log.error("outbox row %s is not a valid message (%s); it stays unsent", row["seq"], exc)
            return None
