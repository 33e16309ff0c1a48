"""The uplink: sends the outbox to the broker and marks rows delivered when the server acks them.

It runs in its own thread; the visitor's screen never waits for the network.
Rows go out in ``seq`` order, QoS 1, at most ``max_in_flight`` unacked at a
time; a row committed while a backlog drains goes out at once, ahead of the
backlog.  A row leaves the outbox's backlog only when ``nojd/v1/<device>/ack``
names it, which the server sends after its commit; what stays unacked is sent
again after ``resend_after`` seconds.  Lost connections are retried with
exponential backoff and jitter.  A retained ``status`` (online, backlog,
version) is refreshed every ``heartbeat`` seconds, with an ``offline`` last
will.  The outbox hands out :class:`Response`s, their clocks already corrected
where NTP came late; the uplink only encodes and sends them.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from nojd import __version__
from nojd.kiosk.clock import Clock
from nojd.kiosk.config import UplinkConfig
from nojd.kiosk.outbox import Outbox
from nojd.mqtt import connect_limits, make_client
from nojd.survey import MessageError, Response, Survey, encode, validate
from nojd.survey.topics import decode_ack, encode_status, kiosk_client_id, topic

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
        self, config: UplinkConfig, device: str, outbox: Outbox, survey: Survey, clock: Clock
    ) -> None:
        self.config = config
        self.device = device
        self.outbox = outbox
        self.survey = survey
        #: Every survey this terminal has asked: a row of an earlier one still goes out.
        self.surveys = {survey.id: survey}
        self.clock = clock
        #: Called with each central config message (the kiosk checks and applies it).
        self.on_config: Callable[[bytes], None] = lambda payload: None
        #: Which central config the terminal applied, and which it refused and why.
        self.config_state: dict[str, Any] | None = None
        self._status_due = threading.Event()
        #: Where the terminal stands, told in its status.
        self.site = ""
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

    def use_survey(self, survey: Survey) -> None:
        """Answers from now on are of ``survey`` (a central config changed it)."""
        self.surveys[survey.id] = survey
        self.survey = survey

    def report_config(self, state: dict[str, Any]) -> None:
        """Tell the server at once what became of a central config."""
        self.config_state = state
        self._status_due.set()

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
                self._connection()
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

    def _connection(self) -> None:
        """One connection to the broker: connect, then send and take acks until it ends."""
        host, port, _ = self.config.broker.address
        client = make_client(self.config.broker, kiosk_client_id(self.device))
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
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self.state = "connecting"
        try:
            client.connect(host, port, keepalive=self.config.keepalive, properties=connect_limits())
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
        client.subscribe(
            [
                (topic("ack", self.device, self.config.prefix), 1),
                (topic("config", self.device, self.config.prefix), 1),
            ]
        )
        self.state = "online"
        self._peak = self.outbox.backlog()
        log.info("connected to %s; backlog %d", self.config.broker.url, self._peak)
        self._in_flight.clear()
        self._cursor = 0
        beat = 0.0
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now - beat >= self.config.heartbeat or self._status_due.is_set():
                    self._status_due.clear()
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
        return encode_status(
            state, self.clock.now(), self.outbox.backlog(), __version__, self.config_state,
            self.site,
        )  # fmt: skip

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, codes: Any, properties: Any
    ) -> None:
        if len(codes) == 2 and codes[1].is_failure:
            log.warning(
                "the broker refused this terminal its config topic (%s): central "
                "configuration needs 'nojd broker update' on the server", codes[1],
            )  # fmt: skip

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.topic.endswith("/config"):
            try:
                self.on_config(bytes(message.payload))
            except Exception:  # a kiosk never stops for a bad message
                log.exception("a central config message could not be handled")
            return
        self._on_ack(client, userdata, message)

    def _on_ack(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            seqs = decode_ack(bytes(message.payload))
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
        responses = self.outbox.waiting(late)
        for seq in set(late) - {response.seq for response in responses}:
            del self._in_flight[seq]  # acknowledged after all
        room = self.config.max_in_flight - len(self._in_flight)
        fresh: list[int] = []
        while self._fresh and len(fresh) < room:
            seq = self._fresh.popleft()
            if seq not in self._in_flight and seq not in fresh:
                fresh.append(seq)
        found = self.outbox.waiting(fresh)
        responses += found
        room -= len(found)
        if room > 0:
            chosen = {response.seq for response in responses}
            for response in self.outbox.pending(limit=room, after_seq=self._cursor):
                self._cursor = max(self._cursor, response.seq)
                if response.seq not in self._in_flight and response.seq not in chosen:
                    responses.append(response)
        if not responses:
            if not self._in_flight and self.outbox.backlog() == 0:
                self.drained.set()
            return
        for response in responses:
            payload = self._payload(response)
            if payload is not None:
                client.publish(topic("response", self.device, self.config.prefix), payload, qos=1)
            self._in_flight[response.seq] = now
        self.outbox.mark_sent([response.seq for response in responses], self.clock.now())

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

    def _payload(self, response: Response) -> bytes | None:
        message = {**response.as_json(), "epoch": self.config.epoch}
        survey = self.surveys.get(response.survey)
        try:
            if survey is not None:
                return encode(validate(message, survey))
        except MessageError as exc:
            log.warning("outbox row %s does not fit survey %s as it is now (%s); sent as it "
                        "was committed", response.seq, response.survey, exc)  # fmt: skip
        # Committed under a survey this terminal asked before a central config changed it:
        # it was checked when it was committed, and the server checks it again (and
        # quarantines it, visibly, if it no longer fits). Never left unsent for ever.
        return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
